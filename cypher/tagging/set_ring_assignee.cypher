// name: set_ring_assignee
// title: Assign a ring to an investigator, or unassign it
// description: Sets Ring.assignee (what a history shows: an e-mail or a name),
//   Ring.assignee_subject (the identity's subject when someone takes the ring themselves,
//   else null) and Ring.assigned_at; a null assignee unassigns. In the same transaction it
//   appends an AuditEvent 'assign' with the assignee before and after. The ring is
//   write-locked before its old value is read; an unchanged assignee writes no event.
// category: tagging
// mode: write
// version: 1
// param: ring_id                 -- the ring to assign
// param: assignee = null         -- who works the case (null: nobody)
// param: assignee_subject = null -- the assignee's stable subject, when known
// param: by                      -- the investigator recorded in the audit trail
// param: by_subject              -- the identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email                -- the identity's verified e-mail address, or null
// param: by_via                  -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param assignee => 'bob@example.com'
// :param assignee_subject => null
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
MATCH (r:Ring {ring_id: $ring_id})
SET r._lock = true
REMOVE r._lock
WITH r, r.assignee AS before, coalesce(r.assignee, '') <> coalesce($assignee, '') AS changed
FOREACH (_ IN CASE WHEN changed THEN [1] ELSE [] END |
  SET r.assignee = $assignee, r.assignee_subject = $assignee_subject,
      r.assigned_at = CASE WHEN $assignee IS NULL THEN null ELSE datetime() END)
WITH r, before, changed
OPTIONAL CALL (r, before, changed) {
  WITH * WHERE changed
  CREATE (e:AuditEvent {
    event_id: randomUUID(),
    seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1,
    at: datetime(),
    by: $by,
    by_subject: $by_subject,
    by_email: $by_email,
    by_via: $by_via,
    action: 'assign',
    before: apoc.convert.toJson({assignee: before}),
    after: apoc.convert.toJson({assignee: $assignee})
  })-[:ABOUT]->(r)
  RETURN e.event_id AS event_id
}
RETURN r.ring_id AS ring_id, before, r.assignee AS after, event_id
