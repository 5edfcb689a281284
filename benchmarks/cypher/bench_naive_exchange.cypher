// name: ingest_bench_naive_exchange
// title: Benchmark baseline: one raw exchange, row at a time
// description: The naive loader benchmarks/bench_ingest.py compares against: one transaction per
//   raw exchange row, MERGE-ing account, template, IP and both relationships and adding 1 to
//   their counts. Never used by ingest itself.
// category: ingest
// mode: write
// version: 1
// param: account_id = ""   -- the exchange's account
// param: ts = 0            -- epoch milliseconds
// param: fingerprint = ""  -- prompt_fingerprint (empty: none)
// param: address = ""      -- ip (empty: none)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param account_id => ''
// :param ts => 0
// :param fingerprint => ''
// :param address => ''
WITH $account_id AS account_id, datetime({epochMillis: $ts}) AS ts
WHERE account_id <> ''
MERGE (a:Account {account_id: account_id})
SET a.exchanges = coalesce(a.exchanges, 0) + 1
FOREACH (_ IN CASE WHEN $fingerprint = '' THEN [] ELSE [1] END |
  MERGE (t:PromptTemplate {fingerprint: $fingerprint})
  MERGE (a)-[r:SENT_TEMPLATE]->(t)
  SET r.exchanges = coalesce(r.exchanges, 0) + 1,
      r.first_seen = CASE WHEN r.first_seen IS NULL OR ts < r.first_seen THEN ts ELSE r.first_seen END,
      r.last_seen = CASE WHEN r.last_seen IS NULL OR ts > r.last_seen THEN ts ELSE r.last_seen END)
FOREACH (_ IN CASE WHEN $address = '' THEN [] ELSE [1] END |
  MERGE (i:IP {address: $address})
  MERGE (a)-[r:USED_IP]->(i)
  SET r.exchanges = coalesce(r.exchanges, 0) + 1,
      r.first_seen = CASE WHEN r.first_seen IS NULL OR ts < r.first_seen THEN ts ELSE r.first_seen END,
      r.last_seen = CASE WHEN r.last_seen IS NULL OR ts > r.last_seen THEN ts ELSE r.last_seen END)
