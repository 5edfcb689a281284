// name: alert_ring_weakened
// title: Alert rule: a reported ring detection no longer finds
// description: Rings an alert reported that the latest detection run no longer supports
//   (detection keeps such a ring when investigators touched it, with retired = true and
//   detection_status 'stale') and that no ring_weakened alert mentions yet: the finding
//   weakened as more data arrived, and an investigator should decide rather than let it
//   fade. Severity high when it is confirmed, escalated or exported. Read-only.
// category: alert
// mode: read
// version: 1
// param: limit = 10000  -- alerts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 10000
MATCH (r:Ring)
WHERE coalesce(r.retired, false)
  AND EXISTS { (r)<-[:CONCERNS]-(:Alert) }
  AND NOT EXISTS { (r)<-[:CONCERNS]-(:Alert {kind: 'ring_weakened'}) }
WITH r, COLLECT {
  MATCH (r)-[h:HAS_MEMBER]->(a:Account) WHERE NOT coalesce(h.removed, false)
  RETURN a.account_id AS id ORDER BY id
} AS members,
  (r.status IN ['confirmed', 'escalated'] OR EXISTS { (r)<-[:INCLUDES]-(:Export) }) AS actioned
WHERE size(members) > 0
RETURN 'ring_weakened' AS kind,
       r.ring_id AS ring_id,
       members AS account_ids,
       CASE WHEN actioned THEN 'high' ELSE 'medium' END AS severity,
       'ring ' + r.ring_id + ' (' + coalesce(r.status, 'new') + ', ' + size(members)
         + ' accounts) is no longer found by detection (' + coalesce(r.detection_status, 'stale')
         + CASE WHEN r.retired_at IS NULL THEN '' ELSE ' since ' + toString(r.retired_at) END
         + '): review it before it is closed' AS reason
ORDER BY actioned DESC, ring_id
LIMIT $limit
