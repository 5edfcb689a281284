// name: ingest_nodes_instruments
// title: Payment instruments a batch of links names
// description: The payment instruments of a batch of account-instrument rows with kind, bin and
//   issuer country (the file's latest row for the instrument: the same on every row of it).
//   No ledger: merging a node and setting its attributes is idempotent. Each row is
//   {key, ...}; the answer is one row, each key with its node's elementId at the same
//   position (two lists: the client decodes two lists, not a record per node), which the
//   link queries then match by (ingest/load.py), cheaper than a second index lookup per link.
// category: ingest
// mode: write
// version: 2
// param: rows = []   -- {key: ..., props: {...}} per distinct node of a batch, sorted by key
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param rows => []
UNWIND $rows AS row
MERGE (p:PaymentInstrument {instrument_id: row.key})
SET p += row.props
RETURN collect(row.key) AS keys, collect(elementId(p)) AS ids
