// name: alert_ring_weakened
// title: Alert rule: a flagged ring lost support in the latest detection run
// description: Every ring detection marked weakened (weakened = true) since the last
//   ring_weakened alert about it: a ring the latest run no longer finds (kept as stale,
//   never deleted) or one still found with fewer of its detected accounts, a signal
//   family it no longer shows, or a clearly lower score. Any flagged ring, reported or
//   not: a finding must not fade without an investigator's decision. The alert names
//   the accounts that changed (the ones lost; the whole case of a ring no longer found,
//   or when only evidence was lost) and says what changed. Each weakening is reported
//   once (its `episode`: when it happened). Severity high when the ring is confirmed,
//   escalated or exported, medium otherwise. Read-only.
// category: alert
// mode: read
// version: 2
// param: limit = 10000  -- alerts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 10000
MATCH (r:Ring)
WHERE coalesce(r.weakened, false) AND r.weakened_at IS NOT NULL
  AND NOT EXISTS { (r)<-[:CONCERNS]-(x:Alert {kind: 'ring_weakened'}) WHERE x.created_at >= r.weakened_at }
WITH r, COLLECT {
  MATCH (r)-[h:HAS_MEMBER]->(a:Account) WHERE NOT coalesce(h.removed, false)
  RETURN a.account_id AS id ORDER BY id
} AS members,
  (r.status IN ['confirmed', 'escalated'] OR EXISTS { (r)<-[:INCLUDES]-(:Export) }) AS actioned
WITH r, members, actioned,
     CASE WHEN NOT coalesce(r.retired, false) AND size(coalesce(r.lost_members, [])) > 0
          THEN r.lost_members ELSE members END AS accounts
WHERE size(accounts) > 0
RETURN 'ring_weakened' AS kind,
       r.ring_id AS ring_id,
       accounts AS account_ids,
       CASE WHEN actioned THEN 'high' ELSE 'medium' END AS severity,
       toString(r.weakened_at) AS episode,
       'ring ' + r.ring_id + ' (' + coalesce(r.status, 'new') + ', ' + size(members) + ' accounts in its case) '
         + CASE WHEN coalesce(r.retired, false) THEN 'is ' ELSE 'weakened: ' END
         + coalesce(r.weakened_reason, 'no longer found by detection')
         + ' (run of ' + toString(r.weakened_at) + '): review it before it is closed' AS reason
ORDER BY actioned DESC, ring_id
LIMIT $limit
