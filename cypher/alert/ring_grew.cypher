// name: alert_ring_grew
// title: Alert rule: a known ring gained accounts
// description: Rings already reported by an alert whose current case holds accounts that
//   detection added and that no alert about the ring mentions yet: the ring grew since it
//   was last reported. Severity is high when the ring is confirmed or escalated or was
//   exported for enforcement (its operator is adding accounts under watch), medium
//   otherwise. Accounts an investigator put into the case are their own decision and do
//   not count. Read-only; runs after the recidivism rule, so accounts that rule already
//   reported are not reported twice.
// category: alert
// mode: read
// version: 1
// param: limit = 10000  -- alerts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 10000
MATCH (r:Ring)
WHERE NOT coalesce(r.retired, false)
  AND EXISTS { (r)<-[:CONCERNS]-(:Alert) }
MATCH (r)-[h:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(h.removed, false) AND coalesce(h.added_by, 'detect') = 'detect'
  AND NOT EXISTS { (r)<-[:CONCERNS]-(:Alert)-[:CONCERNS]->(a) }
WITH r, a ORDER BY a.account_id
WITH r, collect(a.account_id) AS added
WITH r, added,
     COUNT { (r)-[h:HAS_MEMBER]->(:Account) WHERE NOT coalesce(h.removed, false) } AS size,
     (r.status IN ['confirmed', 'escalated'] OR EXISTS { (r)<-[:INCLUDES]-(:Export) }) AS actioned
RETURN 'ring_grew' AS kind,
       r.ring_id AS ring_id,
       added AS account_ids,
       CASE WHEN actioned THEN 'high' ELSE 'medium' END AS severity,
       'ring ' + r.ring_id + ' (' + coalesce(r.status, 'new')
         + CASE WHEN EXISTS { (r)<-[:INCLUDES]-(:Export) } THEN ', exported' ELSE '' END
         + ') grew by ' + size(added) + ' account(s) to ' + size AS reason
ORDER BY actioned DESC, size(added) DESC, ring_id
LIMIT $limit
