// name: entity_marks
// title: Marks on an entity and on what it uses
// description: The mark of one account or identifier, and for an account also the marks of
//   its e-mail address and of every identifier it is linked to (a card, device, IP, template
//   or e-mail domain marked known-bad is evidence about the account). Cleared marks are left
//   out. `via` says how the mark reaches the entity: 'itself', 'e-mail address', or the
//   link type (PAID_WITH, USED_DEVICE, ...).
// category: tagging
// mode: read
// version: 1
// param: kind          -- account, instrument, device, ip, template, email_domain or email
// param: key           -- the entity's key
// param: limit = 200   -- marks returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param kind => 'account'
// :param key => 'acc-0001'
// :param limit => 200
CALL () {
  MATCH (m:Mark {mark_id: $kind + ':' + $key})
  RETURN m, 'itself' AS via
  UNION
  MATCH (a:Account {account_id: $key}) WHERE $kind = 'account'
  MATCH (m:Mark {mark_id: 'email:' + a.email_mailbox})
  RETURN m, 'e-mail address' AS via
  UNION
  MATCH (a:Account {account_id: $key}) WHERE $kind = 'account'
  MATCH (a)-[l:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN]->()<-[:MARKS]-(m:Mark)
  RETURN m, type(l) AS via
}
WITH m, via WHERE m.verdict IS NOT NULL
RETURN m.mark_id AS mark_id, m.kind AS kind, m.key AS key, m.verdict AS verdict, m.reason AS reason,
       m.at AS at, m.by AS by, via
ORDER BY via = 'itself' DESC, m.verdict, m.kind, m.key
LIMIT $limit
