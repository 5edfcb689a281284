// name: set_ring_status
// title: Set a ring's investigation status
// description: Sets Ring.status and, in the same transaction, appends an AuditEvent
//   (who, when, status before and after) about the ring. The ring is write-locked before
//   its old value is read, so concurrent taggers each see the other's change as "before".
//   Setting the status it already has writes no event (event_id comes back null).
//   The caller checks $status is one of new, investigating, confirmed, false_positive, escalated.
// category: tagging
// mode: write
// version: 3
// param: ring_id  -- the ring to tag
// param: status   -- the new status (canonical spelling)
// param: expected_status = null -- the status the caller checked its rights against: when given and the
//   ring's status is another by now (someone changed it meanwhile), nothing is written and no row returns
// param: by       -- the investigator recorded in the audit trail
// param: by_subject -- the signed-in identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email -- the identity's verified e-mail address, or null
// param: by_via   -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param status => 'investigating'
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
MATCH (r:Ring {ring_id: $ring_id})
// Write-lock the ring before reading its old values (a write takes the lock; without it
// two taggers at once could both read the same "before" and one change would be lost).
SET r._lock = true
REMOVE r._lock
// the rights were checked against this status: a change since then writes nothing
WITH r WHERE $expected_status IS NULL OR coalesce(r.status, 'new') = $expected_status
WITH r, coalesce(r.status, 'new') AS before
SET r.status = $status
WITH r, before, before <> $status AS changed
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
    action: 'set_status',
    before: apoc.convert.toJson({status: before}),
    after: apoc.convert.toJson({status: $status})
  })-[:ABOUT]->(r)
  RETURN e.event_id AS event_id
}
RETURN r.ring_id AS ring_id, before, $status AS after, event_id
