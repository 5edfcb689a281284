// name: ingest_ledger_duplicate
// title: Record a file whose rows are already loaded
// description: An (:IngestedFile) entry with status duplicate for bytes that hold the same rows as
//   an entry already loaded (a gzipped copy, a CRLF re-save): nothing of it is written to the graph,
//   and later runs skip these bytes without reading them. An entry loading or done is left alone.
// category: ingest
// mode: write
// version: 2
// param: sha = ""         -- sha256 of the file's bytes
// param: path = ""        -- the file's path inside the world
// param: kind = ""        -- accounts, payment_instruments, logins, exchanges or ip_intel
// param: size_bytes = 0   -- file size
// param: content = ""     -- fingerprint of the file's rows as the contract reads them
// param: world = ""       -- absolute path of the world folder
// param: same_as = ""     -- sha256 of the entry that loaded these rows
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param sha => ''
// :param path => ''
// :param kind => ''
// :param size_bytes => 0
// :param content => ''
// :param world => ''
// :param same_as => ''
MERGE (f:IngestedFile {sha256: $sha})
ON CREATE SET f.status = 'duplicate', f.batches_done = [], f.first_started_at = datetime(), f.attempts = 0
WITH f WHERE f.status = 'duplicate'
SET f.status = 'duplicate', f.path = $path, f.kind = $kind, f.size_bytes = $size_bytes, f.content = $content,
    f.world = $world, f.same_as = $same_as, f.started_at = datetime(), f.finished_at = datetime(),
    f.rows_read = 0, f.rows_loaded = 0, f.rows_rejected = 0, f.attempts = f.attempts + 1
RETURN f.sha256 AS sha256
