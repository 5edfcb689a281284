// name: set_alert_status
// title: Acknowledge, dismiss or reopen an alert
// description: Sets Alert.status (open, acknowledged, dismissed) with who and when, and in
//   the same transaction appends an (:AuditEvent)-[:ABOUT]->(:Alert) with the status before
//   and after and the investigator's note: the audit trail tagging writes for rings. The
//   alert is write-locked before its old status is read. Setting the status it already has
//   writes nothing (event_id comes back null); an unknown alert returns no row.
// category: alert
// mode: write
// version: 2
// param: alert_id     -- the alert to change
// param: status       -- open, acknowledged or dismissed (the caller checks)
// param: by           -- the investigator recorded in the audit trail
// param: by_subject   -- the identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email     -- the identity's verified e-mail address, or null
// param: by_via       -- how the identity was established: oidc, cli or local
// param: note = ""    -- why (kept in the audit event)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param alert_id => 'AL-0000000000000000'
// :param status => 'acknowledged'
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
// :param note => ''
MATCH (x:Alert {alert_id: $alert_id})
SET x._lock = true
REMOVE x._lock
WITH x, coalesce(x.status, 'open') AS before
WITH x, before, before <> $status AS changed
FOREACH (_ IN CASE WHEN changed THEN [1] ELSE [] END |
  SET x.status = $status, x.status_by = $by, x.status_by_subject = $by_subject, x.status_at = datetime())
WITH x, before, changed
OPTIONAL CALL (x, before, changed) {
  WITH * WHERE changed
  CREATE (e:AuditEvent {
    event_id: randomUUID(),
    seq: COUNT { (x)<-[:ABOUT]-(:AuditEvent) } + 1,
    at: datetime(),
    by: $by,
    by_subject: $by_subject,
    by_email: $by_email,
    by_via: $by_via,
    action: 'set_alert_status',
    before: apoc.convert.toJson({status: before}),
    after: apoc.convert.toJson({status: $status, note: $note})
  })-[:ABOUT]->(x)
  RETURN e.event_id AS event_id
}
RETURN x.alert_id AS alert_id, before, x.status AS after, event_id
