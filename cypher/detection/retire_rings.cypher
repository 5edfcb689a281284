// name: retire_rings
// title: Keep, as weakened, rings a detection run no longer finds
// description: For each ring id in $ring_ids (rings the latest run did not find again):
//   the ring is kept with its case, never deleted -- a ring once flagged leaves the
//   queue only by an investigator's decision. It is marked retired = true,
//   detection_status 'stale', weakened = true, with weakened_at, lost_members (its
//   detected accounts) and weakened_reason saying where those accounts went: into which
//   ring(s) this run found (by $detected_at), or into none. The ring_weakened alert
//   rule reports it. Runs after write_rings for the same run.
// category: detection-write
// mode: write
// version: 3
// param: ring_ids = []                          -- rings the latest run did not find again
// param: detected_at = "1970-01-01T00:00:00Z"   -- when that run started (ISO-8601)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_ids => []
// :param detected_at => '1970-01-01T00:00:00Z'
UNWIND $ring_ids AS id
MATCH (r:Ring {ring_id: id})
WITH r, COLLECT { MATCH (r)-[h:HAS_MEMBER]->(a:Account)
                  WHERE coalesce(h.added_by, 'detect') = 'detect' AND NOT coalesce(h.removed, false)
                  RETURN a ORDER BY a.account_id } AS members
// where its accounts are now: rings this run found (write_rings stamped them with $detected_at)
WITH r, members, COLLECT {
  UNWIND members AS a
  MATCH (a)<-[h:HAS_MEMBER]-(o:Ring)
  WHERE o <> r AND o.detected_at = datetime($detected_at) AND NOT coalesce(h.removed, false)
  WITH o.ring_id AS other, count(DISTINCT a) AS n ORDER BY n DESC, other
  RETURN other + ' (' + n + ')'
} AS moved,
  size([a IN members WHERE NOT EXISTS {
    MATCH (a)<-[h:HAS_MEMBER]-(o:Ring)
    WHERE o <> r AND o.detected_at = datetime($detected_at) AND NOT coalesce(h.removed, false) }]) AS in_none
SET r.retired = true, r.detection_status = 'stale', r.retired_at = datetime($detected_at),
    r.weakened = true, r.weakened_at = datetime($detected_at),
    r.lost_members = [a IN members | a.account_id],
    r.weakened_reason = 'no longer found by detection: of its ' + size(members) + ' detected accounts, '
      + CASE WHEN size(moved) = 0 THEN ''
             ELSE 'some are now in ring ' + reduce(s = '', x IN moved[..5] | s + CASE WHEN s = '' THEN '' ELSE ', ' END + x)
                  + CASE WHEN size(moved) > 5 THEN ', +' + (size(moved) - 5) + ' more rings' ELSE '' END + ', ' END
      + in_none + ' in no ring'
RETURN r.ring_id AS ring_id, 'retired' AS outcome
