// name: neighbourhood
// title: Neighbourhood of an account or identifier (paged)
// description: The nodes one hop from an account (its payment instruments, devices, IPs, prompt
//   templates, e-mail domain, org) or from an identifier (the accounts that used it), with the
//   relationships, in a stable order so a supernode expands page by page with skip and limit.
//   total is the node's full neighbour count (for "show 50 more").
// category: exploration
// mode: read
// version: 1
// param: kind       -- node label: Account, PaymentInstrument, Device, IP, PromptTemplate, EmailDomain or Org
// param: key        -- the node's key: account_id, instrument_id, device_id, address, fingerprint, domain or org_id
// param: skip = 0   -- neighbours to skip (paging)
// param: limit = 50 -- neighbours returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param kind => 'Device'
// :param key => 'dev-0001'
// :param skip => 0
// :param limit => 50
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
WITH n, COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS total
MATCH (n)-[r:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-(m)
WITH n, r, m, total
ORDER BY coalesce(m.account_id, m.instrument_id, m.device_id, m.address, m.fingerprint, m.domain, m.org_id), type(r)
SKIP $skip
LIMIT $limit
RETURN n, r, m, total
