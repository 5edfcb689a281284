// name: ingest_refresh_totals_of
// title: Recompute the per-identifier totals of the identifiers a run wrote
// description: The totals of ingest_refresh_totals (PromptTemplate.accounts / .exchanges, accounts on
//   IP, Device and PaymentInstrument), recomputed from the relationships for the given keys only:
//   a delta run refreshes what its rows named instead of every node of the graph. ingest/load.py
//   takes it only when no earlier run left its totals pending (a run stopped before its refresh:
//   the whole-graph query then runs once), and passes the keys in chunks.
// category: ingest
// mode: write
// version: 1
// param: templates = []    -- PromptTemplate fingerprints
// param: ips = []          -- IP addresses
// param: devices = []      -- Device ids
// param: instruments = []  -- PaymentInstrument ids
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param templates => []
// :param ips => []
// :param devices => []
// :param instruments => []
UNWIND $templates AS key
MATCH (t:PromptTemplate {fingerprint: key})
OPTIONAL MATCH (t)<-[r:SENT_TEMPLATE]-()
WITH t, count(r) AS accounts, coalesce(sum(r.exchanges), 0) AS exchanges
SET t.accounts = accounts, t.exchanges = exchanges
RETURN count(t) AS n;
UNWIND $ips AS key
MATCH (i:IP {address: key})
SET i.accounts = COUNT { (i)<-[:USED_IP]-() }
RETURN count(i) AS n;
UNWIND $devices AS key
MATCH (d:Device {device_id: key})
SET d.accounts = COUNT { (d)<-[:USED_DEVICE]-() }
RETURN count(d) AS n;
UNWIND $instruments AS key
MATCH (p:PaymentInstrument {instrument_id: key})
SET p.accounts = COUNT { (p)<-[:PAID_WITH]-() }
RETURN count(p) AS n
