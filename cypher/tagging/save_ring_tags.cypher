// name: save_ring_tags
// title: Save a ring's status, labels and note in one transaction
// description: The ring view's Tags form and `ringscope tag` with several options: sets
//   Ring.status, adds and removes free labels and replaces Ring.note in ONE transaction,
//   so a save is all of it or none of it. Each part that changed appends its own
//   AuditEvent (set_status, add_labels, remove_labels, set_note, in that order) with the
//   value before and after; a part left null ($status, $note_given false) or already in the
//   requested state writes nothing. Returns the before/after and event id of each part.
// category: tagging
// mode: write
// version: 2
// param: ring_id          -- the ring to change
// param: status = null    -- the new status (canonical spelling), or null to leave it
// param: add_labels = []  -- labels to add (kept in the order first added)
// param: remove_labels = [] -- labels to remove (ones the ring does not carry are ignored)
// param: note_given = false -- true when the note is part of this save
// param: note = null      -- the new note when note_given; null clears it
// param: expected_status = null -- the status the caller checked its rights against: when given and the
//   ring's status is another by now (someone changed it meanwhile), nothing is written and no row returns
// param: by               -- the investigator recorded in the audit trail
// param: by_subject       -- the signed-in identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email         -- the identity's verified e-mail address, or null
// param: by_via           -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param status => 'investigating'
// :param add_labels => ['proxy farm']
// :param remove_labels => []
// :param note_given => true
// :param note => 'Same BIN range as the March wave.'
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
WITH r, coalesce(r.status, 'new') AS status_before, coalesce(r.labels, []) AS labels_before, r.note AS note_before
WITH r, status_before, labels_before, note_before,
     coalesce($status, status_before) AS status_after,
     [label IN labels_before + [l IN $add_labels WHERE NOT l IN labels_before] WHERE NOT label IN $remove_labels]
       AS labels_after,
     CASE WHEN $note_given THEN $note ELSE note_before END AS note_after
WITH r, status_before, labels_before, note_before, status_after, labels_after, note_after,
     labels_before + [l IN $add_labels WHERE NOT l IN labels_before] AS labels_added
SET r.status = status_after, r.labels = labels_after, r.note = note_after
// One event per part that changed; each CALL sees the events created before it, so seq counts on.
WITH r, status_before, labels_before, note_before, status_after, labels_after, note_after, labels_added
OPTIONAL CALL (r, status_before, status_after) {
  WITH * WHERE status_before <> status_after
  CREATE (e:AuditEvent {
    event_id: randomUUID(), seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1, at: datetime(),
    by: $by, by_subject: $by_subject, by_email: $by_email, by_via: $by_via, action: 'set_status',
    before: apoc.convert.toJson({status: status_before}), after: apoc.convert.toJson({status: status_after})
  })-[:ABOUT]->(r)
  RETURN e.event_id AS status_event
}
OPTIONAL CALL (r, labels_before, labels_added) {
  WITH * WHERE size(labels_added) <> size(labels_before)
  CREATE (e:AuditEvent {
    event_id: randomUUID(), seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1, at: datetime(),
    by: $by, by_subject: $by_subject, by_email: $by_email, by_via: $by_via, action: 'add_labels',
    before: apoc.convert.toJson({labels: labels_before}), after: apoc.convert.toJson({labels: labels_added})
  })-[:ABOUT]->(r)
  RETURN e.event_id AS add_event
}
OPTIONAL CALL (r, labels_added, labels_after) {
  WITH * WHERE size(labels_after) <> size(labels_added)
  CREATE (e:AuditEvent {
    event_id: randomUUID(), seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1, at: datetime(),
    by: $by, by_subject: $by_subject, by_email: $by_email, by_via: $by_via, action: 'remove_labels',
    before: apoc.convert.toJson({labels: labels_added}), after: apoc.convert.toJson({labels: labels_after})
  })-[:ABOUT]->(r)
  RETURN e.event_id AS remove_event
}
OPTIONAL CALL (r, note_before, note_after) {
  WITH * WHERE coalesce(note_before, '') <> coalesce(note_after, '')
  CREATE (e:AuditEvent {
    event_id: randomUUID(), seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1, at: datetime(),
    by: $by, by_subject: $by_subject, by_email: $by_email, by_via: $by_via, action: 'set_note',
    before: apoc.convert.toJson({note: note_before}), after: apoc.convert.toJson({note: note_after})
  })-[:ABOUT]->(r)
  RETURN e.event_id AS note_event
}
RETURN r.ring_id AS ring_id,
       [{action: 'set_status', before: status_before, after: status_after, event_id: status_event},
        {action: 'add_labels', before: labels_before, after: labels_added, event_id: add_event},
        {action: 'remove_labels', before: labels_added, after: labels_after, event_id: remove_event},
        {action: 'set_note', before: note_before, after: note_after, event_id: note_event}] AS parts
