// name: account_rings
// title: Rings whose case includes an account
// description: Every ring that lists the account as a member, with the member's score, how it
//   entered the case and whether an investigator removed it.
// category: exploration
// mode: read
// version: 1
// param: account_id  -- the account's account_id
// param: limit = 50  -- rings returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param account_id => 'acc-0001'
// :param limit => 50
MATCH (ring:Ring)-[m:HAS_MEMBER]->(:Account {account_id: $account_id})
RETURN ring.ring_id AS ring_id,
       ring.score AS ring_score,
       coalesce(ring.status, 'new') AS status,
       m.score AS member_score,
       m.added_by AS added_by,
       coalesce(m.removed, false) AS removed
ORDER BY ring_score DESC, ring_id
LIMIT $limit
