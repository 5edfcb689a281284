// name: admin_schema_constraints
// title: Constraints that a reset drops
// description: The name of every constraint, for `ringscope db reset` (dropping a
//   constraint also drops the index it owns).
// category: admin
// mode: read
// version: 1
SHOW CONSTRAINTS YIELD name
RETURN name
