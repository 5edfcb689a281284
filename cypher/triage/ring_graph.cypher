// name: ring_graph
// title: Ring graph: members and the identifiers they share
// description: The ring's current members (highest member score first, at most max_members) and
//   every identifier (payment instrument, device, IP, prompt template, e-mail domain, org) that
//   at least min_shared of those members used (at most max_per_kind of each kind, so rare strong
//   links such as cards and devices show next to a proxy pool's many IPs), with the relationships
//   between them. One row: members and identifiers as maps (label, key, properties; times as
//   text) and links as lists [account_id, type, label, key, count, logins, exchanges, first_seen,
//   last_seen] from an account to an identifier. Plain values,
//   not nodes and relationships: drivers decode them many times faster (a 500-node view has
//   thousands of links with timestamps). At most max_links links are drawn: identifiers are
//   taken in turn order and one whose links would pass the budget is left out (smaller ones
//   after it still fit), so a ring whose members all share dozens of templates stays readable
//   and fast to draw; left_out counts the identifiers that qualified but were not drawn.
// category: triage
// mode: read
// version: 2
// param: ring_id            -- the ring's ring_id
// param: min_shared = 2     -- an identifier is drawn when at least this many members used it
// param: max_members = 250  -- members drawn at most (highest member score first)
// param: max_identifiers = 250 -- identifiers drawn at most (each kind's most shared first, kinds taking turns)
// param: max_per_kind = 50  -- identifiers of one kind drawn at most, so cards and devices are never crowded out by proxy IPs
// param: max_links = 4000   -- links drawn at most (identifiers that would pass it are left out)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
// :param min_shared => 2
// :param max_members => 250
// :param max_identifiers => 250
// :param max_per_kind => 50
// :param max_links => 4000
MATCH (:Ring {ring_id: $ring_id})-[m:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(m.removed, false)
WITH a ORDER BY m.score DESC, a.account_id LIMIT $max_members
WITH collect(a) AS members
CALL (members) {
  UNWIND members AS a
  MATCH (a)-[r:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]->(x)
  WITH x, collect(r) AS rels
  WHERE size(rels) >= $min_shared
  WITH labels(x)[0] AS kind, x, rels
  ORDER BY size(rels) DESC, coalesce(x.instrument_id, x.device_id, x.address, x.fingerprint, x.domain, x.org_id)
  WITH kind, collect({x: x, rels: rels})[..$max_per_kind] AS picked
  UNWIND range(0, size(picked) - 1) AS rank
  WITH picked[rank] AS p, rank
  ORDER BY rank, size(p.rels) DESC
  WITH collect(p) AS ordered
  WITH ordered, reduce(acc = {kept: [], links: 0}, q IN ordered[..$max_identifiers] |
         CASE WHEN acc.links + size(q.rels) <= $max_links
              THEN {kept: acc.kept + [q], links: acc.links + size(q.rels)} ELSE acc END) AS budget
  RETURN [q IN budget.kept | q.x] AS identifiers,
         reduce(rs = [], q IN budget.kept | rs + q.rels) AS relationships,
         size(ordered) - size(budget.kept) AS left_out
}
RETURN [a IN members | {label: 'Account', key: a.account_id,
          props: a {.display_name, .email, .country, .org_id, .tier, .exchanges,
                    created_at: toString(a.created_at), first_exchange: toString(a.first_exchange),
                    last_exchange: toString(a.last_exchange)}}] AS members,
       [x IN identifiers | {label: labels(x)[0],
          key: coalesce(x.instrument_id, x.device_id, x.address, x.fingerprint, x.domain, x.org_id),
          props: properties(x)}] AS identifiers,
       [r IN relationships | [startNode(r).account_id, type(r), labels(endNode(r))[0],
          coalesce(endNode(r).instrument_id, endNode(r).device_id, endNode(r).address,
                   endNode(r).fingerprint, endNode(r).domain, endNode(r).org_id),
          r.count, r.logins, r.exchanges, toString(r.first_seen), toString(r.last_seen)]] AS links,
       left_out
