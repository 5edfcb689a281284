// name: shared_identifiers
// title: Identifiers shared by a set of accounts
// description: Payment instruments, devices, IPs, prompt templates, e-mail domains and orgs used
//   by at least min_accounts of the given accounts, most shared first, with up to 20 of the
//   accounts that share each.
// category: exploration
// mode: read
// version: 1
// param: account_ids      -- list of account_id values
// param: min_accounts = 2 -- an identifier is listed when at least this many of the accounts used it
// param: limit = 200      -- identifiers returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param account_ids => ['acc-0001', 'acc-0002']
// :param min_accounts => 2
// :param limit => 200
MATCH (a:Account)
WHERE a.account_id IN $account_ids
MATCH (a)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]->(x)
WITH x, collect(DISTINCT a.account_id) AS accounts
WHERE size(accounts) >= $min_accounts
RETURN labels(x)[0] AS kind,
       coalesce(x.instrument_id, x.device_id, x.address, x.fingerprint, x.domain, x.org_id) AS key,
       size(accounts) AS shared_by,
       accounts[..20] AS accounts
ORDER BY shared_by DESC, kind, key
LIMIT $limit
