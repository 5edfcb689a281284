// name: delete_saved_query
// title: Delete a saved console query
// description: Marks the (:SavedQuery {name}) deleted (the node and its history stay, so the
//   audit trail keeps what it held) and appends an (:AuditEvent {action: 'delete_query'}) in
//   the same transaction. No row when there is no such live query.
// category: library
// mode: write
// version: 1
// param: name          -- the saved query to delete
// param: by            -- the analyst recorded in the audit trail
// param: by_subject    -- the identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email      -- the identity's verified e-mail address, or null
// param: by_via        -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param name => 'cards_on_many_rings'
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
MATCH (q:SavedQuery {name: $name})
SET q._lock = true
REMOVE q._lock
WITH q WHERE NOT coalesce(q.deleted, false)
SET q.deleted = true, q.updated_at = datetime(), q.updated_by = $by, q.updated_by_subject = $by_subject
CREATE (e:AuditEvent {
  event_id: randomUUID(),
  seq: COUNT { (q)<-[:ABOUT]-(:AuditEvent) } + 1,
  at: datetime(),
  by: $by,
  by_subject: $by_subject,
  by_email: $by_email,
  by_via: $by_via,
  action: 'delete_query',
  before: apoc.convert.toJson({title: q.title, version: q.version, cypher: q.cypher}),
  after: apoc.convert.toJson({deleted: true})
})-[:ABOUT]->(q)
RETURN q.name AS name, e.event_id AS event_id
