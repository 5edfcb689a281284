// name: weakened_ring_history
// title: Rings detection weakened, from its run history
// description: Every ring some (:DetectionRun) marked weakened (found with fewer accounts,
//   a signal family less or a lower score), no longer found, or found again, with how many
//   runs did each and when the first did: the flips of a finding over time. Read-only.
// category: detection
// mode: read
// version: 1
// param: limit = 100000  -- rings returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 100000
MATCH (d:DetectionRun)-[c:CHANGED]->(r:Ring)
WHERE c.change IN ['weakened', 'no_longer_found', 'found_again']
WITH r, c, d ORDER BY d.detected_at
WITH r, sum(CASE WHEN c.change = 'weakened' THEN 1 ELSE 0 END) AS weakened,
     sum(CASE WHEN c.change = 'no_longer_found' THEN 1 ELSE 0 END) AS no_longer_found,
     sum(CASE WHEN c.change = 'found_again' THEN 1 ELSE 0 END) AS found_again,
     collect(c.detail)[0] AS first_detail, min(d.detected_at) AS first_at
RETURN r.ring_id AS ring_id, r.status AS status, coalesce(r.retired, false) AS retired,
       weakened, no_longer_found, found_again, first_at, first_detail
ORDER BY first_at, ring_id
LIMIT $limit
