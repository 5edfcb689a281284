// name: alerts_refused
// title: Alerts an output refused, set aside
// description: Alerts whose `refused` list is not empty: an output (the webhook) refused
//   each of them on its own, so they are no longer sent to it until someone retries them
//   (`ringscope alerts retry`). Newest refusal first, with when and why.
// category: alert
// mode: read
// version: 1
// param: limit = 500   -- alerts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 500
MATCH (x:Alert)
WHERE size(coalesce(x.refused, [])) > 0
RETURN x.alert_id AS alert_id, x.created_at AS created_at, x.kind AS kind, x.severity AS severity,
       x.status AS status, x.ring_id AS ring_id, x.account_ids AS account_ids, x.reason AS reason,
       x.refused AS refused, x.refused_at AS refused_at, x.refused_why AS refused_why
ORDER BY x.refused_at DESC, x.alert_id
LIMIT $limit
