// name: alert_history
// title: An alert's audit trail, newest first
// description: Every AuditEvent about one alert (acknowledged, dismissed, reopened): who,
//   when, the status before and after as JSON text. One row with null event fields when the
//   alert has no history yet; no row when the alert does not exist.
// category: alert
// mode: read
// version: 1
// param: alert_id       -- the alert whose history to list
// param: limit = 1000   -- events returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param alert_id => 'AL-0000000000000000'
// :param limit => 1000
MATCH (x:Alert {alert_id: $alert_id})
OPTIONAL MATCH (x)<-[:ABOUT]-(e:AuditEvent)
WITH x, e ORDER BY e.seq DESC, e.at DESC
LIMIT $limit
RETURN x.alert_id AS alert_id, e.event_id AS event_id, e.seq AS seq, e.at AS at, e.by AS by,
       e.action AS action, e.before AS before, e.after AS after
