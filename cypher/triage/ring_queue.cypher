// name: ring_queue
// title: Ring queue: detected rings ranked by score
// description: Detected rings, highest score first, with their current size (members not removed
//   by an investigator), signals, status, assignee, exchanges and tokens, and first and last activity
//   (earliest member sign-up, latest member exchange). Filters: statuses (empty list: all),
//   minimum score, one signal and one investigator label (empty string: any). Rings a later
//   detection run retired (retired = true) are left out unless include_retired is true.
// category: triage
// mode: read
// version: 2
// param: statuses = []   -- ring statuses to show (new, investigating, confirmed, false_positive, escalated); empty: all
// param: min_score = 0.0 -- rings scoring below this are left out
// param: signal = ""     -- only rings flagged by this signal; empty: any signal
// param: label = ""      -- only rings carrying this investigator label; empty: any
// param: include_retired = false -- also list rings a later detection run no longer finds
// param: limit = 200     -- rings returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param statuses => []
// :param min_score => 0.0
// :param signal => ''
// :param label => ''
// :param include_retired => false
// :param limit => 200
MATCH (ring:Ring)
WHERE (size($statuses) = 0 OR coalesce(ring.status, 'new') IN $statuses)
  AND coalesce(ring.score, 0.0) >= $min_score
  AND ($signal = '' OR $signal IN coalesce(ring.signals, []))
  AND ($label = '' OR $label IN coalesce(ring.labels, []))
  AND ($include_retired OR NOT coalesce(ring.retired, false))
WITH ring
ORDER BY ring.score DESC, ring.ring_id
LIMIT $limit
CALL (ring) {
  OPTIONAL MATCH (ring)-[m:HAS_MEMBER]->(a:Account)
  WHERE NOT coalesce(m.removed, false)
  RETURN count(a) AS members,
         sum(coalesce(a.exchanges, 0)) AS exchanges,
         sum(coalesce(a.input_tokens, 0) + coalesce(a.output_tokens, 0)) AS tokens,
         min(a.created_at) AS first_activity,
         max(coalesce(a.last_exchange, a.created_at)) AS last_activity
}
RETURN ring.ring_id AS ring_id,
       ring.score AS score,
       members AS size,
       coalesce(ring.signals, []) AS signals,
       coalesce(ring.status, 'new') AS status,
       coalesce(ring.labels, []) AS labels,
       ring.assignee AS assignee,
       exchanges,
       tokens,
       first_activity,
       last_activity,
       ring.detected_at AS detected_at
ORDER BY score DESC, ring_id
