// name: ingest_bench_delete_some
// title: Benchmark: empty the database without restarting the server
// description: Deletes up to $limit nodes (and their relationships), schema records kept;
//   benchmarks/bench_ingest.py repeats it until it reports 0, after a warm-up load, so the
//   measured load runs on a server whose code the JVM has compiled already (as on a running
//   production server) instead of one restarted a moment before. Never used by ingest itself.
// category: ingest
// mode: write
// version: 1
// param: limit = 10000  -- nodes per transaction
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 10000
MATCH (n) WHERE NOT n:SchemaMigration
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS n
