// name: ingest_ledger_begin
// title: Open (or resume) a file's ledger entry
// description: The (:IngestedFile) entry for a file about to load, keyed by its sha256. A new entry
//   starts with status loading and no batches done; an entry left in loading by an interrupted run
//   keeps its batches and its batch size, so the re-run resumes and adds nothing twice. With $force
//   an entry that says done (or duplicate) starts over: a deliberate re-load adds its rows again.
//   `totals_pending` stays set until a run has refreshed the per-identifier totals after it
//   (ingest_totals_refreshed): a run that finds one set refreshes the whole graph.
// category: ingest
// mode: write
// version: 3
// param: sha = ""         -- sha256 of the file's bytes
// param: path = ""        -- the file's path inside the world
// param: kind = ""        -- accounts, payment_instruments, logins, exchanges or ip_intel
// param: size_bytes = 0   -- file size
// param: batch_size = 5000 -- rows per write transaction (kept from the first attempt)
// param: content = ""     -- fingerprint of the file's rows as the contract reads them
// param: world = ""       -- absolute path of the world folder
// param: force = false    -- re-open an entry that says done
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param sha => ''
// :param path => ''
// :param kind => ''
// :param size_bytes => 0
// :param batch_size => 5000
// :param content => ''
// :param world => ''
// :param force => false
MERGE (f:IngestedFile {sha256: $sha})
ON CREATE SET f.status = 'loading', f.batches_done = [], f.batch_size = $batch_size,
              f.first_started_at = datetime(), f.attempts = 0
WITH f, f.status = 'duplicate' OR (f.status = 'done' AND $force) AS again
SET f.status = CASE WHEN again THEN 'loading' ELSE f.status END,
    f.batches_done = CASE WHEN again THEN [] ELSE f.batches_done END,
    f.batch_size = CASE WHEN again THEN $batch_size ELSE f.batch_size END,
    f.path = $path, f.kind = $kind, f.size_bytes = $size_bytes, f.content = $content, f.world = $world,
    f.same_as = null, f.started_at = datetime(), f.attempts = f.attempts + 1,
    f.totals_pending = true
RETURN f.status AS status, f.batch_size AS batch_size, size(f.batches_done) AS batches_done
