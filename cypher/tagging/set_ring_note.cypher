// name: set_ring_note
// title: Set or clear a ring's note
// description: Replaces Ring.note (null clears it) and, in the same transaction, appends an
//   AuditEvent with the note before and after. An unchanged note writes no event.
// category: tagging
// mode: write
// version: 2
// param: ring_id       -- the ring to annotate
// param: note = null   -- the new note; null removes it
// param: by            -- the investigator recorded in the audit trail
// param: by_subject    -- the signed-in identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email      -- the identity's verified e-mail address, or null
// param: by_via        -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param note => 'Same BIN range as the March wave; waiting on payments team.'
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
MATCH (r:Ring {ring_id: $ring_id})
// Write-lock the ring before reading its old values (a write takes the lock; without it
// two taggers at once could both read the same "before" and one change would be lost).
SET r._lock = true
REMOVE r._lock
WITH r, r.note AS before
SET r.note = $note
WITH r, before, coalesce(before, '') <> coalesce($note, '') AS changed
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
    action: 'set_note',
    before: apoc.convert.toJson({note: before}),
    after: apoc.convert.toJson({note: $note})
  })-[:ABOUT]->(r)
  RETURN e.event_id AS event_id
}
RETURN r.ring_id AS ring_id, before, $note AS after, event_id
