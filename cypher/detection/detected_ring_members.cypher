// name: detected_ring_members
// title: Members of every detected ring (the scored interface)
// description: One row per member of every detected ring that is not retired, leaving
//   out members an investigator took out of the case (removed = true): ring id,
//   account id and the ring's score. `ringscope rings --format csv` prints exactly these
//   rows.
// category: detection
// mode: read
// version: 1
// param: min_score = 0.0   -- rings scoring less are left out
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_score => 0.0
MATCH (r:Ring)-[h:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(r.retired, false) AND NOT coalesce(h.removed, false)
  AND coalesce(r.score, 0.0) >= $min_score
RETURN r.ring_id AS ring_id, a.account_id AS account_id, r.score AS score
ORDER BY score DESC, ring_id, account_id
