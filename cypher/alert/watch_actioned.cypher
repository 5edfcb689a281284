// name: alert_watch_actioned
// title: Record the activity of accounts just actioned
// description: For each account that was in the case of a ring when it was exported for
//   enforcement (the ring now confirmed or escalated), creates once an
//   (:ActionWatch {ring_id, account_id}) holding the account's activity at that moment
//   (exchanges plus sign-ins), so the actioned_active rule can tell
//   later whether it came back. `ringscope cycle` runs it before ingesting the new day, so
//   the baseline is the data the investigator acted on. Existing watches are left alone.
// category: alert
// mode: write
// version: 1
// param: statuses = ["confirmed", "escalated"]  -- statuses of exported rings whose accounts were actioned
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param statuses => ['confirmed', 'escalated']
MATCH (r:Ring)<-[:INCLUDES]-(x:Export)
WHERE r.status IN $statuses
MATCH (r)-[h:HAS_MEMBER]->(a:Account)
// in the case when the bundle was written: detection stamps added_at; accounts investigators
// added carry no stamp and count (their addition was a decision about this case)
WHERE NOT coalesce(h.removed, false) AND coalesce(h.added_at, x.at) <= x.at
WITH DISTINCT r, a
WITH r, a, coalesce(a.exchanges, 0)
     + COLLECT { MATCH (a)-[u:USED_IP]->() RETURN sum(coalesce(u.logins, 0)) AS n }[0] AS activity
MERGE (w:ActionWatch {ring_id: r.ring_id, account_id: a.account_id})
ON CREATE SET w.since = datetime(), w.activity = activity, w.last_exchange = a.last_exchange, w._new = true
MERGE (w)-[:WATCHES]->(a)
WITH w, coalesce(w._new, false) AS created
REMOVE w._new
RETURN count(*) AS watched, sum(CASE WHEN created THEN 1 ELSE 0 END) AS created
