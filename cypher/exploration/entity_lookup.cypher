// name: entity_lookup
// title: One account or identifier with its links and rings
// description: The node itself, how many relationships of each type it has, and the rings whose
//   case includes it (for an account) or includes an account that used it (for an identifier).
//   Rings are looked up through an identifier's accounts only when it has at most max_walk of
//   them: one shared by hundreds of thousands (a webmail domain, a public template) is no
//   evidence, and walking it would take seconds; then rings_listed is false.
// category: exploration
// mode: read
// version: 2
// param: kind        -- node label: Account, PaymentInstrument, Device, IP, PromptTemplate, EmailDomain or Org
// param: key         -- the node's key: account_id, instrument_id, device_id, address, fingerprint, domain or org_id
// param: max_rings = 50 -- rings listed at most
// param: max_walk = 20000 -- an identifier's rings are listed when it links at most this many accounts
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param kind => 'Account'
// :param key => 'acc-0001'
// :param max_rings => 50
// :param max_walk => 20000
CALL () {
  MATCH (n:Account {account_id: $key}) WHERE $kind = 'Account' RETURN n
  UNION
  MATCH (n:PaymentInstrument {instrument_id: $key}) WHERE $kind = 'PaymentInstrument' RETURN n
  UNION
  MATCH (n:Device {device_id: $key}) WHERE $kind = 'Device' RETURN n
  UNION
  MATCH (n:IP {address: $key}) WHERE $kind = 'IP' RETURN n
  UNION
  MATCH (n:PromptTemplate {fingerprint: $key}) WHERE $kind = 'PromptTemplate' RETURN n
  UNION
  MATCH (n:EmailDomain {domain: $key}) WHERE $kind = 'EmailDomain' RETURN n
  UNION
  MATCH (n:Org {org_id: $key}) WHERE $kind = 'Org' RETURN n
}
// Counts by type come from the degree store: no relationship is read, even on a supernode.
WITH n, [link IN [
    {type: 'HAS_EMAIL_DOMAIN', links: COUNT { (n)-[:HAS_EMAIL_DOMAIN]-() }},
    {type: 'IN_ORG', links: COUNT { (n)-[:IN_ORG]-() }},
    {type: 'PAID_WITH', links: COUNT { (n)-[:PAID_WITH]-() }},
    {type: 'SENT_TEMPLATE', links: COUNT { (n)-[:SENT_TEMPLATE]-() }},
    {type: 'USED_DEVICE', links: COUNT { (n)-[:USED_DEVICE]-() }},
    {type: 'USED_IP', links: COUNT { (n)-[:USED_IP]-() }}
  ] WHERE link.links > 0] AS links
WITH n, links, reduce(total = 0, link IN links | total + link.links) AS total
CALL (n, total) {
  CALL (n, total) {
    MATCH (ring:Ring)-[m:HAS_MEMBER]->(n)
    WHERE NOT coalesce(m.removed, false)
    RETURN ring
    UNION
    WITH n WHERE NOT n:Account AND total <= $max_walk
    MATCH (ring:Ring)-[m:HAS_MEMBER]->(:Account)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]->(n)
    WHERE NOT coalesce(m.removed, false)
    RETURN ring
  }
  WITH ring
  ORDER BY ring.score DESC, ring.ring_id
  LIMIT $max_rings
  RETURN collect({ring_id: ring.ring_id, score: ring.score, status: coalesce(ring.status, 'new')}) AS rings
}
RETURN n, labels(n)[0] AS kind, links, rings, n:Account OR total <= $max_walk AS rings_listed
LIMIT 1
