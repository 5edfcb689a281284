// name: alerts_to_notify
// title: Open alerts an output has not received yet
// description: Open alerts whose `notified` list lacks $sink (jsonl or webhook), oldest
//   first, so an output that failed on one run catches up on the next (at-least-once).
//   Alerts the output refused on their own (`refused` holds $sink; see mark_refused) are
//   left out until someone retries them (retry_refused).
// category: alert
// mode: read
// version: 2
// param: sink            -- the output: jsonl or webhook
// param: limit = 1000    -- alerts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param sink => 'jsonl'
// :param limit => 1000
MATCH (x:Alert)
WHERE x.status = 'open' AND NOT $sink IN coalesce(x.notified, []) AND NOT $sink IN coalesce(x.refused, [])
RETURN x.alert_id AS alert_id, x.created_at AS created_at, x.kind AS kind, x.severity AS severity,
       x.status AS status, x.ring_id AS ring_id, x.account_ids AS account_ids, x.reason AS reason
ORDER BY x.created_at, x.alert_id
LIMIT $limit
