// name: admin_delete_relationships
// title: Delete up to $limit relationships, in small transactions
// description: One round of `ringscope db reset`, repeated until it deletes none.
//   Relationships go before nodes and in transactions of $batch rows: a dense graph's
//   DETACH DELETE of 20,000 nodes at once ran a 1 GB heap out of memory (medium world).
// category: admin
// mode: write
// transaction: auto
// version: 1
// param: limit = 200000  -- relationships deleted in this round at most
// param: batch = 10000   -- relationships per inner transaction
MATCH ()-[r]->() WITH r LIMIT $limit
CALL (r) { DELETE r } IN TRANSACTIONS OF $batch ROWS
RETURN count(*) AS n
