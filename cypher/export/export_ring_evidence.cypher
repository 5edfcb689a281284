// name: export_ring_evidence
// title: A ring's evidence for its bundle: detection, tags and audit history
// description: What detection found (score, size, signals, evidence JSON, when and by which
//   version), what investigators decided (status, labels, note, assignee, accounts taken out
//   of the case) and the ring's full audit trail in the order it was written. `exported` events
//   are left out: they describe bundles, not the case, and would make every re-export differ.
// category: export
// mode: read
// version: 3
// param: ring_id  -- the ring to export
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
MATCH (r:Ring {ring_id: $ring_id})
RETURN r.ring_id AS ring_id,
       coalesce(r.status, 'new') AS status,
       coalesce(r.labels, []) AS labels,
       r.note AS note,
       r.assignee AS assignee,
       r.score AS score,
       r.size AS size,
       coalesce(r.signals, []) AS signals,
       r.evidence AS evidence,
       r.detected_at AS detected_at,
       r.first_detected_at AS first_detected_at,
       r.detection_version AS detection_version,
       coalesce(r.retired, false) AS retired,
       COUNT { (r)-[m:HAS_MEMBER]->(:Account) WHERE NOT coalesce(m.removed, false) } AS members,
       COLLECT { MATCH (r)-[m:HAS_MEMBER]->(a:Account) WHERE coalesce(m.removed, false)
                 RETURN a.account_id ORDER BY a.account_id } AS removed_members,
       COLLECT { MATCH (r)<-[:ABOUT]-(e:AuditEvent) WHERE e.action <> 'exported'
                 RETURN e {.event_id, .seq, .at, .by, .by_subject, .by_email, .action, .before, .after}
                 ORDER BY e.seq, e.at, e.event_id } AS audit
