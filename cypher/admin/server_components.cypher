// name: admin_server_components
// title: Neo4j version and edition of the server
// description: What `ringscope db status` and the benchmarks print about the server: the
//   kernel component's name, first version string and edition (community or enterprise).
// category: admin
// mode: read
// version: 1
CALL dbms.components() YIELD name, versions, edition
RETURN name, versions[0] AS version, edition
