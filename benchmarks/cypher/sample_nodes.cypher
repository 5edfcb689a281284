// name: sample_nodes
// title: A random sample of accounts and identifiers (benchmark input)
// description: About per_kind nodes of each kind (Account, PaymentInstrument, Device, IP,
//   PromptTemplate, EmailDomain, Org), each node of a kind kept with the same probability so the
//   sample is spread over the whole store (not its first pages), with its number of links.
//   Benchmarks draw the ids they look up from it, so they measure what an investigator meets
//   rather than ids picked by hand.
// category: evaluation
// mode: read
// version: 1
// param: per_kind = 200   -- nodes of one kind sampled on average (fewer when the kind has fewer)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param per_kind => 200
CALL () {
  MATCH (n:Account) WITH count(n) AS total
  MATCH (n:Account) WHERE rand() * total < $per_kind RETURN n, n.account_id AS key
  UNION ALL
  MATCH (n:PaymentInstrument) WITH count(n) AS total
  MATCH (n:PaymentInstrument) WHERE rand() * total < $per_kind RETURN n, n.instrument_id AS key
  UNION ALL
  MATCH (n:Device) WITH count(n) AS total
  MATCH (n:Device) WHERE rand() * total < $per_kind RETURN n, n.device_id AS key
  UNION ALL
  MATCH (n:IP) WITH count(n) AS total
  MATCH (n:IP) WHERE rand() * total < $per_kind RETURN n, n.address AS key
  UNION ALL
  MATCH (n:PromptTemplate) WITH count(n) AS total
  MATCH (n:PromptTemplate) WHERE rand() * total < $per_kind RETURN n, n.fingerprint AS key
  UNION ALL
  MATCH (n:EmailDomain) WITH count(n) AS total
  MATCH (n:EmailDomain) WHERE rand() * total < $per_kind RETURN n, n.domain AS key
  UNION ALL
  MATCH (n:Org) WITH count(n) AS total
  MATCH (n:Org) WHERE rand() * total < $per_kind RETURN n, n.org_id AS key
}
RETURN labels(n)[0] AS kind, key,
       n.email AS email, n.display_name AS display_name, n.network AS network,
       COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS links
