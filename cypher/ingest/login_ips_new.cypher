// name: ingest_login_ips_new
// title: Load account-IP links from logins, creating the pairs proved new
// description: ingest_login_ips for a run into a database that was empty when it began: a row flagged
//   `new` (ingest/sinks.py, IP_QUERIES: no IP stage of the run wrote its account x IP pair, and
//   logins and exchanges both write USED_IP) CREATEs its link; the other rows MERGE and add, as
//   ingest_login_ips does. Rows are one per account x IP within a file. Same graph as ingest_login_ips
//   (tests/test_ingest_fresh.py compares them). Rows carry `a` and `n`, the elementIds from
//   ingest_nodes_accounts / ingest_nodes_ips (ingest/load.py).
//   Ledger: the batch key is checked first and recorded last, in the same transaction as the writes.
// category: ingest
// mode: write
// version: 1
// param: sha = ""    -- sha256 of the source file: its (:IngestedFile) ledger entry must exist
// param: batch = ""  -- batch key (stage:number); a key already on the ledger entry is skipped, so a re-run never adds twice
// param: rows = []   -- the batch rows (see ingest/aggregate.py), each with `new`
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
  CALL (a, i, row, fs, ls) {
    WITH a, i, row, fs, ls WHERE row.new
    CREATE (a)-[r:USED_IP]->(i)
    SET r.logins = row.logins, r.first_seen = fs, r.last_seen = ls
  }
  CALL (a, i, row, fs, ls) {
    WITH a, i, row, fs, ls WHERE NOT row.new
    MERGE (a)-[r:USED_IP]->(i)
    ON CREATE SET r.logins = row.logins, r.first_seen = fs, r.last_seen = ls
    ON MATCH SET r.logins = coalesce(r.logins, 0) + row.logins,
          r.first_seen = CASE WHEN r.first_seen IS NULL OR fs < r.first_seen THEN fs ELSE r.first_seen END,
          r.last_seen = CASE WHEN r.last_seen IS NULL OR ls > r.last_seen THEN ls ELSE r.last_seen END
  }
}
SET f.batches_done = f.batches_done + [$batch]
