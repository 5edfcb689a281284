// name: ingest_ledger_finish
// title: Close a file's ledger entry
// description: Mark a file loaded, with its row counts; a file whose entry is done is skipped by
//   every later run.
// category: ingest
// mode: write
// version: 1
// param: sha = ""          -- sha256 of the file's bytes
// param: rows_read = 0     -- data rows in the file
// param: rows_loaded = 0   -- rows that passed validation and went into the graph
// param: rows_rejected = 0 -- rows written to the reject file
// param: rejects_file = "" -- where they were written (empty when none)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param sha => ''
// :param rows_read => 0
// :param rows_loaded => 0
// :param rows_rejected => 0
// :param rejects_file => ''
MATCH (f:IngestedFile {sha256: $sha})
SET f.status = 'done', f.finished_at = datetime(), f.rows_read = $rows_read,
    f.rows_loaded = $rows_loaded, f.rows_rejected = $rows_rejected, f.rejects_file = $rejects_file
RETURN f.sha256 AS sha256
