// name: ring_history
// title: A ring's audit trail, newest first
// description: Every AuditEvent about the ring (status, labels, note, case members, exports):
//   who, when, what, and the value before and after as JSON text. One row with null fields
//   when the ring exists but has no history; no row when the ring does not exist.
// category: tagging
// mode: read
// version: 2
// param: ring_id        -- the ring whose history to list
// param: limit = 10000  -- events returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param limit => 10000
MATCH (r:Ring {ring_id: $ring_id})
OPTIONAL MATCH (r)<-[:ABOUT]-(e:AuditEvent)
WITH r, e
ORDER BY e.seq DESC, e.at DESC, e.event_id DESC
LIMIT $limit
RETURN r.ring_id AS ring_id, e.event_id AS event_id, e.seq AS seq, e.at AS at, e.by AS by,
       e.by_subject AS by_subject, e.by_email AS by_email, e.action AS action, e.before AS before, e.after AS after
