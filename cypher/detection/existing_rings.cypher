// name: existing_rings
// title: Rings already in the graph, with what detection put in them
// description: Every (:Ring) with the accounts detection added to it (investigators'
//   additions and removals excluded from `detected_members`) and whether investigators
//   have touched it: a status other than new, labels, a note, audit events, an export,
//   members they added or removed. Re-detection matches its new rings against
//   `detected_members` to keep ring ids stable; a ring it no longer finds is kept as
//   weakened (retire_rings), never deleted, and one detection did not create
//   (`detected` false) is left alone.
// category: detection
// mode: read
// version: 1
//
// No parameters.
MATCH (r:Ring)
OPTIONAL MATCH (r)-[h:HAS_MEMBER]->(a:Account)
WHERE coalesce(h.added_by, 'detect') = 'detect'
WITH r, collect(a.account_id) AS detected_members
RETURN r.ring_id AS ring_id, coalesce(r.retired, false) AS retired, r.score AS score,
       r.detected_at IS NOT NULL AS detected,
       detected_members,
       (coalesce(r.status, 'new') <> 'new'
        OR size(coalesce(r.labels, [])) > 0
        OR coalesce(r.note, '') <> ''
        OR EXISTS { (r)<-[:ABOUT]-(:AuditEvent) }
        OR EXISTS { (r)<-[:INCLUDES]-(:Export) }
        OR EXISTS { (r)-[m:HAS_MEMBER]->() WHERE coalesce(m.added_by, 'detect') <> 'detect' OR coalesce(m.removed, false) }
       ) AS investigator_data
ORDER BY ring_id
