// name: write_rings
// title: Write detected rings (idempotent; investigator data untouched)
// description: Upserts one (:Ring) per row of $rows with its score, size, signals and
//   evidence, and its detected members. Investigator fields (status, labels, note) are
//   set only when the ring is created (status 'new'). Members an investigator added
//   (added_by other than 'detect') or took out (removed = true) are kept as they are;
//   members detection added earlier and no longer finds are unlinked. Used by
//   `ringscope detect` in batches.
// category: detection-write
// mode: write
// version: 1
// param: rows = []                  -- [{ring_id, score, size, signals, evidence, member_ids, members: [{account_id, score}]}]
// param: detected_at = "1970-01-01T00:00:00Z"  -- when this detection run started (ISO-8601)
// param: detection_version = "0"    -- the detector's version, stored on each ring
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param rows => []
// :param detected_at => '1970-01-01T00:00:00Z'
// :param detection_version => '0'
UNWIND $rows AS row
MERGE (r:Ring {ring_id: row.ring_id})
ON CREATE SET r.status = 'new', r.labels = [], r.first_detected_at = datetime($detected_at)
SET r.score = row.score,
    r.size = row.size,
    r.signals = row.signals,
    r.evidence = row.evidence,
    r.detected_at = datetime($detected_at),
    r.detection_version = $detection_version,
    r.retired = false,
    r.detection_status = 'active'
WITH r, row
CALL (r, row) {
  UNWIND row.members AS m
  MATCH (a:Account {account_id: m.account_id})
  MERGE (r)-[h:HAS_MEMBER]->(a)
  ON CREATE SET h.added_by = 'detect', h.removed = false, h.added_at = datetime($detected_at)
  SET h.score = m.score
}
CALL (r, row) {
  MATCH (r)-[h:HAS_MEMBER]->(a:Account)
  WHERE coalesce(h.added_by, 'detect') = 'detect' AND NOT coalesce(h.removed, false)
    AND NOT a.account_id IN row.member_ids
  DELETE h
}
RETURN count(r) AS rings
