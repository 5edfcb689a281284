// name: ring_filter_options
// title: Values the ring queue can be filtered by
// description: The signals and investigator labels present on detected rings, with how many rings
//   carry each, and the highest ring score; the queue's filter widgets offer these.
// category: triage
// mode: read
// version: 1
// param: limit = 500 -- distinct signals and labels returned at most, each
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param limit => 500
MATCH (ring:Ring)
WITH collect(ring) AS all_rings, max(ring.score) AS max_score, count(ring) AS total
CALL (all_rings) {
  UNWIND all_rings AS ring
  UNWIND coalesce(ring.signals, []) AS signal
  WITH signal, count(*) AS rings ORDER BY rings DESC, signal LIMIT $limit
  RETURN collect({value: signal, rings: rings}) AS signals
}
CALL (all_rings) {
  UNWIND all_rings AS ring
  UNWIND coalesce(ring.labels, []) AS label
  WITH label, count(*) AS rings ORDER BY rings DESC, label LIMIT $limit
  RETURN collect({value: label, rings: rings}) AS labels
}
RETURN total, max_score, signals, labels
