// name: write_alerts
// title: Store alerts raised by the alert rules (idempotent)
// description: MERGEs one (:Alert) per row of $alerts on its alert_id (a hash of kind, ring
//   and accounts, so the same finding is never stored twice) and links it with CONCERNS to
//   its ring and accounts. A new alert starts open with created_at = $now and remembers the
//   run ($run_id) that raised it; an existing one is left exactly as it is (status, who,
//   when). Returns each alert id and whether this run created it.
// category: alert
// mode: write
// version: 1
// param: alerts = []                    -- [{alert_id, kind, severity, ring_id, account_ids, reason}]
// param: now = "1970-01-01T00:00:00Z"   -- creation time for new alerts (ISO-8601)
// param: run_id = ""                    -- the cycle or rules run raising them
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param alerts => []
// :param now => '1970-01-01T00:00:00Z'
// :param run_id => ''
UNWIND $alerts AS row
MERGE (x:Alert {alert_id: row.alert_id})
ON CREATE SET x.kind = row.kind, x.severity = row.severity, x.ring_id = row.ring_id,
              x.account_ids = row.account_ids, x.reason = row.reason,
              x.created_at = datetime($now), x.status = 'open', x.notified = [], x.run_id = $run_id
WITH x, row
CALL (x, row) {
  MATCH (r:Ring {ring_id: row.ring_id})
  MERGE (x)-[:CONCERNS]->(r)
}
CALL (x, row) {
  UNWIND row.account_ids AS id
  MATCH (a:Account {account_id: id})
  MERGE (x)-[:CONCERNS]->(a)
}
RETURN x.alert_id AS alert_id, x.run_id = $run_id AS created
