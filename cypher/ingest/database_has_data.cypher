// name: ingest_database_has_data
// title: Does the database hold any data?
// description: The bulk path (neo4j-admin import) only does an initial load: it replaces the
//   database, so it runs only when no node other than the schema's own migration records exists.
//   Stops at the first such node.
// category: ingest
// mode: read
// version: 1
OPTIONAL MATCH (n) WHERE NOT n:SchemaMigration
WITH n LIMIT 1
RETURN n IS NOT NULL AS any
