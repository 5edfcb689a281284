// name: admin_schema_indexes
// title: Indexes that a reset drops
// description: The name of every index except the built-in token lookups (those cannot be
//   dropped) and those a constraint owns, for `ringscope db reset`.
// category: admin
// mode: read
// version: 1
SHOW INDEXES YIELD name, type, owningConstraint WHERE type <> 'LOOKUP' AND owningConstraint IS NULL
RETURN name
