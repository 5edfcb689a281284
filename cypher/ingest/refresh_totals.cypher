// name: ingest_refresh_totals
// title: Refresh per-identifier totals
// description: After a load: accounts and exchanges per prompt template, accounts per IP, device
//   and payment instrument (how many accounts share it), recomputed from the relationships so a
//   re-run always gives the same numbers.
// category: ingest
// mode: write
// version: 1
MATCH (t:PromptTemplate)
CALL (t) {
  OPTIONAL MATCH (t)<-[r:SENT_TEMPLATE]-()
  WITH t, count(r) AS accounts, coalesce(sum(r.exchanges), 0) AS exchanges
  SET t.accounts = accounts, t.exchanges = exchanges
} IN TRANSACTIONS OF 5000 ROWS;
MATCH (i:IP)
CALL (i) {
  SET i.accounts = COUNT { (i)<-[:USED_IP]-() }
} IN TRANSACTIONS OF 20000 ROWS;
MATCH (d:Device)
CALL (d) {
  SET d.accounts = COUNT { (d)<-[:USED_DEVICE]-() }
} IN TRANSACTIONS OF 20000 ROWS;
MATCH (p:PaymentInstrument)
CALL (p) {
  SET p.accounts = COUNT { (p)<-[:PAID_WITH]-() }
} IN TRANSACTIONS OF 20000 ROWS
