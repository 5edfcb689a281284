// name: signup_bursts
// title: Sign-up bursts on a shared card, device or e-mail domain
// description: Runs of at least $min_accounts accounts that share a payment instrument,
//   a device or an e-mail domain and were created one after another with no gap
//   longer than $gap_minutes. Sign-ups in the same hour are common across a large
//   user base; sign-ups in the same hour that also share something are a batch.
//   Identifiers shared by more than $max_accounts accounts (big webmail providers)
//   are left out. A company onboarding its team also makes a burst: this is one
//   signal among several, weighed by the ring builder.
// category: detection
// mode: read
// rows: values
// version: 2
// param: min_accounts = 3     -- accounts a burst must hold at least
// param: gap_minutes = 60     -- a longer gap between two sign-ups ends the burst
// param: max_accounts = 2000  -- identifiers shared by more accounts are left out
// param: limit = 1000000      -- bursts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_accounts => 3
// :param gap_minutes => 60
// :param max_accounts => 2000
// :param limit => 1000000
CALL () {
  MATCH (x:PaymentInstrument)
  WITH x, COUNT { (x)<-[:PAID_WITH]-() } AS n
  WHERE n >= $min_accounts AND n <= $max_accounts
  CALL (x) {
    MATCH (x)<-[:PAID_WITH]-(a:Account) WHERE a.created_at IS NOT NULL
    WITH a ORDER BY a.created_at, a.account_id
    RETURN collect(a.account_id) AS ids, collect(a.created_at.epochSeconds) AS ts
  }
  RETURN 'instrument' AS via, x.instrument_id AS shared, ids, ts
  UNION ALL
  MATCH (x:Device)
  WITH x, COUNT { (x)<-[:USED_DEVICE]-() } AS n
  WHERE n >= $min_accounts AND n <= $max_accounts
  CALL (x) {
    MATCH (x)<-[:USED_DEVICE]-(a:Account) WHERE a.created_at IS NOT NULL
    WITH a ORDER BY a.created_at, a.account_id
    RETURN collect(a.account_id) AS ids, collect(a.created_at.epochSeconds) AS ts
  }
  RETURN 'device' AS via, x.device_id AS shared, ids, ts
  UNION ALL
  MATCH (x:EmailDomain)
  WITH x, COUNT { (x)<-[:HAS_EMAIL_DOMAIN]-() } AS n
  WHERE n >= $min_accounts AND n <= $max_accounts
  CALL (x) {
    MATCH (x)<-[:HAS_EMAIL_DOMAIN]-(a:Account) WHERE a.created_at IS NOT NULL
    WITH a ORDER BY a.created_at, a.account_id
    RETURN collect(a.account_id) AS ids, collect(a.created_at.epochSeconds) AS ts
  }
  RETURN 'email_domain' AS via, x.domain AS shared, ids, ts
}
// a new run starts wherever the gap to the previous sign-up exceeds the limit
WITH via, shared, ids, ts,
     [0] + [i IN range(1, size(ts) - 1) WHERE ts[i] - ts[i - 1] > $gap_minutes * 60] + [size(ts)] AS cuts
UNWIND range(0, size(cuts) - 2) AS k
WITH via, shared, ids[cuts[k]..cuts[k + 1]] AS accounts, ts[cuts[k]..cuts[k + 1]] AS times
WHERE size(accounts) >= $min_accounts
RETURN via + ':' + shared AS identifier, via, shared, size(accounts) AS account_count, accounts,
       datetime({epochSeconds: times[0]}) AS first_signup,
       datetime({epochSeconds: times[-1]}) AS last_signup,
       (times[-1] - times[0]) / 60 AS span_minutes
LIMIT $limit
