// name: template_co_usage
// title: Prompt templates sent heavily by a compact set of accounts
// description: The distillation signature. Templates used by between $min_accounts and
//   $max_accounts accounts whose senders send them heavily: at least
//   $min_exchanges_per_account exchanges per account on average. Public templates (used
//   by thousands, a few exchanges each) fall out by count, and a team's internal or a
//   course's templates, sent a few times by each member, fall out by volume. Members
//   carry their exchanges on the template, so the ring builder can compare the
//   accounts' template mixes (rarer templates weigh more). Reads the per-template
//   totals `accounts` and `exchanges` that ingest refreshes after each load.
// category: detection
// mode: read
// version: 2
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
