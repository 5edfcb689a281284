// name: list_alerts
// title: Alerts, newest first
// description: Stored alerts filtered by status, kind, severity and ring (an empty string
//   means any), newest first, with who last changed the status and when. The alert inbox
//   and `ringscope alerts` read this.
// category: alert
// mode: read
// version: 1
// param: status = ""    -- open, acknowledged, dismissed, or '' for any
// param: kind = ""      -- new_ring, ring_grew, recidivism, actioned_active, ring_weakened, or '' for any
// param: severity = ""  -- high, medium, or '' for any
// param: ring_id = ""   -- one ring's alerts, or '' for all
// param: alert_id = ""  -- one alert, or '' for all
// param: limit = 500    -- alerts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param status => ''
// :param kind => ''
// :param severity => ''
// :param ring_id => ''
// :param alert_id => ''
// :param limit => 500
MATCH (x:Alert)
WHERE ($status = '' OR x.status = $status) AND ($kind = '' OR x.kind = $kind)
  AND ($severity = '' OR x.severity = $severity) AND ($ring_id = '' OR x.ring_id = $ring_id)
  AND ($alert_id = '' OR x.alert_id = $alert_id)
RETURN x.alert_id AS alert_id, x.created_at AS created_at, x.kind AS kind, x.severity AS severity,
       x.status AS status, x.ring_id AS ring_id, x.account_ids AS account_ids, x.reason AS reason,
       x.status_by AS status_by, x.status_at AS status_at
ORDER BY x.created_at DESC, x.alert_id
LIMIT $limit
