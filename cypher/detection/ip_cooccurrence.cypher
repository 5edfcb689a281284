// name: ip_cooccurrence
// title: IP addresses shared by several accounts, weighed against supernodes
// description: Addresses used by between $min_accounts and $max_accounts accounts, each
//   with a weight = kind weight / log2(1 + accounts): shared carrier CGNAT egresses,
//   VPN exits, campus and corporate NATs are down-weighted by their ip_intel kind
//   ($kind_weights; unknown kinds get $unknown_kind_weight), and every address by its
//   rarity. Members carry when they used the address, so the ring builder pairs only
//   accounts whose use overlaps in time (within a window): a residential-proxy exit
//   used by many ring accounts in the same days, not a household address seen months apart.
//   With $sample_above set, an address shared by n > $sample_above accounts is kept
//   with probability $sample_above / n (a fixed hash of the address decides, so runs
//   agree): its weight per pair is small, and a ring sharing hundreds of such exits
//   still shares dozens in the sample, while the work per address stays bounded.
// category: detection
// mode: read
// rows: values
// version: 2
// param: min_accounts = 2     -- accounts an address must be used by at least
// param: max_accounts = 500   -- addresses used by more accounts are supernodes and left out
// param: kind_weights = {"mobile": 0.2, "vpn": 0.3, "education": 0.3, "corporate": 0.5, "hosting": 1.0, "proxy": 1.0, "residential": 1.0}  -- weight per ip_intel kind
// param: unknown_kind_weight = 0.8   -- weight of an address whose kind intel does not know
// param: min_weight = 0.0     -- addresses weighing less are left out
// param: sample_above = null  -- addresses shared by more accounts are kept with probability sample_above / accounts; null: all
// param: limit = 1000000      -- groups returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_accounts => 2
// :param max_accounts => 500
// :param kind_weights => {mobile: 0.2, vpn: 0.3, education: 0.3, corporate: 0.5, hosting: 1.0, proxy: 1.0, residential: 1.0}
// :param unknown_kind_weight => 0.8
// :param min_weight => 0.0
// :param sample_above => null
// :param limit => 1000000
MATCH (ip:IP)
WITH ip, COUNT { (ip)<-[:USED_IP]-() } AS n
WHERE n >= $min_accounts AND n <= $max_accounts
WITH ip, n,
     coalesce($kind_weights[coalesce(ip.kind, '')], $unknown_kind_weight) / (log(1.0 + n) / log(2.0)) AS weight
WHERE weight >= $min_weight
// large groups are sampled: a fixed hash of the address in [0, 1) decides
WITH ip, n, weight,
     reduce(v = 0, c IN split(substring(apoc.util.md5([ip.address]), 0, 4), '') |
            v * 16 + size(split('0123456789abcdef', c)[0])) / 65536.0 AS draw
WHERE $sample_above IS NULL OR n <= $sample_above OR draw < toFloat($sample_above) / n
CALL (ip) {
  MATCH (ip)<-[r:USED_IP]-(a:Account)
  RETURN collect(a.account_id) AS accounts,
         collect(coalesce(r.first_seen, a.created_at).epochSeconds) AS first_seen_s,
         collect(coalesce(r.last_seen, r.first_seen, a.created_at).epochSeconds) AS last_seen_s
}
RETURN ip.address AS identifier, ip.kind AS kind, ip.network AS network, ip.asn AS asn,
       n AS account_count, weight, accounts, first_seen_s, last_seen_s
LIMIT $limit
