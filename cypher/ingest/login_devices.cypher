// name: ingest_login_devices
// title: Load account-device links from logins
// description: One row per account x device: USED_DEVICE whose logins add up and whose
//   first_seen / last_seen widen; the device keeps the user agent of its latest login that had one.
//   Ledger: the batch key is checked first and recorded last, in the same transaction as the
//   writes, so batches of one file can be written by several sessions at once (the entry is
//   locked only at the end; the SET reads the list under that lock, so no key is lost).
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
  WITH row, datetime({epochMillis: row.first_seen}) AS fs, datetime({epochMillis: row.last_seen}) AS ls,
       CASE WHEN row.user_agent_seen IS NULL THEN null ELSE datetime({epochMillis: row.user_agent_seen}) END AS uas
  MERGE (a:Account {account_id: row.account_id})
  MERGE (d:Device {device_id: row.device_id})
  // the agent of the latest login that carried one (a tie goes to the row written last)
  SET d.user_agent = CASE WHEN uas IS NOT NULL AND (d.user_agent_seen IS NULL OR uas >= d.user_agent_seen) THEN row.user_agent ELSE d.user_agent END,
      d.user_agent_seen = CASE WHEN uas IS NOT NULL AND (d.user_agent_seen IS NULL OR uas >= d.user_agent_seen) THEN uas ELSE d.user_agent_seen END,
      d.last_seen = CASE WHEN d.last_seen IS NULL OR ls > d.last_seen THEN ls ELSE d.last_seen END
  MERGE (a)-[r:USED_DEVICE]->(d)
  SET r.logins = coalesce(r.logins, 0) + row.logins,
      r.first_seen = CASE WHEN r.first_seen IS NULL OR fs < r.first_seen THEN fs ELSE r.first_seen END,
      r.last_seen = CASE WHEN r.last_seen IS NULL OR ls > r.last_seen THEN ls ELSE r.last_seen END
}
SET f.batches_done = f.batches_done + [$batch]
