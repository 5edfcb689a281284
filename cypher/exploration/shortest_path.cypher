// name: shortest_path
// title: Shortest link between two accounts
// description: The shortest chain of shared identifiers joining two accounts (at most 8 hops:
//   account, identifier, account, ...). Identifiers of the kinds in skip_kinds are not used as
//   stepping stones: by default e-mail domains and orgs, which join many unrelated accounts;
//   nor is an identifier linked to more than max_accounts accounts (a public template, a big
//   carrier-grade NAT exit): a path through it joins strangers, and searching through its
//   hundreds of thousands of accounts made two unrelated accounts take 0.1-0.3 s instead of
//   ~20 ms.
// category: exploration
// mode: read
// version: 2
// param: from_account -- account_id of one account
// param: to_account   -- account_id of the other account
// param: skip_kinds = ["EmailDomain", "Org"] -- node labels the path may not pass through
// param: max_accounts = 5000 -- identifiers linked to more accounts than this are not passed through
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param from_account => 'acc-0001'
// :param to_account => 'acc-0002'
// :param skip_kinds => ['EmailDomain', 'Org']
// :param max_accounts => 5000
MATCH (a:Account {account_id: $from_account}), (b:Account {account_id: $to_account})
MATCH p = shortestPath((a)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG*..8]-(b))
WHERE none(n IN nodes(p) WHERE any(l IN labels(n) WHERE l IN $skip_kinds)
           OR (NOT n:Account AND COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } > $max_accounts))
RETURN p, length(p) AS hops
LIMIT 1
