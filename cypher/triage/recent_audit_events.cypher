// name: recent_audit_events
// title: Recent investigator changes across all rings
// description: The newest audit events (status, labels, note, case members, exports) over every
//   ring, optionally only one investigator's or one action's: who changed what, when, from what
//   to what (before and after as JSON text).
// category: triage
// mode: read
// version: 1
// param: by = ""     -- only this investigator's changes; empty: everyone's
// param: action = "" -- only this action (set_status, add_labels, remove_labels, set_note, add_members, remove_members, exported); empty: all
// param: limit = 200 -- events returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param by => ''
// :param action => ''
// :param limit => 200
MATCH (e:AuditEvent)-[:ABOUT]->(ring:Ring)
WHERE ($by = '' OR e.by = $by) AND ($action = '' OR e.action = $action)
RETURN e.at AS at, e.by AS by, ring.ring_id AS ring_id, e.action AS action,
       e.before AS before, e.after AS after, e.event_id AS event_id
ORDER BY at DESC, e.seq DESC
LIMIT $limit
