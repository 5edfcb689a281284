// name: alert_new_ring
// title: Alert rule: a ring detection found for the first time
// description: Every ring detection currently finds (not retired) that no alert of kind
//   new_ring concerns yet, with its case accounts (removed members left out). Severity is
//   high when investigators already confirmed or escalated it, medium otherwise. Read-only:
//   `ringscope cycle` (or `ringscope alerts run`) writes each row as an (:Alert) whose id is
//   a hash of kind, ring and accounts, so a re-run raises nothing twice.
// category: alert
// mode: read
// version: 1
// param: limit = 10000  -- alerts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 10000
MATCH (r:Ring)
WHERE NOT coalesce(r.retired, false)
  AND NOT EXISTS { (r)<-[:CONCERNS]-(:Alert {kind: 'new_ring'}) }
WITH r, COLLECT {
  MATCH (r)-[h:HAS_MEMBER]->(a:Account) WHERE NOT coalesce(h.removed, false)
  RETURN a.account_id AS id ORDER BY id
} AS members
WHERE size(members) > 0
RETURN 'new_ring' AS kind,
       r.ring_id AS ring_id,
       members AS account_ids,
       CASE WHEN r.status IN ['confirmed', 'escalated'] THEN 'high' ELSE 'medium' END AS severity,
       'new ring ' + r.ring_id + ' of ' + size(members) + ' accounts, score '
         + toString(round(coalesce(r.score, 0.0), 3)) + '; signals: '
         + coalesce(reduce(s = '', x IN coalesce(r.signals, []) | s + CASE WHEN s = '' THEN '' ELSE ', ' END + x), '') AS reason
ORDER BY r.score DESC, ring_id
LIMIT $limit
