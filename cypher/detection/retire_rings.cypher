// name: retire_rings
// title: Retire or delete rings a detection run no longer finds
// description: For each ring id in $ring_ids: a ring investigators have touched (status
//   other than new, labels, a note, audit events, an export, members they added or
//   removed) or that an alert concerns is kept and marked retired = true, detection_status = 'stale'; an
//   untouched ring is pure detection output and is deleted.
// category: detection-write
// mode: write
// version: 2
// param: ring_ids = []                          -- rings the latest run did not find again
// param: detected_at = "1970-01-01T00:00:00Z"   -- when that run started (ISO-8601)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_ids => []
// :param detected_at => '1970-01-01T00:00:00Z'
UNWIND $ring_ids AS id
MATCH (r:Ring {ring_id: id})
WITH r, r.ring_id AS ring_id,
     (coalesce(r.status, 'new') <> 'new'
      OR size(coalesce(r.labels, [])) > 0
      OR coalesce(r.note, '') <> ''
      OR EXISTS { (r)<-[:ABOUT]-(:AuditEvent) }
      OR EXISTS { (r)<-[:INCLUDES]-(:Export) }
      OR EXISTS { (r)<-[:CONCERNS]-(:Alert) }
      OR EXISTS { (r)-[m:HAS_MEMBER]->() WHERE coalesce(m.added_by, 'detect') <> 'detect' OR coalesce(m.removed, false) }
     ) AS keep
FOREACH (_ IN CASE WHEN keep THEN [1] ELSE [] END |
  SET r.retired = true, r.detection_status = 'stale', r.retired_at = datetime($detected_at))
FOREACH (_ IN CASE WHEN keep THEN [] ELSE [1] END | DETACH DELETE r)
RETURN ring_id, CASE WHEN keep THEN 'retired' ELSE 'deleted' END AS outcome
