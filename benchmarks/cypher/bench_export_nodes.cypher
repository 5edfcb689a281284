// name: ingest_bench_export_nodes
// title: Benchmark: the loaded graph's nodes, for a bulk-import ceiling
// description: Every ingested node (ledger and schema records left out) with its first label and
//   properties; benchmarks/bench_ingest.py writes them as neo4j-admin import CSVs.
// category: ingest
// mode: read
// version: 1
MATCH (n)
WHERE NOT n:IngestedFile AND NOT n:SchemaMigration
RETURN elementId(n) AS id, labels(n)[0] AS label, properties(n) AS props
