// name: record_cycle
// title: Cycle: record one run
// description: Creates a (:CycleRun) with what one `ringscope cycle` did: when, the world,
//   files and rows loaded, whether it ran detection, the ledger digest it detected on, and
//   the alerts it raised. It is the scheduler's heartbeat (MATCH (c:CycleRun) RETURN c
//   ORDER BY c.finished_at DESC) and how the next run knows detection is up to date.
// category: alert
// mode: write
// version: 1
// param: run = {}   -- {run_id, started_at, finished_at, world, files_loaded, rows_loaded, rows_rejected, detected, ledger_digest, rings, alerts_raised, outputs}
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param run => {}
WITH $run AS run WHERE run.run_id IS NOT NULL
CREATE (c:CycleRun {run_id: run.run_id})
SET c.started_at = datetime(run.started_at), c.finished_at = datetime(run.finished_at), c.world = run.world,
    c.files_loaded = run.files_loaded, c.rows_loaded = run.rows_loaded, c.rows_rejected = run.rows_rejected,
    c.detected = run.detected, c.ledger_digest = run.ledger_digest, c.rings = run.rings,
    c.alerts_raised = run.alerts_raised, c.outputs = run.outputs
RETURN c.run_id AS run_id
