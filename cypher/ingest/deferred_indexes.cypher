// name: ingest_deferred_indexes
// title: Lookup indexes an initial Bolt load builds after writing
// description: The secondary indexes (not the constraints, which every MERGE needs, nor the
//   ledger's own) on the labels ingest writes. A Bolt load into an empty database drops them
//   first and re-creates them at its end (schema.migrate: every schema statement, then
//   db.awaitIndexes): populating an index once over the loaded nodes costs far less than
//   updating it for every written row (an Account updates five, a text index among them).
//   A run stopped half-way leaves them dropped until the next ingest or `ringscope db
//   start`, whose schema.migrate re-creates them.
// category: ingest
// mode: read
// version: 1
SHOW INDEXES YIELD name, type, owningConstraint, labelsOrTypes
WHERE type <> 'LOOKUP' AND owningConstraint IS NULL
  AND any(l IN labelsOrTypes WHERE l IN ['Account', 'IP', 'PaymentInstrument', 'Device', 'PromptTemplate', 'EmailDomain', 'Org'])
RETURN name
ORDER BY name
