// name: ingest_ledger_files
// title: Files loaded so far
// description: The ingest ledger: every file a run has started, with its sha256, status
//   (loading, done, or duplicate: the same rows as another entry, never loaded), the fingerprint of
//   its rows, the world folder it came from, row counts and when it ran.
// category: ingest
// mode: read
// version: 3
// param: limit = 1000 -- rows returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 1000
MATCH (f:IngestedFile)
RETURN f.sha256 AS sha256, f.path AS path, f.kind AS kind, f.status AS status,
       f.rows_read AS rows_read, f.rows_loaded AS rows_loaded, f.rows_rejected AS rows_rejected,
       f.attempts AS attempts, toString(f.started_at) AS started_at, toString(f.finished_at) AS finished_at,
       f.content AS content, f.world AS world, f.same_as AS same_as, coalesce(f.totals_pending, false) AS totals_pending,
       f.size_bytes AS size_bytes
ORDER BY f.first_started_at, f.path
LIMIT $limit
