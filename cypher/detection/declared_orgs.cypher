// name: declared_orgs
// title: Organisations declared by several accounts
// description: Every org declared (IN_ORG) by between $min_accounts and $max_accounts
//   accounts, with its accounts. Context for the ring evidence, not a link: what the
//   accounts of one declared org share only among themselves (corporate cards, office
//   networks, internal templates, an onboarding burst) is the org's own business and
//   adds no evidence; what they share with accounts outside it, and their behaviour,
//   still do. An operator's front org declared on part of a ring leaves the ring's
//   mixed identifiers counting.
// category: detection
// mode: read
// rows: values
// version: 1
// param: min_accounts = 2     -- accounts an org must be declared by at least
// param: max_accounts = 5000  -- orgs declared by more accounts are listed too, up to this many accounts each
// param: limit = 1000000      -- orgs returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_accounts => 2
// :param max_accounts => 5000
// :param limit => 1000000
MATCH (o:Org)
WITH o, COUNT { (o)<-[:IN_ORG]-() } AS n
WHERE n >= $min_accounts
CALL (o) {
  MATCH (o)<-[:IN_ORG]-(a:Account)
  WITH a ORDER BY a.account_id
  LIMIT $max_accounts
  RETURN collect(a.account_id) AS accounts
}
RETURN o.org_id AS identifier, n AS account_count, accounts
ORDER BY identifier
LIMIT $limit
