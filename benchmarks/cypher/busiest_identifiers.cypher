// name: busiest_identifiers
// title: The identifiers linked to the most accounts, per kind (benchmark input)
// description: For each identifier kind (PaymentInstrument, Device, IP, PromptTemplate,
//   EmailDomain, Org), the per_kind nodes with the most links: shared webmail domains, CGNAT
//   and VPN exits, public templates. Benchmarks expand and look them up to measure the worst
//   case an investigator can click on. Reads every identifier's degree: seconds on a large graph.
// category: evaluation
// mode: read
// version: 1
// param: per_kind = 5  -- identifiers of one kind returned
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param per_kind => 5
CALL () {
  MATCH (n:PaymentInstrument)
  WITH n, COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS links ORDER BY links DESC LIMIT $per_kind
  RETURN 'PaymentInstrument' AS kind, n.instrument_id AS key, links
  UNION ALL
  MATCH (n:Device)
  WITH n, COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS links ORDER BY links DESC LIMIT $per_kind
  RETURN 'Device' AS kind, n.device_id AS key, links
  UNION ALL
  MATCH (n:IP)
  WITH n, COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS links ORDER BY links DESC LIMIT $per_kind
  RETURN 'IP' AS kind, n.address AS key, links
  UNION ALL
  MATCH (n:PromptTemplate)
  WITH n, COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS links ORDER BY links DESC LIMIT $per_kind
  RETURN 'PromptTemplate' AS kind, n.fingerprint AS key, links
  UNION ALL
  MATCH (n:EmailDomain)
  WITH n, COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS links ORDER BY links DESC LIMIT $per_kind
  RETURN 'EmailDomain' AS kind, n.domain AS key, links
  UNION ALL
  MATCH (n:Org)
  WITH n, COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS links ORDER BY links DESC LIMIT $per_kind
  RETURN 'Org' AS kind, n.org_id AS key, links
}
RETURN kind, key, links
ORDER BY kind, links DESC, key
