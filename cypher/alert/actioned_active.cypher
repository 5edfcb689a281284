// name: alert_actioned_active
// title: Alert rule: an actioned account is active again
// description: Accounts watched since their ring was exported for enforcement (see
//   alert_watch_actioned) whose activity (exchanges plus sign-ins) grew past the count
//   recorded then: the account was suspended on paper and is still, or again, in use.
//   Each account is reported once per ring. One row per ring, severity high. Read-only.
// category: alert
// mode: read
// version: 1
// param: limit = 10000  -- alerts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 10000
MATCH (w:ActionWatch)-[:WATCHES]->(a:Account)
WHERE NOT EXISTS { (al:Alert {kind: 'actioned_active'})-[:CONCERNS]->(a) WHERE al.ring_id = w.ring_id }
WITH w, a, coalesce(a.exchanges, 0)
     + COLLECT { MATCH (a)-[u:USED_IP]->() RETURN sum(coalesce(u.logins, 0)) AS n }[0] AS activity
WHERE activity > w.activity
WITH w.ring_id AS ring_id, a, activity - w.activity AS since ORDER BY a.account_id
WITH ring_id, collect(a.account_id) AS accounts,
     collect(a.account_id + ' (+' + since + ', last exchange ' + coalesce(toString(a.last_exchange), 'none') + ')') AS why
RETURN 'actioned_active' AS kind,
       ring_id,
       accounts AS account_ids,
       'high' AS severity,
       size(accounts) + ' account(s) of enforced ring ' + ring_id + ' active again: '
         + reduce(s = '', x IN why[..5] | s + CASE WHEN s = '' THEN '' ELSE '; ' END + x)
         + CASE WHEN size(why) > 5 THEN '; +' + (size(why) - 5) + ' more' ELSE '' END AS reason
ORDER BY size(accounts) DESC, ring_id
LIMIT $limit
