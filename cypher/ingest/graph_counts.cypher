// name: ingest_graph_counts
// title: Nodes per label and relationships per type
// description: Counts from the count store (instant at any size): the ingest summary reports
//   the difference before and after a run as nodes and relationships created.
// category: ingest
// mode: read
// version: 1
CALL apoc.meta.stats() YIELD labels, relTypesCount
RETURN labels, relTypesCount
