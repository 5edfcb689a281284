// name: detection_state
// title: What a detection result depends on: graph size and the latest run
// description: The number of accounts and relationships (count store: instant) and the
//   latest (:DetectionRun)'s id and finish time. The app keeps one detection result for
//   `explain` (why an account is, or is not, in a ring) and computes it again when any of
//   these change.
// category: detection
// mode: read
// version: 1
MATCH (a:Account)
WITH count(a) AS accounts
MATCH ()-[r]->()
WITH accounts, count(r) AS relationships
OPTIONAL MATCH (d:DetectionRun)
WITH accounts, relationships, d
ORDER BY d.detected_at DESC
LIMIT 1
RETURN accounts, relationships, d.run_id AS run_id, toString(d.finished_at) AS finished_at
