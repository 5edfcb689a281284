// name: admin_schema_applied_versions
// title: Schema migrations recorded as applied
// description: The version of every (:SchemaMigration) node, in order: which files under
//   cypher/schema/ `ringscope db migrate` has applied to this database.
// category: admin
// mode: read
// version: 1
MATCH (m:SchemaMigration) RETURN m.version AS v ORDER BY v
