// name: marks_by_id
// title: The marks of many accounts and identifiers at once
// description: The (:Mark) in force on each entity of a list, looked up by key (`<kind>:<key>`,
//   one index lookup each): what the graph on screen draws known-bad and known-good, in one
//   round trip for all its nodes. Entities without a mark, or whose mark was cleared, have no row.
// category: tagging
// mode: read
// version: 1
// param: mark_ids      -- list of `<kind>:<key>`, e.g. ['device:dev-0001', 'account:acc-0001'] (domain.mark_id)
// param: limit = 10000 -- marks returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param mark_ids => ['device:dev-0001', 'account:acc-0001']
// :param limit => 10000
UNWIND $mark_ids AS id
MATCH (m:Mark {mark_id: id})
WHERE m.verdict IS NOT NULL
RETURN m.mark_id AS mark_id, m.kind AS kind, m.key AS key, m.verdict AS verdict, m.reason AS reason,
       m.at AS at, m.by AS by
ORDER BY m.mark_id
LIMIT $limit
