// name: add_ring_members
// title: Add accounts to a ring's case
// description: Puts each listed account into the ring's case: a new HAS_MEMBER
//   {added_by: $by, removed: false} when it had none, or removed=false and added_by=$by again
//   on a relationship an investigator had removed (relationships are never deleted, so
//   history and re-detection stay consistent; put back, the account is a person's call). In the same transaction, one AuditEvent lists each
//   changed account's state before (not_member or removed) and after (member). Returns one
//   outcome per id: unknown (no such account), not_member, removed or member (the state
//   before; member means it was already in the case and nothing changed). $reason, why the
//   investigator put the accounts in (it goes into the export's enforcement actions), is
//   kept on each relationship added or restored (added_reason) and in the event's after.
// category: tagging
// mode: write
// version: 4
// param: ring_id      -- the ring whose case changes
// param: account_ids  -- account ids to add (distinct)
// param: by           -- the investigator recorded on the relationship and in the audit trail
// param: by_subject   -- the signed-in identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email     -- the identity's verified e-mail address, or null
// param: by_via       -- how the identity was established: oidc, cli or local
// param: expected_status = null -- the status the caller checked its rights against (the accounts
//   of a confirmed or escalated case are a lead's to change): when given and the ring's status is
//   another by now, nothing is written and no row returns
// param: reason = null -- why the accounts belong in the case (free text), or null
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'ring-0001'
// :param account_ids => ['acct-00017', 'acct-00018']
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
// :param expected_status => null
// :param reason => 'same card as acct-00012'
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
  CALL (r, a, state) {
    WITH * WHERE state = 'not_member'
    CREATE (r)-[:HAS_MEMBER {added_by: $by, removed: false, added_reason: $reason}]->(a)
  }
  CALL (m, state) {
    WITH * WHERE state = 'removed'
    // put back by a person: it is now their judgement, not detection's (a field report: an
    // account a lead confirmed the ring without, put back afterwards, kept added_by 'detect'
    // and went to enforcement as suspend_account, never reviewed)
    SET m.removed = false, m.added_reason = $reason, m.added_by = $by
  }
  RETURN collect({account_id: account_id, state: state}) AS outcomes
}
WITH r, outcomes, [o IN outcomes WHERE o.state IN ['not_member', 'removed']] AS changes
WITH r, outcomes, changes, apoc.map.fromPairs([c IN changes | [c.account_id, 'member']]) AS added
WITH r, outcomes, changes,
     CASE WHEN $reason IS NULL THEN {members: added} ELSE {members: added, reason: $reason} END AS after
OPTIONAL CALL (r, changes, after) {
  WITH * WHERE size(changes) > 0
  CREATE (e:AuditEvent {
    event_id: randomUUID(),
    seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1,
    at: datetime(),
    by: $by,
    by_subject: $by_subject,
    by_email: $by_email,
    by_via: $by_via,
    action: 'add_members',
    before: apoc.convert.toJson({members: apoc.map.fromPairs([c IN changes | [c.account_id, c.state]])}),
    after: apoc.convert.toJson(after)
  })-[:ABOUT]->(r)
  RETURN e.event_id AS event_id
}
RETURN r.ring_id AS ring_id, outcomes, event_id
