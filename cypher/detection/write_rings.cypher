// name: write_rings
// title: Write detected rings (idempotent; investigator data untouched)
// description: Upserts one (:Ring) per row of $rows with its score, size, signals and
//   evidence, and its detected members. Investigator fields (status, labels, note) are
//   set only when the ring is created (status 'new'). Members an investigator added
//   (added_by other than 'detect') or took out (removed = true) are kept as they are;
//   members detection added earlier and no longer finds are unlinked, and the ring
//   remembers them: a ring found again with fewer of its detected accounts, a signal
//   family it no longer shows, or a score at least 0.1 lower is marked weakened
//   (detection_status 'weakened', weakened_at, weakened_reason saying what changed,
//   lost_members), and one that gained accounts carries grew_at and gained_members; a
//   retired ring found again carries found_again_at. record_detection_run reads these
//   stamps. Used by `ringscope detect` in batches.
// category: detection-write
// mode: write
// version: 2
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
ON CREATE SET r.status = 'new', r.labels = [], r.first_detected_at = datetime($detected_at), r._created = true
// what the ring was before this run: its detected accounts, every account linked, signals, score
WITH r, row, coalesce(r._created, false) AS created, coalesce(r.retired, false) AS was_retired,
     COLLECT { MATCH (r)-[h:HAS_MEMBER]->(a:Account)
               WHERE coalesce(h.added_by, 'detect') = 'detect' AND NOT coalesce(h.removed, false)
               RETURN a.account_id } AS before,
     COLLECT { MATCH (r)-[:HAS_MEMBER]->(a:Account) RETURN a.account_id } AS linked,
     coalesce(r.signals, []) AS old_signals, r.score AS old_score
REMOVE r._created
WITH r, row, created, was_retired, before,
     [a IN before WHERE NOT a IN row.member_ids] AS lost,
     [a IN row.member_ids WHERE NOT a IN linked] AS gained,
     [s IN old_signals WHERE NOT s IN row.signals] AS lost_signals,
     CASE WHEN old_score IS NOT NULL AND old_score - row.score >= 0.1 THEN old_score END AS fell_from
WITH r, row, created, was_retired, lost, gained,
     NOT created AND (size(lost) > 0 OR size(lost_signals) > 0 OR fell_from IS NOT NULL) AS weakened,
     CASE WHEN size(lost) = 0 THEN [] ELSE ['lost ' + size(lost) + ' of its ' + size(before) + ' accounts ('
          + reduce(s = '', x IN lost[..5] | s + CASE WHEN s = '' THEN '' ELSE ', ' END + x)
          + CASE WHEN size(lost) > 5 THEN ', +' + (size(lost) - 5) + ' more' ELSE '' END + ')'] END
     + CASE WHEN size(lost_signals) = 0 THEN [] ELSE ['signals no longer seen: '
          + reduce(s = '', x IN lost_signals | s + CASE WHEN s = '' THEN '' ELSE ', ' END + x)] END
     + CASE WHEN fell_from IS NULL THEN [] ELSE ['score ' + toString(round(fell_from, 3)) + ' -> '
          + toString(round(row.score, 3))] END AS what
SET r.score = row.score,
    r.size = row.size,
    r.signals = row.signals,
    r.evidence = row.evidence,
    r.detected_at = datetime($detected_at),
    r.detection_version = $detection_version,
    r.retired = false,
    r.weakened = weakened,
    r.detection_status = CASE WHEN weakened THEN 'weakened' ELSE 'active' END
FOREACH (_ IN CASE WHEN weakened THEN [1] ELSE [] END |
  SET r.weakened_at = datetime($detected_at), r.lost_members = lost,
      r.weakened_reason = reduce(s = '', x IN what | s + CASE WHEN s = '' THEN '' ELSE '; ' END + x))
FOREACH (_ IN CASE WHEN NOT created AND size(gained) > 0 THEN [1] ELSE [] END |
  SET r.grew_at = datetime($detected_at), r.gained_members = gained)
FOREACH (_ IN CASE WHEN was_retired THEN [1] ELSE [] END | SET r.found_again_at = datetime($detected_at))
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
