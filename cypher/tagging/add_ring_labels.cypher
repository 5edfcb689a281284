// name: add_ring_labels
// title: Add free labels to a ring
// description: Appends the labels the ring does not carry yet to Ring.labels and, in the
//   same transaction, an AuditEvent with the label list before and after. Labels already
//   present are left alone; when nothing is new no event is written (event_id null).
// category: tagging
// mode: write
// version: 2
// param: ring_id  -- the ring to label
// param: labels   -- labels to add (distinct, trimmed)
// param: by       -- the investigator recorded in the audit trail
// param: by_subject -- the signed-in identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email -- the identity's verified e-mail address, or null
// param: by_via   -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param labels => ['proxy-farm', 'wave-2']
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
MATCH (r:Ring {ring_id: $ring_id})
// Write-lock the ring before reading its old values (a write takes the lock; without it
// two taggers at once could both read the same "before" and one change would be lost).
SET r._lock = true
REMOVE r._lock
WITH r, coalesce(r.labels, []) AS before
WITH r, before, before + [label IN $labels WHERE NOT label IN before] AS after
SET r.labels = after
WITH r, before, after
OPTIONAL CALL (r, before, after) {
  WITH * WHERE size(after) <> size(before)
  CREATE (e:AuditEvent {
    event_id: randomUUID(),
    seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1,
    at: datetime(),
    by: $by,
    by_subject: $by_subject,
    by_email: $by_email,
    by_via: $by_via,
    action: 'add_labels',
    before: apoc.convert.toJson({labels: before}),
    after: apoc.convert.toJson({labels: after})
  })-[:ABOUT]->(r)
  RETURN e.event_id AS event_id
}
RETURN r.ring_id AS ring_id, before, after, event_id
