// name: ingest_exchange_accounts
// title: Add exchange aggregates to accounts
// description: One row per account from an exchanges file. Adds to what earlier files gave:
//   counts and tokens sum, first/last exchange widen, hour_profile adds elementwise, the daily
//   profile merges by day so active_days counts each day once.
//   Ledger: the batch key is checked first and recorded last, in the same transaction as the
//   writes, so batches of one file can be written by several sessions at once (the entry is
//   locked only at the end; the SET reads the list under that lock, so no key is lost).
// category: ingest
// mode: write
// version: 3
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
  WITH a, row,
       datetime({epochMillis: row.first_exchange}) AS fe, datetime({epochMillis: row.last_exchange}) AS le,
       coalesce(a.daily_dates, []) + [d IN row.daily_days | date(datetime.fromepochmillis(d * 86400000))] AS ds,
       coalesce(a.daily_counts, []) + row.daily_counts AS cs
  CALL (ds, cs) {
    UNWIND range(0, size(ds) - 1) AS k
    WITH ds[k] AS day, sum(cs[k]) AS n
    ORDER BY day
    RETURN collect(day) AS dates, collect(n) AS counts
  }
  SET a.exchanges = coalesce(a.exchanges, 0) + row.exchanges,
      a.input_tokens = coalesce(a.input_tokens, 0) + row.input_tokens,
      a.output_tokens = coalesce(a.output_tokens, 0) + row.output_tokens,
      a.first_exchange = CASE WHEN a.first_exchange IS NULL OR fe < a.first_exchange THEN fe ELSE a.first_exchange END,
      a.last_exchange = CASE WHEN a.last_exchange IS NULL OR le > a.last_exchange THEN le ELSE a.last_exchange END,
      a.hour_profile = CASE WHEN a.hour_profile IS NULL THEN row.hour_profile
                            ELSE [h IN range(0, 23) | a.hour_profile[h] + row.hour_profile[h]] END,
      a.daily_dates = dates,
      a.daily_counts = counts,
      a.active_days = size(dates)
}
SET f.batches_done = f.batches_done + [$batch]
