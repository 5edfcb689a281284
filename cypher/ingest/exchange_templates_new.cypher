// name: ingest_exchange_templates_new
// title: Create account-template links where none exist
// description: ingest_exchange_templates for an initial load: CREATE the SENT_TEMPLATE link
//   (rows are one per account x template within a file). Rows carry `a` and `n`, the elementIds
//   from ingest_nodes_accounts / ingest_nodes_templates (ingest/load.py).
//   Only for rows the run has proved new (ingest/sinks.py, FRESH): the database was empty when
//   the run began and no earlier stage of the run wrote SENT_TEMPLATE links; a resumed or later run, or a
//   second file, takes ingest_exchange_templates, whose MERGE adds to what exists. Same graph as ingest_exchange_templates
//   (tests/test_ingest_fresh.py compares them).
//   Ledger: the batch key is checked first and recorded last, in the same transaction as the writes.
// category: ingest
// mode: write
// version: 1
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
  MATCH (a:Account) WHERE elementId(a) = row.a
  MATCH (t:PromptTemplate) WHERE elementId(t) = row.n
  CREATE (a)-[r:SENT_TEMPLATE]->(t)
  SET r.exchanges = row.exchanges, r.input_tokens = row.input_tokens, r.output_tokens = row.output_tokens,
      r.first_seen = datetime({epochMillis: row.first_seen}), r.last_seen = datetime({epochMillis: row.last_seen})
}
SET f.batches_done = f.batches_done + [$batch]
