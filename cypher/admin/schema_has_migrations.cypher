// name: admin_schema_has_migrations
// title: Whether the database has ever recorded a schema migration
// description: Asks the label catalogue rather than matching nodes, so a fresh database
//   answers without the planner warning about an unknown SchemaMigration label.
// category: admin
// mode: read
// version: 1
CALL db.labels() YIELD label WHERE label = 'SchemaMigration'
RETURN count(*) AS n
