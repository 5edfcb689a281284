// name: admin_account_count
// title: How many accounts the graph holds
// description: `ringscope demo` loads the demo world only into a graph with no Account
//   nodes, so a second demo run never loads it twice (count store: instant).
// category: admin
// mode: read
// version: 1
MATCH (a:Account) RETURN count(a) AS n
