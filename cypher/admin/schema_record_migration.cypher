// name: admin_schema_record_migration
// title: Record a schema migration as applied
// description: One (:SchemaMigration) node per migration version, with its query name and
//   the SHA-256 of its text; applied_at is kept from the first time it was applied.
// category: admin
// mode: write
// version: 1
// param: version   -- the migration's version (its file's header)
// param: name      -- the migration's stored-query name
// param: checksum  -- SHA-256 (hex) of the migration's Cypher text
MERGE (m:SchemaMigration {version: $version})
ON CREATE SET m.applied_at = datetime()
SET m.name = $name, m.checksum = $checksum
