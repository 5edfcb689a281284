// name: instrument_fanout
// title: Payment instruments funding several accounts
// description: Cards, wallets and bank accounts that pay for between $min_accounts and
//   $max_accounts accounts, with the accounts and when each used the instrument.
//   Instruments above $max_accounts are supernodes (a company's corporate card for a
//   large team, a marketplace wallet) and carry no pairwise evidence. The ring builder
//   weighs each instrument by its rarity: a card shared by two accounts says more than
//   one shared by fifty.
// category: detection
// mode: read
// rows: values
// version: 2
// param: min_accounts = 2     -- accounts an instrument must fund at least
// param: max_accounts = 500   -- instruments funding more accounts are left out (supernodes)
// param: limit = 1000000      -- groups returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_accounts => 2
// :param max_accounts => 500
// :param limit => 1000000
MATCH (p:PaymentInstrument)
WITH p, COUNT { (p)<-[:PAID_WITH]-() } AS n
WHERE n >= $min_accounts AND n <= $max_accounts
CALL (p) {
  MATCH (p)<-[r:PAID_WITH]-(a:Account)
  RETURN collect(a.account_id) AS accounts,
         collect(coalesce(r.first_seen, a.created_at).epochSeconds) AS first_seen_s,
         collect(coalesce(r.last_seen, r.first_seen, a.created_at).epochSeconds) AS last_seen_s
}
RETURN p.instrument_id AS identifier, p.kind AS kind, p.bin AS bin, n AS account_count,
       accounts, first_seen_s, last_seen_s
LIMIT $limit
