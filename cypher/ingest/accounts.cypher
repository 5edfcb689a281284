// name: ingest_accounts
// title: Load accounts
// description: Accounts from an accounts file: created_at and the profile columns,
//   email domain and declared org as nodes with HAS_EMAIL_DOMAIN / IN_ORG.
//   A changed e-mail or org moves the relationship; a file without the email or org_id
//   column (row.email_given / row.org_given false) leaves them as they are, and its
//   row.props holds only the columns it has.
//   Ledger: the batch key is checked first and recorded last, in the same transaction as the
//   writes, so batches of one file can be written by several sessions at once (the entry is
//   locked only at the end; the SET reads the list under that lock, so no key is lost).
// category: ingest
// mode: write
// version: 3
// param: sha = ""    -- sha256 of the source file: its (:IngestedFile) ledger entry must exist
// param: batch = ""  -- batch key (stage:number); a key already on the ledger entry is skipped, so a re-run never adds twice
// param: rows = []   -- the batch rows (see ingest/aggregate.py)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param sha => ''
// :param batch => ''
// :param rows => []
MATCH (f:IngestedFile {sha256: $sha})
WHERE NOT $batch IN f.batches_done
CALL () {
  UNWIND $rows AS row
  MERGE (a:Account {account_id: row.account_id})
  SET a += row.props,
      a.created_at = datetime({epochMillis: row.created_at})
  WITH a, row
  CALL (a, row) {
    OPTIONAL MATCH (a)-[old:HAS_EMAIL_DOMAIN]->(d:EmailDomain)
    WHERE row.email_given AND d.domain <> coalesce(row.email_domain, '')
    DELETE old
  }
  CALL (a, row) {
    WITH a, row WHERE row.email_domain IS NOT NULL
    MERGE (d:EmailDomain {domain: row.email_domain})
    MERGE (a)-[:HAS_EMAIL_DOMAIN]->(d)
  }
  CALL (a, row) {
    OPTIONAL MATCH (a)-[old:IN_ORG]->(o:Org)
    WHERE row.org_given AND o.org_id <> coalesce(row.org_id, '')
    DELETE old
  }
  CALL (a, row) {
    WITH a, row WHERE row.org_id IS NOT NULL
    MERGE (o:Org {org_id: row.org_id})
    MERGE (a)-[:IN_ORG]->(o)
  }
}
SET f.batches_done = f.batches_done + [$batch]
