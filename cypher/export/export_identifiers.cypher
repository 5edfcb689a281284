// name: export_identifiers
// title: Identifiers a ring's accounts share, for identifiers.csv
// description: Payment instruments, devices, IPs and prompt templates used by at least
//   $min_shared accounts of the ring's case, with those accounts, when the sharing was first
//   and last seen, and what is known about the identifier (card kind/BIN/issuer country,
//   user agent, ASN/network/kind of an IP, template totals). Ordered by kind and identifier.
// category: export
// mode: read
// version: 2
// param: ring_id          -- the ring to export
// param: min_shared = 2   -- an identifier is listed when at least this many case accounts used it
// param: limit = 1000000  -- identifiers returned at most (the export refuses to cut a list short)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
// :param min_shared => 2
// :param limit => 1000000
MATCH (:Ring {ring_id: $ring_id})-[m:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(m.removed, false)
MATCH (a)-[u:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE]->(x)
WITH x, collect(DISTINCT a.account_id) AS members, min(u.first_seen) AS first_seen, max(u.last_seen) AS last_seen
WHERE size(members) >= $min_shared
WITH x, members, first_seen, last_seen,
     CASE
       WHEN x:PaymentInstrument THEN 'instrument'
       WHEN x:Device THEN 'device'
       WHEN x:IP THEN 'ip'
       ELSE 'template'
     END AS kind
RETURN kind,
       coalesce(x.instrument_id, x.device_id, x.address, x.fingerprint) AS identifier,
       size(members) AS shared_by,
       members,
       first_seen,
       last_seen,
       x {.kind, .bin, .issuer_country, .user_agent, .asn, .as_org, .country, .network, .accounts, .exchanges} AS attributes
ORDER BY kind, identifier
LIMIT $limit
