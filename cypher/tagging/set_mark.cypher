// name: set_mark
// title: Mark an account or identifier known-bad or known-good, or clear its mark
// description: Sets the verdict and reason of the entity's (:Mark {mark_id: kind:key}),
//   creating it and its MARKS link to the entity on first use, and in the same transaction
//   appends an (:AuditEvent)-[:ABOUT]->(:Mark) with the verdict and reason before and after.
//   A null verdict clears the mark (the node and its history stay). The mark is write-locked
//   before its old value is read. Returns no row when the entity is not in the graph (an
//   e-mail address always exists: it is not a node); an unchanged verdict and reason write
//   no event (event_id null).
// category: tagging
// mode: write
// version: 1
// param: kind          -- account, instrument, device, ip, template, email_domain or email (an address)
// param: key           -- the entity's key: account_id, instrument_id, device_id, address, fingerprint, domain, or the e-mail address
// param: verdict       -- known_bad, known_good, or null to clear the mark
// param: reason        -- why (kept on the mark and in the audit event)
// param: by            -- the investigator recorded in the audit trail
// param: by_subject    -- the identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email      -- the identity's verified e-mail address, or null
// param: by_via        -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param kind => 'device'
// :param key => 'dev-0001'
// :param verdict => 'known_bad'
// :param reason => 'VM image of the March ring'
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
CALL () {
  MATCH (n:Account {account_id: $key}) WHERE $kind = 'account' RETURN n
  UNION
  MATCH (n:PaymentInstrument {instrument_id: $key}) WHERE $kind = 'instrument' RETURN n
  UNION
  MATCH (n:Device {device_id: $key}) WHERE $kind = 'device' RETURN n
  UNION
  MATCH (n:IP {address: $key}) WHERE $kind = 'ip' RETURN n
  UNION
  MATCH (n:PromptTemplate {fingerprint: $key}) WHERE $kind = 'template' RETURN n
  UNION
  MATCH (n:EmailDomain {domain: $key}) WHERE $kind = 'email_domain' RETURN n
  UNION
  WITH 1 AS one WHERE $kind = 'email' RETURN null AS n
}
WITH n LIMIT 1
MERGE (m:Mark {mark_id: $kind + ':' + $key})
  ON CREATE SET m.kind = $kind, m.key = $key
SET m._lock = true
REMOVE m._lock
FOREACH (_ IN CASE WHEN n IS NULL THEN [] ELSE [1] END | MERGE (m)-[:MARKS]->(n))
WITH m, m.verdict AS old_verdict, m.reason AS old_reason
WITH m, old_verdict, old_reason,
     coalesce(old_verdict, '') <> coalesce($verdict, '') OR coalesce(old_reason, '') <> coalesce($reason, '') AS changed
FOREACH (_ IN CASE WHEN changed THEN [1] ELSE [] END |
  SET m.verdict = $verdict, m.reason = $reason, m.at = datetime(), m.by = $by, m.by_subject = $by_subject,
      m.by_email = $by_email, m.by_via = $by_via)
WITH m, old_verdict, old_reason, changed, CASE WHEN $verdict IS NULL THEN 'clear_mark' ELSE 'set_mark' END AS action
OPTIONAL CALL (m, old_verdict, old_reason, changed, action) {
  WITH * WHERE changed
  CREATE (e:AuditEvent {
    event_id: randomUUID(),
    seq: COUNT { (m)<-[:ABOUT]-(:AuditEvent) } + 1,
    at: datetime(),
    by: $by,
    by_subject: $by_subject,
    by_email: $by_email,
    by_via: $by_via,
    action: action,
    before: apoc.convert.toJson({verdict: old_verdict, reason: old_reason}),
    after: apoc.convert.toJson({verdict: $verdict, reason: $reason})
  })-[:ABOUT]->(m)
  RETURN e.event_id AS event_id
}
RETURN m.mark_id AS mark_id, old_verdict AS before_verdict, old_reason AS before_reason,
       m.verdict AS verdict, m.reason AS reason, event_id
