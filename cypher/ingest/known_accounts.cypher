// name: ingest_known_accounts
// title: Account ids already in the graph
// description: Every account id in the graph: a link row naming one of these (or an account in an
//   accounts file of the same run) is not a link to an unknown account.
// category: ingest
// mode: read
// version: 1
MATCH (a:Account)
RETURN a.account_id AS account_id
