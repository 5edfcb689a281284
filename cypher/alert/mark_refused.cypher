// name: mark_refused
// title: Set aside alerts an output refused
// description: Adds $sink to the `refused` list of each alert in $refusals, with when and
//   why (the HTTP status the webhook answered when the alert was sent on its own). Such an
//   alert is no longer sent to that output (alerts_to_notify leaves it out), so one alert
//   the receiver cannot take does not hold back the others run after run;
//   `ringscope alerts refused` lists them and retry_refused sends them again. Each
//   alert's audit trail gets a `set_aside` event (by ringscope, via system) in the same
//   transaction.
// category: alert
// mode: write
// version: 2
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
CREATE (e:AuditEvent {
  event_id: randomUUID(),
  seq: COUNT { (x)<-[:ABOUT]-(:AuditEvent) } + 1,
  at: datetime(),
  by: 'ringscope',
  by_subject: 'system:' + $sink,
  by_via: 'system',
  action: 'set_aside',
  before: apoc.convert.toJson({}),
  after: apoc.convert.toJson({output: $sink, why: row.why})
})-[:ABOUT]->(x)
RETURN count(x) AS marked
