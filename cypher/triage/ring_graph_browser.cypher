// name: ring_graph_browser
// title: Ring graph for Neo4j Browser: the ring, its members and shared identifiers as a graph
// description: The graph the ring view draws, as nodes and relationships (not maps), so Neo4j
//   Browser draws it and Bloom or any driver gets graph values: the Ring, its current members
//   (highest member score first, at most max_members) with their HAS_MEMBER relationships, every
//   identifier (payment instrument, device, IP, prompt template, e-mail domain, org) that at least
//   min_shared of those members used (at most max_per_kind of each kind, the most shared first),
//   and the account-to-identifier relationships between them. The same choice as ring_graph,
//   within the same link budget (max_links; identifiers whose links would pass it are left out).
//   One row: ring (a node), members, memberships (HAS_MEMBER), identifiers and links (lists of
//   nodes and relationships). Browser shows 300 nodes at first (its initialNodeDisplay setting): raise it for a bigger ring.
// category: triage
// mode: read
// version: 1
// param: ring_id            -- the ring's ring_id
// param: min_shared = 2     -- an identifier is drawn when at least this many members used it
// param: max_members = 250  -- members drawn at most (highest member score first)
// param: max_identifiers = 250 -- identifiers drawn at most (each kind's most shared first, kinds taking turns)
// param: max_per_kind = 50  -- identifiers of one kind drawn at most
// param: max_links = 4000   -- links drawn at most (identifiers that would pass it are left out)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
// :param min_shared => 2
// :param max_members => 250
// :param max_identifiers => 250
// :param max_per_kind => 50
// :param max_links => 4000
MATCH (ring:Ring {ring_id: $ring_id})-[m:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(m.removed, false)
WITH ring, m, a ORDER BY m.score DESC, a.account_id LIMIT $max_members
WITH ring, collect(a) AS members, collect(m) AS memberships
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
  WITH reduce(acc = {kept: [], links: 0}, q IN ordered[..$max_identifiers] |
         CASE WHEN acc.links + size(q.rels) <= $max_links
              THEN {kept: acc.kept + [q], links: acc.links + size(q.rels)} ELSE acc END) AS budget
  RETURN [q IN budget.kept | q.x] AS identifiers,
         reduce(rs = [], q IN budget.kept | rs + q.rels) AS links
}
RETURN ring, members, memberships, identifiers, links
