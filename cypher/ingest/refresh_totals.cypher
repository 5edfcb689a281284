// name: ingest_refresh_totals
// title: Refresh per-identifier totals
// description: After a load: accounts and exchanges per prompt template, accounts per IP, device
//   and payment instrument (how many accounts share it), recomputed from the relationships so a
//   re-run always gives the same numbers. One statement per label, each walking its label in key
//   order from $after, $limit nodes a transaction; ingest repeats a statement with the key it
//   returned as `last` until it returns none.
// category: ingest
// mode: write
// version: 3
// param: after = ""     -- refresh keys greater than this one ("" from the start)
// param: limit = 10000  -- nodes per transaction
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param after => ''
// :param limit => 10000
MATCH (t:PromptTemplate) WHERE t.fingerprint > $after
WITH t ORDER BY t.fingerprint LIMIT $limit
OPTIONAL MATCH (t)<-[r:SENT_TEMPLATE]-()
WITH t, count(r) AS accounts, coalesce(sum(r.exchanges), 0) AS exchanges
SET t.accounts = accounts, t.exchanges = exchanges
RETURN max(t.fingerprint) AS last, count(t) AS n;
MATCH (i:IP) WHERE i.address > $after
WITH i ORDER BY i.address LIMIT $limit
SET i.accounts = COUNT { (i)<-[:USED_IP]-() }
RETURN max(i.address) AS last, count(i) AS n;
MATCH (d:Device) WHERE d.device_id > $after
WITH d ORDER BY d.device_id LIMIT $limit
SET d.accounts = COUNT { (d)<-[:USED_DEVICE]-() }
RETURN max(d.device_id) AS last, count(d) AS n;
MATCH (p:PaymentInstrument) WHERE p.instrument_id > $after
WITH p ORDER BY p.instrument_id LIMIT $limit
SET p.accounts = COUNT { (p)<-[:PAID_WITH]-() }
RETURN max(p.instrument_id) AS last, count(p) AS n
