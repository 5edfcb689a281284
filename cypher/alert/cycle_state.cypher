// name: cycle_state
// title: Cycle: the ingest ledger now and at the last cycle that ran detection
// description: The sha256 of every file the ingest ledger holds as done (sorted), and the
//   ledger digest recorded by the latest `ringscope cycle` that ran detection. The cycle
//   skips detection when nothing was loaded since that run (the same day re-run), so a
//   re-run changes nothing; a file loaded by hand in between makes it detect again.
// category: alert
// mode: read
// version: 1
//
CALL () {
  MATCH (f:IngestedFile {status: 'done'})
  WITH f.sha256 AS sha ORDER BY sha
  RETURN collect(sha) AS done_files
}
CALL () {
  OPTIONAL MATCH (c:CycleRun) WHERE c.detected
  WITH c ORDER BY c.finished_at DESC LIMIT 1
  RETURN c.ledger_digest AS detected_digest, c.finished_at AS detected_at
}
RETURN done_files, detected_digest, detected_at
