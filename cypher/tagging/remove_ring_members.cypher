// name: remove_ring_members
// title: Remove accounts from a ring's case
// description: Marks each listed account's HAS_MEMBER relationship removed=true (it is never
//   deleted: history stays readable and a re-detection cannot silently bring the account
//   back). In the same transaction, one AuditEvent lists each changed account's state before
//   (member) and after (removed). Returns one outcome per id: unknown (no such account),
//   not_member, removed (already out: unchanged) or member (the state before: now removed).
// category: tagging
// mode: write
// version: 3
// param: ring_id      -- the ring whose case changes
// param: account_ids  -- account ids to take out of the case (distinct)
// param: by           -- the investigator recorded in the audit trail
// param: by_subject   -- the signed-in identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email     -- the identity's verified e-mail address, or null
// param: by_via       -- how the identity was established: oidc, cli or local
// param: expected_status = null -- the status the caller checked its rights against (the accounts
//   of a confirmed or escalated case are a lead's to change): when given and the ring's status is
//   another by now, nothing is written and no row returns
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param account_ids => ['acct-00017']
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
// :param expected_status => null
MATCH (r:Ring {ring_id: $ring_id})
// Write-lock the ring before reading its old values (a write takes the lock; without it
// two taggers at once could both read the same "before" and one change would be lost).
SET r._lock = true
REMOVE r._lock
// the rights were checked against this status: a change since then writes nothing
WITH r WHERE $expected_status IS NULL OR coalesce(r.status, 'new') = $expected_status
CALL (r) {
  UNWIND $account_ids AS account_id
  OPTIONAL MATCH (a:Account {account_id: account_id})
  OPTIONAL MATCH (r)-[m:HAS_MEMBER]->(a)
  WITH account_id, a, m,
       CASE
         WHEN a IS NULL THEN 'unknown'
         WHEN m IS NULL THEN 'not_member'
         WHEN coalesce(m.removed, false) THEN 'removed'
         ELSE 'member'
       END AS state
  CALL (m, state) {
    WITH * WHERE state = 'member'
    SET m.removed = true
  }
  RETURN collect({account_id: account_id, state: state}) AS outcomes
}
WITH r, outcomes, [o IN outcomes WHERE o.state = 'member'] AS changes
OPTIONAL CALL (r, changes) {
  WITH * WHERE size(changes) > 0
  CREATE (e:AuditEvent {
    event_id: randomUUID(),
    seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1,
    at: datetime(),
    by: $by,
    by_subject: $by_subject,
    by_email: $by_email,
    by_via: $by_via,
    action: 'remove_members',
    before: apoc.convert.toJson({members: apoc.map.fromPairs([c IN changes | [c.account_id, 'member']])}),
    after: apoc.convert.toJson({members: apoc.map.fromPairs([c IN changes | [c.account_id, 'removed']])})
  })-[:ABOUT]->(r)
  RETURN e.event_id AS event_id
}
RETURN r.ring_id AS ring_id, outcomes, event_id
