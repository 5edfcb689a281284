// name: schema_002_lookups
// title: Indexes for investigator lookups and triage
// description: Search by e-mail and display name, ring triage by status and score,
//   accounts by sign-up time (burst detection), IPs by kind and network, audit by time.
// category: schema
// mode: write
// transaction: auto
// version: 2
CREATE INDEX account_email IF NOT EXISTS FOR (n:Account) ON (n.email);
CREATE INDEX account_email_mailbox IF NOT EXISTS FOR (n:Account) ON (n.email_mailbox);
CREATE INDEX account_created_at IF NOT EXISTS FOR (n:Account) ON (n.created_at);
CREATE INDEX account_org IF NOT EXISTS FOR (n:Account) ON (n.org_id);
CREATE TEXT INDEX account_display_name IF NOT EXISTS FOR (n:Account) ON (n.display_name);
CREATE INDEX ip_kind IF NOT EXISTS FOR (n:IP) ON (n.kind);
CREATE INDEX ip_network IF NOT EXISTS FOR (n:IP) ON (n.network);
CREATE INDEX instrument_kind IF NOT EXISTS FOR (n:PaymentInstrument) ON (n.kind);
CREATE INDEX ring_status IF NOT EXISTS FOR (n:Ring) ON (n.status);
CREATE INDEX ring_score IF NOT EXISTS FOR (n:Ring) ON (n.score);
CREATE INDEX audit_at IF NOT EXISTS FOR (n:AuditEvent) ON (n.at);
CREATE INDEX ingested_file_path IF NOT EXISTS FOR (n:IngestedFile) ON (n.path);
