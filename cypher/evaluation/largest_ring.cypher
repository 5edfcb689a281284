// name: largest_ring
// title: The ring with the most current members (or one ring's size)
// description: The ring whose case holds the most accounts (members an investigator removed
//   do not count; ties by ring_id), with that count; with $ring_id, that ring and its count
//   (no row when it has no current member). The app benchmarks (benchmarks/bench_app.py,
//   benchmarks/bench_concurrency.py) draw this ring unless told which.
// category: evaluation
// mode: read
// version: 1
// rows: values
// param: ring_id = ""  -- one ring's ring_id; empty for the largest ring
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => ''
MATCH (r:Ring)-[m:HAS_MEMBER]->(:Account)
WHERE ($ring_id = '' OR r.ring_id = $ring_id) AND NOT coalesce(m.removed, false)
RETURN r.ring_id AS ring_id, count(*) AS accounts
ORDER BY accounts DESC, ring_id
LIMIT 1
