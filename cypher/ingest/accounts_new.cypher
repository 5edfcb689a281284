// name: ingest_accounts_new
// title: Load accounts into a database that has none
// description: ingest_accounts for an initial load: CREATE instead of MERGE for the account and its
//   HAS_EMAIL_DOMAIN / IN_ORG links (the e-mail domain and org stay MERGE: shared by many accounts),
//   and no old link to move.
//   Only for rows the run has proved new (ingest/sinks.py, FRESH): the database was empty when
//   the run began and no earlier stage of the run wrote accounts; a resumed or later run, or a
//   second file, takes ingest_accounts, whose MERGE adds to what exists. Same graph as ingest_accounts
//   (tests/test_ingest_fresh.py compares them).
//   Ledger: the batch key is checked first and recorded last, in the same transaction as the writes.
// category: ingest
// mode: write
// version: 1
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
  CREATE (a:Account {account_id: row.account_id})
  SET a += row.props,
      a.created_at = datetime({epochMillis: row.created_at})
  WITH a, row
  CALL (a, row) {
    WITH a, row WHERE row.email_domain IS NOT NULL
    MERGE (d:EmailDomain {domain: row.email_domain})
    CREATE (a)-[:HAS_EMAIL_DOMAIN]->(d)
  }
  CALL (a, row) {
    WITH a, row WHERE row.org_id IS NOT NULL
    MERGE (o:Org {org_id: row.org_id})
    CREATE (a)-[:IN_ORG]->(o)
  }
}
SET f.batches_done = f.batches_done + [$batch]
