// name: ring_case
// title: Every account a ring's case holds or held, and how it entered it
// description: One row per account the ring's case holds or held: its account_id, who added it
//   (detection or an investigator) and whether an investigator took it out. Only those three
//   values, no times: the ring view marks each account on its graph by its place in the case
//   on every run, and the members table's columns (ring_members) cost ten times as much to read.
// category: triage
// mode: read
// version: 1
// rows: values
// param: ring_id -- the ring's ring_id
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
MATCH (:Ring {ring_id: $ring_id})-[m:HAS_MEMBER]->(a:Account)
RETURN a.account_id AS account_id, m.added_by AS added_by, coalesce(m.removed, false) AS removed
