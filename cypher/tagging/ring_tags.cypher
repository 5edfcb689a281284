// name: ring_tags
// title: A ring's investigator tags and case size
// description: Status (new when detection has not set one), free labels, note, the number
//   of accounts in the case (HAS_MEMBER not removed), of removed accounts, of accounts an
//   investigator added, and of audit events; who the ring is assigned to. No row when the
//   ring does not exist.
// category: tagging
// mode: read
// version: 2
// param: ring_id  -- the ring to describe
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
MATCH (r:Ring {ring_id: $ring_id})
RETURN r.ring_id AS ring_id,
       coalesce(r.status, 'new') AS status,
       coalesce(r.labels, []) AS labels,
       r.note AS note,
       r.assignee AS assignee,
       r.assigned_at AS assigned_at,
       COUNT { (r)-[m:HAS_MEMBER]->(:Account) WHERE NOT coalesce(m.removed, false) } AS members,
       COUNT { (r)-[m:HAS_MEMBER]->(:Account) WHERE coalesce(m.removed, false) } AS removed_members,
       COUNT { (r)-[m:HAS_MEMBER]->(:Account)
               WHERE NOT coalesce(m.removed, false) AND coalesce(m.added_by, 'detect') <> 'detect' } AS added_members,
       COUNT { (r)<-[:ABOUT]-(:AuditEvent) } AS audit_events
