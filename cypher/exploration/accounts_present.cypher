// name: accounts_present
// title: Which of the given account ids the graph holds
// description: One row per listed account id that is an Account in the graph (ids the graph
//   lacks return nothing). `ringscope explain` asks it first, so a mistyped id is refused in
//   one line before detection runs.
// category: exploration
// mode: read
// rows: values
// version: 1
// param: account_ids  -- account ids to look up
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param account_ids => ['acc-0001', 'acc-0002']
UNWIND $account_ids AS id
MATCH (a:Account {account_id: id})
RETURN DISTINCT a.account_id AS account_id
