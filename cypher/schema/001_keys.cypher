// name: schema_001_keys
// title: Uniqueness constraints for every node key
// description: One uniqueness constraint per node label on the property that identifies it.
//   Each constraint also gives the index MERGE and lookups by key use.
// category: schema
// mode: write
// transaction: auto
// version: 1
CREATE CONSTRAINT account_id IF NOT EXISTS FOR (n:Account) REQUIRE n.account_id IS UNIQUE;
CREATE CONSTRAINT instrument_id IF NOT EXISTS FOR (n:PaymentInstrument) REQUIRE n.instrument_id IS UNIQUE;
CREATE CONSTRAINT device_id IF NOT EXISTS FOR (n:Device) REQUIRE n.device_id IS UNIQUE;
CREATE CONSTRAINT ip_address IF NOT EXISTS FOR (n:IP) REQUIRE n.address IS UNIQUE;
CREATE CONSTRAINT email_domain IF NOT EXISTS FOR (n:EmailDomain) REQUIRE n.domain IS UNIQUE;
CREATE CONSTRAINT template_fingerprint IF NOT EXISTS FOR (n:PromptTemplate) REQUIRE n.fingerprint IS UNIQUE;
CREATE CONSTRAINT org_id IF NOT EXISTS FOR (n:Org) REQUIRE n.org_id IS UNIQUE;
CREATE CONSTRAINT ring_id IF NOT EXISTS FOR (n:Ring) REQUIRE n.ring_id IS UNIQUE;
CREATE CONSTRAINT audit_event_id IF NOT EXISTS FOR (n:AuditEvent) REQUIRE n.event_id IS UNIQUE;
CREATE CONSTRAINT detection_run_id IF NOT EXISTS FOR (n:DetectionRun) REQUIRE n.run_id IS UNIQUE;
CREATE CONSTRAINT export_id IF NOT EXISTS FOR (n:Export) REQUIRE n.export_id IS UNIQUE;
CREATE CONSTRAINT ingested_file_sha IF NOT EXISTS FOR (n:IngestedFile) REQUIRE n.sha256 IS UNIQUE;
CREATE CONSTRAINT mark_id IF NOT EXISTS FOR (n:Mark) REQUIRE n.mark_id IS UNIQUE;
CREATE CONSTRAINT saved_query_name IF NOT EXISTS FOR (n:SavedQuery) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT schema_version IF NOT EXISTS FOR (n:SchemaMigration) REQUIRE n.version IS UNIQUE;
