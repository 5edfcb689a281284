// name: admin_graph_size
// title: How many nodes and relationships the graph holds
// description: Totals for `ringscope db status` and the benchmarks; plain count() over all
//   nodes and relationships reads Neo4j's count store, so it is instant at any size.
// category: admin
// mode: read
// version: 1
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
RETURN nodes, relationships
