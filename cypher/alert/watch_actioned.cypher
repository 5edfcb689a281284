// name: alert_watch_actioned
// title: Record the activity of accounts just actioned
// description: For each case account of a ring exported for enforcement while confirmed or
//   escalated, creates once an (:ActionWatch {ring_id, account_id}) holding the account's
//   activity at that moment (exchanges plus sign-ins), so the actioned_active rule can tell
//   later whether it came back. `ringscope cycle` runs it before ingesting the new day, so
//   the baseline is the data the investigator acted on. Existing watches are left alone.
// category: alert
// mode: write
// version: 1
// param: statuses = ["confirmed", "escalated"]  -- statuses of exported rings whose accounts were actioned
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param statuses => ['confirmed', 'escalated']
MATCH (r:Ring)<-[:INCLUDES]-(:Export)
WHERE r.status IN $statuses
MATCH (r)-[h:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(h.removed, false)
WITH DISTINCT r, a
MERGE (w:ActionWatch {ring_id: r.ring_id, account_id: a.account_id})
ON CREATE SET w.since = datetime(),
              w.activity = coalesce(a.exchanges, 0)
                + COLLECT { MATCH (a)-[u:USED_IP]->() RETURN sum(coalesce(u.logins, 0)) AS n }[0],
              w.last_exchange = a.last_exchange,
              w._new = true
MERGE (w)-[:WATCHES]->(a)
WITH w, coalesce(w._new, false) AS created
REMOVE w._new
RETURN count(*) AS watched, sum(CASE WHEN created THEN 1 ELSE 0 END) AS created
