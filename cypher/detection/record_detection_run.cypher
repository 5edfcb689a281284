// name: record_detection_run
// title: Record one detection run and what it changed
// description: Creates a (:DetectionRun) for the run that started at $detected_at, linked
//   by [:CHANGED {change, detail}] to every ring that run changed, read from the stamps
//   write_rings and retire_rings leave: new (first_detected_at), grew (grew_at: accounts
//   detection added), weakened (weakened_at on a ring still found: accounts, signals or
//   score lost), no_longer_found (retired_at: kept as stale), found_again (found_again_at:
//   a retired ring found again). The run holds the counts of each, so the history of
//   detection is one query: MATCH (d:DetectionRun) RETURN d ORDER BY d.detected_at DESC.
//   Run once, after the run's write-back.
// category: detection-write
// mode: write
// version: 1
// param: run_id                                 -- the run's id (unique)
// param: detected_at = "1970-01-01T00:00:00Z"   -- when the run started (ISO-8601), as passed to write_rings
// param: rings = 0                              -- rings the run found
// param: detection_version = "0"                -- the detector's version
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param run_id => 'run-1'
// :param detected_at => '1970-01-01T00:00:00Z'
// :param rings => 0
// :param detection_version => '0'
WITH datetime($detected_at) AS at
CREATE (d:DetectionRun {run_id: $run_id})
SET d.detected_at = at, d.finished_at = datetime(), d.rings = $rings, d.detection_version = $detection_version
WITH d, at
OPTIONAL CALL (d, at) {
  MATCH (r:Ring)
  WHERE r.first_detected_at = at OR r.grew_at = at OR r.weakened_at = at OR r.found_again_at = at
  WITH r, at,
       CASE WHEN r.first_detected_at = at THEN [['new', size(coalesce(r.signals, [])) + ' signal(s), score ' + toString(round(coalesce(r.score, 0.0), 3))]] ELSE [] END
       + CASE WHEN r.found_again_at = at THEN [['found_again', 'found again after it was no longer found']] ELSE [] END
       + CASE WHEN r.grew_at = at AND coalesce(r.first_detected_at, at) <> at
              THEN [['grew', 'gained ' + size(coalesce(r.gained_members, [])) + ' account(s)']] ELSE [] END
       + CASE WHEN r.weakened_at = at AND r.retired_at = at THEN [['no_longer_found', r.weakened_reason]]
              WHEN r.weakened_at = at THEN [['weakened', r.weakened_reason]] ELSE [] END AS changes
  UNWIND changes AS change
  CREATE (d)-[:CHANGED {change: change[0], detail: change[1]}]->(r)
  RETURN change[0] AS kind
}
WITH d, collect(kind) AS kinds
SET d.new = size([k IN kinds WHERE k = 'new']),
    d.grew = size([k IN kinds WHERE k = 'grew']),
    d.weakened = size([k IN kinds WHERE k = 'weakened']),
    d.no_longer_found = size([k IN kinds WHERE k = 'no_longer_found']),
    d.found_again = size([k IN kinds WHERE k = 'found_again'])
RETURN d.run_id AS run_id, d.new AS new, d.grew AS grew, d.weakened AS weakened,
       d.no_longer_found AS no_longer_found, d.found_again AS found_again
