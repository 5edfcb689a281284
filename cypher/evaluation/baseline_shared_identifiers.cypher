// name: baseline_shared_identifiers
// title: Baseline: every card, device and IP shared by two or more accounts
// description: The naive linking `ringscope evaluate` compares RingScope against:
//   connected components over every shared payment instrument, device and IP
//   address. With $max_accounts set, identifiers shared by more accounts are dropped
//   first (the usual supernode cut); null keeps them all.
// category: evaluation
// mode: read
// version: 1
// param: max_accounts = null   -- drop identifiers shared by more accounts; null: keep all
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param max_accounts => null
CALL () {
  MATCH (x:PaymentInstrument)
  WITH x, COUNT { (x)<-[:PAID_WITH]-() } AS n
  WHERE n >= 2 AND ($max_accounts IS NULL OR n <= $max_accounts)
  MATCH (x)<-[:PAID_WITH]-(a:Account)
  RETURN 'instrument' AS kind, x.instrument_id AS identifier, collect(a.account_id) AS accounts
  UNION ALL
  MATCH (x:Device)
  WITH x, COUNT { (x)<-[:USED_DEVICE]-() } AS n
  WHERE n >= 2 AND ($max_accounts IS NULL OR n <= $max_accounts)
  MATCH (x)<-[:USED_DEVICE]-(a:Account)
  RETURN 'device' AS kind, x.device_id AS identifier, collect(a.account_id) AS accounts
  UNION ALL
  MATCH (x:IP)
  WITH x, COUNT { (x)<-[:USED_IP]-() } AS n
  WHERE n >= 2 AND ($max_accounts IS NULL OR n <= $max_accounts)
  MATCH (x)<-[:USED_IP]-(a:Account)
  RETURN 'ip' AS kind, x.address AS identifier, collect(a.account_id) AS accounts
}
RETURN kind, identifier, size(accounts) AS account_count, accounts
