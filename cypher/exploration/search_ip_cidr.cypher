// name: search_ip_cidr
// title: Search IP addresses inside a CIDR block
// description: IPs inside an address block. The app derives the parameters from a CIDR such as
//   203.0.113.0/24: prefix is text every address in the block starts with (narrows the search on
//   the address index); for IPv4, lo and hi are the block's first and last address as numbers and
//   the query checks them exactly; for IPv6 (family 6) the query matches the prefix and the app
//   checks the block exactly.
//   Results: kind, key, name, detail and links (relationships to accounts).
// category: exploration
// mode: read
// version: 1
// param: prefix            -- text every address in the block starts with ('' scans every IP)
// param: family = 4        -- 4 for IPv4, 6 for IPv6
// param: lo = 0            -- IPv4: the block's first address as a number
// param: hi = 4294967295   -- IPv4: the block's last address as a number
// param: limit = 200       -- results returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first (203.0.113.0/24):
// :param prefix => '203.0.113.'
// :param family => 4
// :param lo => 3405803776
// :param hi => 3405804031
// :param limit => 200
MATCH (n:IP)
WHERE n.address STARTS WITH $prefix
  AND (n.address CONTAINS ':') = ($family = 6)
WITH n, [part IN split(n.address, '.') | toInteger(part)] AS o
WHERE $family = 6
   OR (size(o) = 4 AND none(part IN o WHERE part IS NULL)
       AND o[0] * 16777216 + o[1] * 65536 + o[2] * 256 + o[3] >= $lo
       AND o[0] * 16777216 + o[1] * 65536 + o[2] * 256 + o[3] <= $hi)
WITH n ORDER BY n.address LIMIT $limit
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
