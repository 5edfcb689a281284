// name: detected_rings
// title: Detected rings, best first
// description: Every ring detection found (retired rings only when $include_retired),
//   with its score, size, the signals that tie it together, its investigator status and
//   how many members are currently in the case.
// category: detection
// mode: read
// version: 1
// param: include_retired = false   -- also list rings the latest run no longer finds
// param: limit = 1000              -- rings returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param include_retired => false
// :param limit => 1000
MATCH (r:Ring)
WHERE $include_retired OR NOT coalesce(r.retired, false)
RETURN r.ring_id AS ring_id, r.score AS score, r.size AS size, r.signals AS signals,
       r.status AS status, coalesce(r.retired, false) AS retired,
       COUNT { (r)-[h:HAS_MEMBER]->() WHERE NOT coalesce(h.removed, false) } AS members,
       r.detected_at AS detected_at
ORDER BY retired, score DESC, ring_id
LIMIT $limit
