// name: ingest_nodes_templates
// title: Prompt templates a batch of links names
// description: The prompt templates of a batch of account-template rows, created when new.
//   No ledger: merging a node and setting its attributes is idempotent. Each row is
//   {key, ...}; the answer is one row, each key with its node's elementId at the same
//   position (two lists: the client decodes two lists, not a record per node), which the
//   link queries then match by (ingest/load.py), cheaper than a second index lookup per link.
// category: ingest
// mode: write
// version: 2
// param: rows = []   -- {key: ...} per distinct node of a batch, sorted by key
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param rows => []
UNWIND $rows AS row
MERGE (t:PromptTemplate {fingerprint: row.key})
RETURN collect(row.key) AS keys, collect(elementId(t)) AS ids
