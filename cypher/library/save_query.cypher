// name: save_query
// title: Save an analyst's console query for the team
// description: Creates or replaces the (:SavedQuery {name}) with its title, description,
//   Cypher text and parameters (JSON text), bumps its version, and in the same transaction
//   appends an (:AuditEvent {action: 'save_query'})-[:ABOUT]->(:SavedQuery) with the title,
//   version and Cypher before and after. A deleted query of that name is revived. The node
//   is write-locked before its old values are read. The caller checks rights and whether
//   replacing is allowed (`expected_version`: the version the caller saw, 0 for a new one;
//   a mismatch returns no row and writes nothing).
// category: library
// mode: write
// version: 1
// param: name              -- the query's name (lower case, digits, underscores)
// param: title             -- one line saying what it answers
// param: description       -- what it returns and how to read it
// param: cypher            -- the query text (run read-only in the console)
// param: params = "{}"     -- its parameters and their values, as a JSON object
// param: expected_version = 0 -- the version being replaced (0: a new query, or a deleted one)
// param: by                -- the analyst recorded in the audit trail
// param: by_subject        -- the identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email          -- the identity's verified e-mail address, or null
// param: by_via            -- how the identity was established: oidc, cli or local
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param name => 'cards_on_many_rings'
// :param title => 'Cards used in more than one ring'
// :param description => 'Payment instruments whose accounts sit in two or more rings.'
// :param cypher => 'MATCH (p:PaymentInstrument) RETURN p LIMIT 10'
// :param params => '{}'
// :param expected_version => 0
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
MERGE (q:SavedQuery {name: $name})
  ON CREATE SET q.version = 0, q.created_at = datetime(), q.created_by = $by, q.created_by_subject = $by_subject
SET q._lock = true
REMOVE q._lock
WITH q, CASE WHEN coalesce(q.deleted, false) THEN 0 ELSE q.version END AS live_version,
     {title: q.title, version: q.version, cypher: q.cypher, deleted: coalesce(q.deleted, false)} AS before
WHERE live_version = $expected_version
SET q.title = $title, q.description = $description, q.cypher = $cypher, q.params = $params,
    q.version = q.version + 1, q.deleted = false, q.updated_at = datetime(), q.updated_by = $by,
    q.updated_by_subject = $by_subject
WITH q, before
CREATE (e:AuditEvent {
  event_id: randomUUID(),
  seq: COUNT { (q)<-[:ABOUT]-(:AuditEvent) } + 1,
  at: datetime(),
  by: $by,
  by_subject: $by_subject,
  by_email: $by_email,
  by_via: $by_via,
  action: 'save_query',
  before: apoc.convert.toJson(before),
  after: apoc.convert.toJson({title: $title, version: q.version, cypher: $cypher})
})-[:ABOUT]->(q)
RETURN q.name AS name, q.version AS version, e.event_id AS event_id
