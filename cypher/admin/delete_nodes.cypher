// name: admin_delete_nodes
// title: Delete up to $limit nodes, in small transactions
// description: One round of `ringscope db reset` (after the relationships are gone),
//   repeated until it deletes none; returns how many nodes this round deleted.
// category: admin
// mode: write
// transaction: auto
// version: 1
// param: limit = 200000  -- nodes deleted in this round at most
// param: batch = 10000   -- nodes per inner transaction
MATCH (n) WITH n LIMIT $limit
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch ROWS
RETURN count(*) AS n
