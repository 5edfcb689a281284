// name: behaviour_baseline
// title: What ordinary usage looks like in this graph
// description: Percentiles of exchanges per active day and output tokens per exchange
//   over every account with at least $min_exchanges exchanges, and the number of accounts. The ring builder judges
//   a ring's volume against these figures rather than fixed numbers, so the same
//   detector reads a small trial export and a month of production traffic alike.
// category: detection
// mode: read
// rows: values
// version: 1
// param: min_exchanges = 1   -- accounts with fewer exchanges are left out
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_exchanges => 1
CALL () { MATCH (n:Account) RETURN count(n) AS accounts }
CALL () {
  MATCH (a:Account)
  WHERE a.exchanges >= $min_exchanges
  WITH toFloat(a.exchanges) AS x, toFloat(coalesce(a.active_days, 1)) AS d, toFloat(coalesce(a.output_tokens, 0)) AS o
  WITH x / CASE WHEN d > 0 THEN d ELSE 1.0 END AS per_day, o / x AS out_per_x
  RETURN count(*) AS active_accounts,
         percentileCont(per_day, 0.5) AS per_day_p50,
         percentileCont(per_day, 0.9) AS per_day_p90,
         percentileCont(per_day, 0.99) AS per_day_p99,
         percentileCont(out_per_x, 0.5) AS output_p50,
         percentileCont(out_per_x, 0.9) AS output_p90
}
RETURN accounts, active_accounts, per_day_p50, per_day_p90, per_day_p99, output_p50, output_p90
