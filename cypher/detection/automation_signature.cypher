// name: automation_signature
// title: Accounts that behave like scripts
// description: Usage features of each account from its exchange aggregates:
//   round-the-clock activity (`quiet_ratio`: the share of its traffic in its quietest six
//   consecutive UTC hours, relative to the 0.25 a flat schedule gives; a person who sleeps
//   scores near 0), `coverage` (active days over the days between its first and last
//   exchange), `steadiness` (1 / (1 + coefficient of variation of daily volume)),
//   volume per active day and output tokens per exchange. `automation_score` is
//   quiet_ratio x coverage x steadiness. Pass $account_ids to profile given accounts
//   (the ring builder does), or leave it null to list every account with at least
//   $min_exchanges exchanges and an automation_score of at least $min_score.
//   Automation alone is not abuse (service accounts and researchers run scripts): the
//   ring builder uses it only inside groups already tied by shared identifiers.
// category: detection
// mode: read
// rows: values
// version: 1
// param: account_ids = null   -- accounts to profile; null: every account passing the thresholds
// param: min_exchanges = 50   -- accounts with fewer exchanges are left out (null account_ids only)
// param: min_score = 0.5      -- automation_score at least (null account_ids only)
// param: limit = 1000000      -- rows returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param account_ids => null
// :param min_exchanges => 50
// :param min_score => 0.5
// :param limit => 1000000
CALL () {
  WITH $account_ids AS ids WHERE ids IS NOT NULL
  UNWIND ids AS id
  MATCH (a:Account {account_id: id})
  RETURN a, true AS given
  UNION ALL
  WITH $account_ids AS ids WHERE ids IS NULL
  MATCH (a:Account) WHERE a.exchanges >= $min_exchanges
  RETURN a, false AS given
}
WITH a, given, coalesce(a.hour_profile, []) AS hp, coalesce(a.daily_counts, []) AS dc,
     toFloat(coalesce(a.exchanges, 0)) AS x
WITH a, given, hp, dc, x, toFloat(reduce(s = 0, c IN hp | s + c)) AS hp_total,
     [h IN range(0, size(hp) - 1) | reduce(s = 0, k IN range(0, 5) | s + hp[(h + k) % size(hp)])] AS windows,
     toFloat(size(dc)) AS days_active,
     CASE WHEN size(dc) > 0 THEN toFloat(reduce(s = 0, c IN dc | s + c)) / size(dc) ELSE 0.0 END AS day_mean
WITH a, given, x, hp_total, days_active, day_mean,
     CASE WHEN hp_total > 0 AND size(windows) = 24
          THEN reduce(m = hp_total, w IN windows | CASE WHEN w < m THEN toFloat(w) ELSE m END) / hp_total / 0.25
          ELSE 0.0 END AS quiet_ratio,
     CASE WHEN size(dc) > 1 AND day_mean > 0
          THEN sqrt(reduce(s = 0.0, c IN dc | s + (c - day_mean) ^ 2) / size(dc)) / day_mean
          ELSE 1.0 END AS daily_cv,
     CASE WHEN a.first_exchange IS NOT NULL AND a.last_exchange IS NOT NULL
          THEN duration.inDays(date(a.first_exchange), date(a.last_exchange)).days + 1
          ELSE 0 END AS span_days
WITH a, given, x, hp_total, daily_cv, span_days,
     CASE WHEN quiet_ratio > 1.0 THEN 1.0 ELSE quiet_ratio END AS quiet_ratio,
     CASE WHEN span_days > 0 THEN toFloat(coalesce(a.active_days, days_active)) / span_days ELSE 0.0 END AS coverage,
     1.0 / (1.0 + daily_cv) AS steadiness,
     toFloat(coalesce(a.active_days, days_active)) AS active_days
WITH a, given, x, daily_cv, span_days, quiet_ratio, steadiness, active_days,
     CASE WHEN coverage > 1.0 THEN 1.0 ELSE coverage END AS coverage
WITH a, given, x, daily_cv, span_days, quiet_ratio, steadiness, active_days, coverage,
     quiet_ratio * coverage * steadiness AS automation_score
WHERE given OR automation_score >= $min_score
RETURN a.account_id AS account_id, toInteger(x) AS exchanges, toInteger(active_days) AS active_days,
       span_days,
       CASE WHEN active_days > 0 THEN x / active_days ELSE 0.0 END AS exchanges_per_active_day,
       CASE WHEN x > 0 THEN toFloat(coalesce(a.output_tokens, 0)) / x ELSE 0.0 END AS output_per_exchange,
       round(quiet_ratio, 4) AS quiet_ratio, round(coverage, 4) AS coverage, round(steadiness, 4) AS steadiness,
       round(automation_score, 4) AS automation_score,
       a.org_id AS org_id, a.tier AS tier, a.created_at.epochSeconds AS created_s
ORDER BY automation_score DESC, exchanges DESC, account_id
LIMIT $limit
