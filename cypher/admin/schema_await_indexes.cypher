// name: admin_schema_await_indexes
// title: Wait until every index is online
// description: Blocks until the indexes a migration created have finished populating, so
//   the first query after `ringscope db migrate` does not scan a label.
// category: admin
// mode: read
// version: 1
// param: seconds = 300  -- give up after this many seconds
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param seconds => 300
CALL db.awaitIndexes($seconds)
