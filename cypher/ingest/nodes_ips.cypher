// name: ingest_nodes_ips
// title: IP addresses a batch of links names
// description: The IP nodes of a batch of account-IP rows, created when new, with ip_intel when
//   the world has it (the run's longest-prefix match: the same for every row of an address).
//   No ledger: merging a node and setting its attributes is idempotent. Each row is
//   {key, ...}; the answer is one row, each key with its node's elementId at the same
//   position (two lists: the client decodes two lists, not a record per node), which the
//   link queries then match by (ingest/load.py), cheaper than a second index lookup per link.
// category: ingest
// mode: write
// version: 2
// param: rows = []   -- {key: ..., intel: {...} or null} per distinct node of a batch, sorted by key
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param rows => []
UNWIND $rows AS row
MERGE (i:IP {address: row.key})
FOREACH (_ IN CASE WHEN row.intel IS NULL THEN [] ELSE [1] END | SET i += row.intel)
RETURN collect(row.key) AS keys, collect(elementId(i)) AS ids
