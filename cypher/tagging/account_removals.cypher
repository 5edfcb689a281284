// name: account_removals
// title: Rings whose case an account was taken out of, and by whom
// description: For one account, every ring that holds it as a removed member (HAS_MEMBER
//   removed=true): the ring's id, score and status, who first put the account in the case
//   (detect, or the investigator), and the latest remove_members audit event that took it
//   out (who, when). An account never removed returns no rows. The entity view shows these
//   so a removed account does not look as if detection never flagged it.
// category: tagging
// mode: read
// version: 1
// param: account_id  -- the account to look up
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param account_id => 'acct-00017'
MATCH (r:Ring)-[m:HAS_MEMBER]->(:Account {account_id: $account_id})
WHERE coalesce(m.removed, false)
CALL (r) {
  OPTIONAL MATCH (r)<-[:ABOUT]-(e:AuditEvent {action: 'remove_members'})
  // The event's after is {"members": {"<id>": "removed", ...}} as apoc.convert.toJson wrote
  // it; the same serialiser quotes the id here, so an id with quotes or backslashes matches.
  WHERE e.after CONTAINS apoc.convert.toJson($account_id) + ':"removed"'
  RETURN e ORDER BY e.seq DESC LIMIT 1
}
RETURN r.ring_id AS ring_id, r.score AS score, coalesce(r.status, 'new') AS status,
       coalesce(m.added_by, 'detect') AS added_by, m.score AS member_score,
       e.by AS removed_by, e.at AS removed_at
ORDER BY ring_id
