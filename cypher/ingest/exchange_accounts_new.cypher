// name: ingest_exchange_accounts_new
// title: Set exchange aggregates on accounts that have none
// description: ingest_exchange_accounts for an initial load: the accounts carry no exchange
//   aggregates yet, so the row's totals, hour profile and daily profile are set as they are
//   (no per-row merge of daily profiles).
//   Only for rows the run has proved new (ingest/sinks.py, FRESH): the database was empty when
//   the run began and no earlier stage of the run wrote exchange aggregates; a resumed or later run, or a
//   second file, takes ingest_exchange_accounts, whose MERGE adds to what exists. Same graph as ingest_exchange_accounts
//   (tests/test_ingest_fresh.py compares them).
//   Ledger: the batch key is checked first and recorded last, in the same transaction as the writes.
// category: ingest
// mode: write
// version: 2
// param: sha = ""    -- sha256 of the source file: its (:IngestedFile) ledger entry must exist
// param: batch = ""  -- batch key (stage:number); a key already on the ledger entry is skipped, so a re-run never adds twice
// param: rows = []   -- the batch rows (see ingest/aggregate.py); `daily_days` are days since 1970-01-01
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
  SET a.exchanges = row.exchanges,
      a.input_tokens = row.input_tokens,
      a.output_tokens = row.output_tokens,
      a.first_exchange = datetime({epochMillis: row.first_exchange}),
      a.last_exchange = datetime({epochMillis: row.last_exchange}),
      a.hour_profile = row.hour_profile,
      a.daily_dates = [d IN row.daily_days | date(datetime.fromepochmillis(d * 86400000))],
      a.daily_counts = row.daily_counts,
      a.active_days = size(row.daily_days)
}
SET f.batches_done = f.batches_done + [$batch]
