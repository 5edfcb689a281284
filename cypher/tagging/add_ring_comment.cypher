// name: add_ring_comment
// title: Add a comment to a ring's thread
// description: Appends a comment to the ring's thread: an (:AuditEvent {action: 'comment'})
//   about the ring whose `after` holds the text ({"comment": ...}), so the thread is part of
//   the ring's audit trail (and of the export's evidence). The ring is write-locked first so
//   two comments at once get different seq numbers. No row when the ring does not exist.
// category: tagging
// mode: write
// version: 1
// param: ring_id       -- the ring to comment on
// param: text          -- the comment
// param: by            -- the investigator recorded in the audit trail
// param: by_subject    -- the identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email      -- the identity's verified e-mail address, or null
// param: by_via        -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param text => 'Payments team confirms the BIN range; waiting on device logs.'
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
MATCH (r:Ring {ring_id: $ring_id})
SET r._lock = true
REMOVE r._lock
CREATE (e:AuditEvent {
  event_id: randomUUID(),
  seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1,
  at: datetime(),
  by: $by,
  by_subject: $by_subject,
  by_email: $by_email,
  by_via: $by_via,
  action: 'comment',
  before: apoc.convert.toJson({}),
  after: apoc.convert.toJson({comment: $text})
})-[:ABOUT]->(r)
RETURN r.ring_id AS ring_id, e.event_id AS event_id, e.seq AS seq, e.at AS at
