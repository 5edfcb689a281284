// name: database_contents
// title: Does the database already hold data?
// description: Counts of accounts and rings, and whether any node other than schema
//   bookkeeping exists. `ringscope evaluate` refuses to load a world into a database
//   that holds data unless told to reset it, so investigators' work is never wiped by
//   accident.
// category: evaluation
// mode: read
// version: 1
//
// No parameters.
CALL () { MATCH (n) WHERE NOT n:SchemaMigration RETURN n LIMIT 1 }
WITH count(n) > 0 AS has_data
CALL () { MATCH (a:Account) RETURN count(a) AS accounts }
CALL () { MATCH (r:Ring) RETURN count(r) AS rings }
CALL () { MATCH (e:AuditEvent) RETURN count(e) AS audit_events }
RETURN has_data, accounts, rings, audit_events
