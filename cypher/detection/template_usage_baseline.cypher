// name: template_usage_baseline
// title: How heavily an ordinary shared template is sent
// description: Over every template sent by at least $min_accounts accounts: the median
//   and 90th percentile of exchanges per sending account, and how many such templates
//   exist. The template co-usage signal calls a template "sent heavily" relative to
//   this median, not to a fixed count, so it reads a week and a quarter of traffic alike.
// category: detection
// mode: read
// version: 1
// param: min_accounts = 2   -- templates sent by fewer accounts are left out
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_accounts => 2
MATCH (t:PromptTemplate)
WITH t, coalesce(t.accounts, COUNT { (t)<-[:SENT_TEMPLATE]-() }) AS n
WHERE n >= $min_accounts
WITH toFloat(coalesce(t.exchanges, n)) / n AS per_account
RETURN count(*) AS shared_templates,
       percentileCont(per_account, 0.5) AS exchanges_per_template_p50,
       percentileCont(per_account, 0.9) AS exchanges_per_template_p90
