// name: ring_summary
// title: One ring: detection result, investigator status and activity totals
// description: The ring's score, signals, evidence (JSON text written by detection), status, labels
//   and note, with totals over its current members (exchanges, tokens, first sign-up, last
//   exchange), the number of members an investigator removed, and how many identifiers of each
//   kind at least two current members share, and whether detection's latest run weakened the
//   finding (detection_status weakened or stale, when, and what changed).
// category: triage
// mode: read
// version: 2
// param: ring_id -- the ring's ring_id
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
MATCH (ring:Ring {ring_id: $ring_id})
CALL (ring) {
  OPTIONAL MATCH (ring)-[m:HAS_MEMBER]->(a:Account)
  WITH m, a
  RETURN count(CASE WHEN NOT coalesce(m.removed, false) THEN a END) AS members,
         count(CASE WHEN coalesce(m.removed, false) THEN a END) AS removed,
         sum(CASE WHEN coalesce(m.removed, false) THEN 0 ELSE coalesce(a.exchanges, 0) END) AS exchanges,
         sum(CASE WHEN coalesce(m.removed, false) THEN 0
                  ELSE coalesce(a.input_tokens, 0) + coalesce(a.output_tokens, 0) END) AS tokens,
         min(CASE WHEN NOT coalesce(m.removed, false) THEN a.created_at END) AS first_signup,
         max(CASE WHEN NOT coalesce(m.removed, false) THEN a.created_at END) AS last_signup,
         max(CASE WHEN NOT coalesce(m.removed, false) THEN a.last_exchange END) AS last_exchange
}
CALL (ring) {
  OPTIONAL MATCH (ring)-[m:HAS_MEMBER]->(a:Account)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]->(x)
  WHERE NOT coalesce(m.removed, false)
  WITH x, count(DISTINCT a) AS linked
  WHERE linked >= 2
  WITH labels(x)[0] AS kind, count(x) AS identifiers ORDER BY kind
  RETURN collect({kind: kind, identifiers: identifiers}) AS shared
}
RETURN ring.ring_id AS ring_id,
       ring.score AS score,
       ring.size AS detected_size,
       coalesce(ring.signals, []) AS signals,
       ring.evidence AS evidence,
       ring.detected_at AS detected_at,
       ring.detection_version AS detection_version,
       coalesce(ring.status, 'new') AS status,
       coalesce(ring.labels, []) AS labels,
       coalesce(ring.note, '') AS note,
       coalesce(ring.detection_status, 'active') AS detection_status,
       coalesce(ring.weakened, false) AS weakened, ring.weakened_at AS weakened_at,
       ring.weakened_reason AS weakened_reason,
       members, removed, exchanges, tokens, first_signup, last_signup, last_exchange, shared
LIMIT 1
