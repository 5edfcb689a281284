// name: mark_of
// title: The mark of one account or identifier, if any
// description: The (:Mark) in force on one entity, looked up by its key (`<kind>:<key>`, an
//   index lookup: cheap enough for the graph's side panel on every click). No row when the
//   entity is not marked or its mark was cleared.
// category: tagging
// mode: read
// version: 1
// param: mark_id  -- `<kind>:<key>`, e.g. device:dev-0001 (domain.mark_id)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param mark_id => 'device:dev-0001'
MATCH (m:Mark {mark_id: $mark_id})
WHERE m.verdict IS NOT NULL
RETURN m.mark_id AS mark_id, m.kind AS kind, m.key AS key, m.verdict AS verdict, m.reason AS reason,
       m.at AS at, m.by AS by
