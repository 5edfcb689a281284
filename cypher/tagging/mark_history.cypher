// name: mark_history
// title: The audit trail of one entity's mark, newest first
// description: Every AuditEvent about the (:Mark) of one account or identifier (set_mark,
//   clear_mark): who, when, the verdict and reason before and after as JSON text. No row
//   when the entity was never marked.
// category: tagging
// mode: read
// version: 1
// param: kind           -- account, instrument, device, ip, template, email_domain or email
// param: key            -- the entity's key
// param: limit = 1000   -- events returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param kind => 'device'
// :param key => 'dev-0001'
// :param limit => 1000
MATCH (m:Mark {mark_id: $kind + ':' + $key})<-[:ABOUT]-(e:AuditEvent)
WITH m, e ORDER BY e.seq DESC, e.at DESC
LIMIT $limit
RETURN m.mark_id AS mark_id, e.event_id AS event_id, e.seq AS seq, e.at AS at, e.by AS by,
       e.by_subject AS by_subject, e.by_email AS by_email, e.action AS action, e.before AS before, e.after AS after
