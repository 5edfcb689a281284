// name: ingest_refresh_totals
// title: Refresh per-identifier totals
// description: After a load, for the identifiers it touched: accounts and exchanges per prompt
//   template, accounts per IP, device and payment instrument (how many accounts share it),
//   recomputed from the relationships so a re-run always gives the same numbers.
//   One statement per label; ingest calls each with batches of keys.
// category: ingest
// mode: write
// version: 2
// param: fingerprints = []    -- PromptTemplate fingerprints to refresh
// param: addresses = []       -- IP addresses to refresh
// param: device_ids = []      -- Device ids to refresh
// param: instrument_ids = []  -- PaymentInstrument ids to refresh
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param fingerprints => []
// :param addresses => []
// :param device_ids => []
// :param instrument_ids => []
UNWIND $fingerprints AS key
MATCH (t:PromptTemplate {fingerprint: key})
OPTIONAL MATCH (t)<-[r:SENT_TEMPLATE]-()
WITH t, count(r) AS accounts, coalesce(sum(r.exchanges), 0) AS exchanges
SET t.accounts = accounts, t.exchanges = exchanges;
UNWIND $addresses AS key
MATCH (i:IP {address: key})
SET i.accounts = COUNT { (i)<-[:USED_IP]-() };
UNWIND $device_ids AS key
MATCH (d:Device {device_id: key})
SET d.accounts = COUNT { (d)<-[:USED_DEVICE]-() };
UNWIND $instrument_ids AS key
MATCH (p:PaymentInstrument {instrument_id: key})
SET p.accounts = COUNT { (p)<-[:PAID_WITH]-() }
