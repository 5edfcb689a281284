// name: ring_daily_exchanges
// title: Ring timeline: API exchanges per day
// description: Exchanges per day summed over the ring's current members (from each account's
//   daily_dates / daily_counts lists).
// category: triage
// mode: read
// version: 1
// param: ring_id      -- the ring's ring_id
// param: limit = 3660 -- days returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
// :param limit => 3660
MATCH (:Ring {ring_id: $ring_id})-[m:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(m.removed, false) AND a.daily_dates IS NOT NULL
UNWIND range(0, size(a.daily_dates) - 1) AS i
WITH a.daily_dates[i] AS day, coalesce(a.daily_counts[i], 0) AS exchanges
RETURN day, sum(exchanges) AS exchanges, count(*) AS active_accounts
ORDER BY day
LIMIT $limit
