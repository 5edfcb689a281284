// name: search_email
// title: Search by e-mail address or e-mail domain
// description: Accounts whose e-mail starts with q (a whole address finds that account), and e-mail domains starting with q (a leading @ is ignored).
//   Results: kind, key, name, detail and links (relationships to accounts or identifiers).
// category: exploration
// mode: read
// version: 1
// param: q           -- an e-mail address or its beginning, or a domain (example.com or @example.com)
// param: limit = 50  -- results returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param q => 'ops@example.com'
// :param limit => 50
CALL () {
  MATCH (n:Account) WHERE n.email STARTS WITH $q
  RETURN n ORDER BY n.email LIMIT $limit
  UNION
  MATCH (n:EmailDomain) WHERE n.domain STARTS WITH (CASE WHEN $q STARTS WITH '@' THEN substring($q, 1) ELSE $q END)
  RETURN n ORDER BY n.domain LIMIT $limit
}
RETURN labels(n)[0] AS kind,
       coalesce(n.account_id, n.instrument_id, n.device_id, n.address, n.fingerprint, n.domain, n.org_id) AS key,
       CASE WHEN n:Account THEN n.display_name END AS name,
       CASE
         WHEN n:Account THEN n.email
         WHEN n:PaymentInstrument THEN trim(coalesce(n.kind, "") + " " + coalesce(n.bin, "") + " " + coalesce(n.issuer_country, ""))
         WHEN n:Device THEN n.user_agent
         WHEN n:IP THEN trim(coalesce(n.kind, "") + " " + coalesce(n.as_org, "") + " " + coalesce(n.country, "") + " " + coalesce(n.network, ""))
         WHEN n:PromptTemplate THEN toString(coalesce(n.accounts, 0)) + " accounts, " + toString(coalesce(n.exchanges, 0)) + " exchanges"
       END AS detail,
       COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS links
ORDER BY kind, key
LIMIT $limit
