// name: ingest_bench_export_relationships
// title: Benchmark: the loaded graph's relationships, for a bulk-import ceiling
// description: Every relationship between ingested nodes with its type and properties;
//   benchmarks/bench_ingest.py writes them as neo4j-admin import CSVs.
// category: ingest
// mode: read
// version: 1
MATCH (a)-[r]->(b)
WHERE NOT a:IngestedFile
RETURN elementId(a) AS start, elementId(b) AS end, type(r) AS type, properties(r) AS props
