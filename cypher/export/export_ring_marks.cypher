// name: export_ring_marks
// title: Marks on a ring's case accounts and what they use, for evidence.json
// description: Every mark in force (known-bad or known-good, `ringscope mark`) on an account
//   in the ring's case, on its e-mail address, or on a card, device, IP, template or e-mail
//   domain it used: the mark (kind, key, verdict, reason, who, when) and which case accounts
//   it reaches, in mark_id order.
// category: export
// mode: read
// version: 1
// param: ring_id  -- the ring to export
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
MATCH (r:Ring {ring_id: $ring_id})-[h:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(h.removed, false)
CALL (a) {
  MATCH (k:Mark {mark_id: 'account:' + a.account_id}) RETURN k
  UNION
  MATCH (k:Mark {mark_id: 'email:' + a.email_mailbox}) RETURN k
  UNION
  MATCH (a)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN]->()<-[:MARKS]-(k:Mark) RETURN k
}
WITH k, a WHERE k.verdict IS NOT NULL
WITH k, collect(DISTINCT a.account_id) AS accounts
RETURN k.mark_id AS mark_id, k.kind AS kind, k.key AS key, k.verdict AS verdict, k.reason AS reason,
       k.at AS at, k.by AS by, k.by_subject AS by_subject, accounts
ORDER BY mark_id
