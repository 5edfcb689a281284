// name: retry_refused
// title: Send alerts an output refused again
// description: Takes $sink off the `refused` list of the alerts in $alert_ids (every
//   refused alert when $all is true), so the next run sends them to it again (an open
//   alert the output has not received), and appends a `retry_refused` event with who
//   and the refusal it clears to each alert's audit trail. Returns the ids put back.
// category: alert
// mode: write
// version: 2
// param: alert_ids = []    -- alerts to send again
// param: all = false       -- true: every alert the output refused
// param: sink = "webhook"  -- the output to send them to again
// param: by                -- the investigator recorded in the audit trail
// param: by_subject        -- the identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email          -- the identity's verified e-mail address, or null
// param: by_via            -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param alert_ids => []
// :param all => false
// :param sink => 'webhook'
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
MATCH (x:Alert)
WHERE $sink IN coalesce(x.refused, []) AND ($all OR x.alert_id IN $alert_ids)
WITH x, x.refused_why AS why
SET x.refused = [s IN x.refused WHERE s <> $sink]
REMOVE x.refused_at, x.refused_why
CREATE (e:AuditEvent {
  event_id: randomUUID(),
  seq: COUNT { (x)<-[:ABOUT]-(:AuditEvent) } + 1,
  at: datetime(),
  by: $by,
  by_subject: $by_subject,
  by_email: $by_email,
  by_via: $by_via,
  action: 'retry_refused',
  before: apoc.convert.toJson({refused_why: why}),
  after: apoc.convert.toJson({output: $sink})
})-[:ABOUT]->(x)
RETURN collect(x.alert_id) AS alert_ids
