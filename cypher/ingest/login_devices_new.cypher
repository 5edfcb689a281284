// name: ingest_login_devices_new
// title: Create account-device links where none exist
// description: ingest_login_devices for an initial load: the device node stays MERGE (shared; it
//   keeps the user agent of its latest login that had one, a tie going to the row written last)
//   and the USED_DEVICE link is CREATEd (rows are one per account x device within a file).
//   Only for rows the run has proved new (ingest/sinks.py, FRESH): the database was empty when
//   the run began and no earlier stage of the run wrote USED_DEVICE links; a resumed or later run, or a
//   second file, takes ingest_login_devices, whose MERGE adds to what exists. Same graph as ingest_login_devices
//   (tests/test_ingest_fresh.py compares them).
//   Ledger: the batch key is checked first and recorded last, in the same transaction as the writes.
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
  WITH row, datetime.fromepochmillis(row.first_seen) AS fs, datetime.fromepochmillis(row.last_seen) AS ls,
       CASE WHEN row.user_agent_seen IS NULL THEN null ELSE datetime.fromepochmillis(row.user_agent_seen) END AS uas
  MERGE (a:Account {account_id: row.account_id})
  MERGE (d:Device {device_id: row.device_id})
  // a new device takes the row's values (what the CASEs below give on a node with none)
  ON CREATE SET d.user_agent = row.user_agent, d.user_agent_seen = uas, d.last_seen = ls
  // the agent of the latest login that carried one (a tie goes to the row written last)
  ON MATCH SET d.user_agent = CASE WHEN uas IS NOT NULL AND (d.user_agent_seen IS NULL OR uas >= d.user_agent_seen) THEN row.user_agent ELSE d.user_agent END,
      d.user_agent_seen = CASE WHEN uas IS NOT NULL AND (d.user_agent_seen IS NULL OR uas >= d.user_agent_seen) THEN uas ELSE d.user_agent_seen END,
      d.last_seen = CASE WHEN d.last_seen IS NULL OR ls > d.last_seen THEN ls ELSE d.last_seen END
  CREATE (a)-[:USED_DEVICE {logins: row.logins, first_seen: fs, last_seen: ls}]->(d)
}
SET f.batches_done = f.batches_done + [$batch]
