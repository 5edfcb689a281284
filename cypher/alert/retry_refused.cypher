// name: retry_refused
// title: Send alerts an output refused again
// description: Takes $sink off the `refused` list of the alerts in $alert_ids (every
//   refused alert when $all is true), so the next run sends them to it again (an open
//   alert the output has not received). Returns the ids put back.
// category: alert
// mode: write
// version: 1
// param: alert_ids = []    -- alerts to send again
// param: all = false       -- true: every alert the output refused
// param: sink = "webhook"  -- the output to send them to again
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param alert_ids => []
// :param all => false
// :param sink => 'webhook'
MATCH (x:Alert)
WHERE $sink IN coalesce(x.refused, []) AND ($all OR x.alert_id IN $alert_ids)
SET x.refused = [s IN x.refused WHERE s <> $sink]
REMOVE x.refused_at, x.refused_why
RETURN collect(x.alert_id) AS alert_ids
