// name: ring_comments
// title: A ring's comment thread, oldest first
// description: The comments on a ring (its audit events with action 'comment'): who, when
//   and the text (in `after` as JSON text, {"comment": ...}). No row when the ring has no
//   comment or does not exist.
// category: tagging
// mode: read
// version: 1
// param: ring_id        -- the ring whose thread to read
// param: limit = 1000   -- comments returned at most (the newest ones)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param limit => 1000
MATCH (r:Ring {ring_id: $ring_id})<-[:ABOUT]-(e:AuditEvent {action: 'comment'})
WITH e ORDER BY e.seq DESC LIMIT $limit
RETURN e.event_id AS event_id, e.seq AS seq, e.at AS at, e.by AS by, e.by_subject AS by_subject,
       e.after AS after
ORDER BY seq
