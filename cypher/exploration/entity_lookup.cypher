// name: entity_lookup
// title: One account or identifier with its links and rings
// description: The node itself, how many relationships of each type it has, and the rings whose
//   case includes it (for an account) or includes an account that used it (for an identifier).
// category: exploration
// mode: read
// version: 1
// param: kind        -- node label: Account, PaymentInstrument, Device, IP, PromptTemplate, EmailDomain or Org
// param: key         -- the node's key: account_id, instrument_id, device_id, address, fingerprint, domain or org_id
// param: max_rings = 50 -- rings listed at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param kind => 'Account'
// :param key => 'acc-0001'
// :param max_rings => 50
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
CALL (n) {
  OPTIONAL MATCH (n)-[r:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-()
  WITH type(r) AS type, count(r) AS links
  WHERE type IS NOT NULL
  ORDER BY type
  RETURN collect({type: type, links: links}) AS links
}
CALL (n) {
  CALL (n) {
    MATCH (ring:Ring)-[m:HAS_MEMBER]->(n)
    WHERE NOT coalesce(m.removed, false)
    RETURN ring
    UNION
    MATCH (ring:Ring)-[m:HAS_MEMBER]->(:Account)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]->(n)
    WHERE NOT coalesce(m.removed, false)
    RETURN ring
  }
  WITH ring
  ORDER BY ring.score DESC, ring.ring_id
  LIMIT $max_rings
  RETURN collect({ring_id: ring.ring_id, score: ring.score, status: coalesce(ring.status, 'new')}) AS rings
}
RETURN n, labels(n)[0] AS kind, links, rings
LIMIT 1
