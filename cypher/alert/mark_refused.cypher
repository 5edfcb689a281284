// name: mark_refused
// title: Set aside alerts an output refused
// description: Adds $sink to the `refused` list of each alert in $refusals, with when and
//   why (the HTTP status the webhook answered when the alert was sent on its own). Such an
//   alert is no longer sent to that output (alerts_to_notify leaves it out), so one alert
//   the receiver cannot take does not hold back the others run after run;
//   `ringscope alerts refused` lists them and retry_refused sends them again.
// category: alert
// mode: write
// version: 1
// param: refusals = []   -- [{alert_id, why}]
// param: sink = "webhook" -- the output that refused them
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param refusals => []
// :param sink => 'webhook'
UNWIND $refusals AS row
MATCH (x:Alert {alert_id: row.alert_id})
WHERE NOT $sink IN coalesce(x.refused, [])
SET x.refused = coalesce(x.refused, []) + $sink, x.refused_at = datetime(), x.refused_why = $sink + ': ' + row.why
RETURN count(x) AS marked
