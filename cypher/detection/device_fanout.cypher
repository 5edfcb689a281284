// name: device_fanout
// title: Device fingerprints shared by several accounts
// description: Device fingerprints (VM images, emulators, a family computer, a managed
//   laptop image) seen on between $min_accounts and $max_accounts accounts, with the
//   accounts and when each used the device. Fingerprints above $max_accounts are
//   supernodes and carry no pairwise evidence; the ring builder weighs the rest by rarity.
// category: detection
// mode: read
// rows: values
// version: 2
// param: min_accounts = 2     -- accounts a device must be seen on at least
// param: max_accounts = 500   -- devices seen on more accounts are left out (supernodes)
// param: limit = 1000000      -- groups returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_accounts => 2
// :param max_accounts => 500
// :param limit => 1000000
MATCH (d:Device)
WITH d, COUNT { (d)<-[:USED_DEVICE]-() } AS n
WHERE n >= $min_accounts AND n <= $max_accounts
CALL (d) {
  MATCH (d)<-[r:USED_DEVICE]-(a:Account)
  RETURN collect(a.account_id) AS accounts,
         collect(coalesce(r.first_seen, a.created_at).epochSeconds) AS first_seen_s,
         collect(coalesce(r.last_seen, r.first_seen, a.created_at).epochSeconds) AS last_seen_s
}
RETURN d.device_id AS identifier, d.user_agent AS user_agent, n AS account_count,
       accounts, first_seen_s, last_seen_s
LIMIT $limit
