// name: org_members
// title: Accounts declaring the given organisations
// description: For each org in $org_ids, the accounts that declare it (IN_ORG), up to
//   $max_accounts per org. A declared org is context, not a free pass: the ring builder
//   judges a group whose members mostly declare one org together with that org's other
//   accounts, so a company's few service accounts are judged as part of the company
//   (mostly ordinary people), while an operator's front org, made only of ring
//   accounts, changes nothing.
// category: detection
// mode: read
// version: 1
// param: org_ids = []          -- organisations to list
// param: max_accounts = 5000   -- accounts listed per org at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param org_ids => []
// :param max_accounts => 5000
UNWIND $org_ids AS org_id
MATCH (o:Org {org_id: org_id})
CALL (o) {
  MATCH (o)<-[:IN_ORG]-(a:Account)
  WITH a ORDER BY a.account_id
  LIMIT $max_accounts
  RETURN collect(a.account_id) AS accounts
}
RETURN o.org_id AS org_id, COUNT { (o)<-[:IN_ORG]-() } AS account_count, accounts
ORDER BY org_id
