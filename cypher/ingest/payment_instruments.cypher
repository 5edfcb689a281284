// name: ingest_payment_instruments
// title: Load account-instrument links
// description: One row per account x payment instrument: the instrument node with kind, bin and
//   issuer country, and PAID_WITH whose count adds up and whose first_seen / last_seen widen.
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
SET f.batches_done = f.batches_done + [$batch]
WITH f
UNWIND $rows AS row
WITH row,
     CASE WHEN row.first_seen IS NULL THEN null ELSE datetime({epochMillis: row.first_seen}) END AS fs,
     CASE WHEN row.last_seen IS NULL THEN null ELSE datetime({epochMillis: row.last_seen}) END AS ls
MERGE (a:Account {account_id: row.account_id})
MERGE (p:PaymentInstrument {instrument_id: row.instrument_id})
SET p += row.props
MERGE (a)-[r:PAID_WITH]->(p)
SET r.count = coalesce(r.count, 0) + row.count,
    r.first_seen = CASE WHEN r.first_seen IS NULL OR fs < r.first_seen THEN coalesce(fs, r.first_seen) ELSE r.first_seen END,
    r.last_seen = CASE WHEN r.last_seen IS NULL OR ls > r.last_seen THEN coalesce(ls, r.last_seen) ELSE r.last_seen END
