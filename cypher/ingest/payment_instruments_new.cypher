// name: ingest_payment_instruments_new
// title: Create account-instrument links where none exist
// description: ingest_payment_instruments for an initial load: CREATE the PAID_WITH link (rows are
//   one per account x instrument within a file). Rows carry `a` and `n`, the elementIds from
//   ingest_nodes_accounts / ingest_nodes_instruments (ingest/load.py).
//   Only for rows the run has proved new (ingest/sinks.py, FRESH): the database was empty when
//   the run began and no earlier stage of the run wrote PAID_WITH links; a resumed or later run, or a
//   second file, takes ingest_payment_instruments, whose MERGE adds to what exists. Same graph as ingest_payment_instruments
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
  MATCH (a:Account) WHERE elementId(a) = row.a
  MATCH (p:PaymentInstrument) WHERE elementId(p) = row.n
  CREATE (a)-[r:PAID_WITH]->(p)
  SET r.count = row.count,
      r.first_seen = CASE WHEN row.first_seen IS NULL THEN null ELSE datetime({epochMillis: row.first_seen}) END,
      r.last_seen = CASE WHEN row.last_seen IS NULL THEN null ELSE datetime({epochMillis: row.last_seen}) END
}
SET f.batches_done = f.batches_done + [$batch]
