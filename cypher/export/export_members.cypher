// name: export_members
// title: The accounts in a ring's case, for members.csv
// description: Every account in the ring's case (HAS_MEMBER not removed) with its e-mail,
//   display name, sign-up time, tier, country, org, exchange and token totals, and its first
//   and last activity (the earliest/latest of its exchanges and sign-ins from any IP or device),
//   plus how it came into the case (detection score, added_by). Ordered by account_id.
// category: export
// mode: read
// version: 1
// param: ring_id          -- the ring to export
// param: limit = 1000000  -- accounts returned at most (the export refuses to cut a case short)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
// :param limit => 1000000
MATCH (:Ring {ring_id: $ring_id})-[m:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(m.removed, false)
CALL (a) {
  OPTIONAL MATCH (a)-[u:USED_IP|USED_DEVICE]->()
  RETURN min(u.first_seen) AS first_login, max(u.last_seen) AS last_login
}
RETURN a.account_id AS account_id,
       a.email AS email,
       a.display_name AS display_name,
       a.created_at AS created_at,
       a.tier AS tier,
       a.country AS country,
       a.org_id AS org_id,
       a.exchanges AS exchanges,
       a.input_tokens AS input_tokens,
       a.output_tokens AS output_tokens,
       reduce(first = null, t IN [a.first_exchange, first_login] |
              CASE WHEN t IS NULL THEN first WHEN first IS NULL OR t < first THEN t ELSE first END) AS first_activity,
       reduce(last = null, t IN [a.last_exchange, last_login] |
              CASE WHEN t IS NULL THEN last WHEN last IS NULL OR t > last THEN t ELSE last END) AS last_activity,
       m.score AS member_score,
       coalesce(m.added_by, 'detect') AS added_by
ORDER BY account_id
LIMIT $limit
