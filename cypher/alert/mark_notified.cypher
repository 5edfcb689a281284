// name: mark_notified
// title: Record that an output received alerts
// description: Adds $sink to the `notified` list of each alert in $alert_ids (once), after
//   the output (JSONL file, webhook) accepted them.
// category: alert
// mode: write
// version: 1
// param: alert_ids = []  -- alerts delivered
// param: sink = "jsonl"  -- the output that received them: jsonl or webhook
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param alert_ids => []
// :param sink => 'jsonl'
UNWIND $alert_ids AS id
MATCH (x:Alert {alert_id: id})
WHERE NOT $sink IN coalesce(x.notified, [])
SET x.notified = coalesce(x.notified, []) + $sink
RETURN count(x) AS marked
