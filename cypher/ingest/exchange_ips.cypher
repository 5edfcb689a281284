// name: ingest_exchange_ips
// title: Load account-IP links from exchanges
// description: One row per account x IP from aggregated exchanges: the IP node (with ip_intel when the world has it)
//   and USED_IP whose exchanges add up and whose first_seen / last_seen widen.
//   Ledger: the batch key is checked first and recorded last, in the same transaction as the
//   writes, so batches of one file can be written by several sessions at once (the entry is
//   locked only at the end; the SET reads the list under that lock, so no key is lost).
//   Rows carry `a` and `n`: the elementIds of the account and of the other node, which the
//   loader got from the ingest_nodes_* query of the same batch (ingest/load.py). The link is a
//   MERGE, never OPTIONAL MATCH + CREATE: while another session adds links to the same node, a
//   plain read can miss an existing one (read committed); MERGE locks both ends and looks again.
// category: ingest
// mode: write
// version: 2
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
  WITH row, datetime({epochMillis: row.first_seen}) AS fs, datetime({epochMillis: row.last_seen}) AS ls
  MATCH (a:Account) WHERE elementId(a) = row.a
  MATCH (i:IP) WHERE elementId(i) = row.n
  WITH a, i, row, fs, ls
  MERGE (a)-[r:USED_IP]->(i)
  ON CREATE SET r.exchanges = row.exchanges, r.first_seen = fs, r.last_seen = ls
  ON MATCH SET r.exchanges = coalesce(r.exchanges, 0) + row.exchanges,
        r.first_seen = CASE WHEN r.first_seen IS NULL OR fs < r.first_seen THEN fs ELSE r.first_seen END,
        r.last_seen = CASE WHEN r.last_seen IS NULL OR ls > r.last_seen THEN ls ELSE r.last_seen END
}
SET f.batches_done = f.batches_done + [$batch]
