// name: template_co_usage
// title: Prompt templates shared by a compact set of accounts
// description: The distillation signature. Templates sent by between $min_accounts and
//   $max_accounts accounts whose senders average at least $min_exchanges_per_account
//   exchanges on them, with each sender's exchanges. Public templates (sent by
//   thousands) fall out by count. `ringscope detect` asks for every volume (1): a ring
//   sending each template of its private set a few times is as tied as one sending it
//   thousands of times; it weighs each template by FRAUDAR's 1 / log(accounts + 5) and
//   compares the accounts' template mixes (a mix alone never makes a strong link), and
//   the dense-block search (blocks.py) finds sets of accounts sharing a private set.
//   Reads the per-template totals `accounts` and `exchanges` that ingest refreshes
//   after each load.
// category: detection
// mode: read
// rows: values
// version: 3
// param: min_accounts = 2                 -- accounts a template must be sent by at least
// param: max_accounts = 2000              -- templates sent by more accounts are public
// param: min_exchanges_per_account = 10.0 -- average exchanges per sender, at least
// param: limit = 1000000                  -- groups returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_accounts => 2
// :param max_accounts => 2000
// :param min_exchanges_per_account => 10.0
// :param limit => 1000000
MATCH (t:PromptTemplate)
WHERE t.accounts >= $min_accounts AND t.accounts <= $max_accounts
  AND t.exchanges >= $min_exchanges_per_account * t.accounts
CALL (t) {
  MATCH (t)<-[r:SENT_TEMPLATE]-(a:Account)
  RETURN collect(a.account_id) AS accounts, collect(r.exchanges) AS exchanges
}
RETURN t.fingerprint AS identifier, t.accounts AS account_count, t.exchanges AS template_exchanges,
       accounts, exchanges
LIMIT $limit
