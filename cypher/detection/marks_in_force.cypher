// name: marks_in_force
// title: Investigators' marks that detection reads
// description: Every mark in force (verdict known_bad or known_good, cleared ones left
//   out) on an account, payment instrument, device, IP address or prompt template: its
//   kind, key and verdict. Detection drops known-good identifiers from its links and
//   known-good accounts from its rings, and counts known-bad ones as evidence of a
//   kind of its own (README "The decision rule"). E-mail and e-mail-domain marks feed
//   the recidivism alert only.
// category: detection
// mode: read
// rows: values
// version: 1
// param: limit = 1000000  -- marks returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 1000000
MATCH (m:Mark)
WHERE m.verdict IN ['known_bad', 'known_good']
  AND m.kind IN ['account', 'instrument', 'device', 'ip', 'template']
RETURN m.kind AS kind, m.key AS key, m.verdict AS verdict, m.by AS by
ORDER BY m.kind, m.key
LIMIT $limit
