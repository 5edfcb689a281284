// name: ring_members
// title: The accounts in a ring's case
// description: Members of one ring, highest member score first, with their sign-up, contact and
//   activity details and how they entered the case (detection or an investigator). Members an
//   investigator removed are listed only when include_removed is true. Paged with skip and limit.
// category: triage
// mode: read
// version: 1
// param: ring_id                 -- the ring's ring_id
// param: include_removed = false -- also list members an investigator removed from the case
// param: skip = 0                -- members to skip (paging)
// param: limit = 500             -- members returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
// :param include_removed => false
// :param skip => 0
// :param limit => 500
MATCH (:Ring {ring_id: $ring_id})-[m:HAS_MEMBER]->(a:Account)
WHERE $include_removed OR NOT coalesce(m.removed, false)
RETURN a.account_id AS account_id,
       a.display_name AS display_name,
       a.email AS email,
       a.created_at AS created_at,
       a.country AS country,
       a.org_id AS org_id,
       a.tier AS tier,
       coalesce(a.exchanges, 0) AS exchanges,
       coalesce(a.input_tokens, 0) + coalesce(a.output_tokens, 0) AS tokens,
       a.first_exchange AS first_exchange,
       a.last_exchange AS last_exchange,
       m.score AS member_score,
       m.added_by AS added_by,
       coalesce(m.removed, false) AS removed
ORDER BY m.score DESC, account_id
SKIP $skip
LIMIT $limit
