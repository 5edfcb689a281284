// name: saved_queries
// title: The team's saved console queries
// description: Every saved query not deleted (or only the one named): its title,
//   description, Cypher text, parameters (JSON text), version, who created it and who
//   changed it last, and when. In name order.
// category: library
// mode: read
// version: 1
// param: name = null    -- only this query; null for all
// param: limit = 1000   -- queries returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param name => null
// :param limit => 1000
MATCH (q:SavedQuery)
WHERE NOT coalesce(q.deleted, false) AND ($name IS NULL OR q.name = $name)
RETURN q.name AS name, q.title AS title, q.description AS description, q.cypher AS cypher, q.params AS params,
       q.version AS version, q.created_by AS created_by, q.created_by_subject AS created_by_subject,
       q.created_at AS created_at, q.updated_by AS updated_by, q.updated_at AS updated_at
ORDER BY name
LIMIT $limit
