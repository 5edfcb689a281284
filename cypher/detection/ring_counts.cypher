// name: ring_counts
// title: How many rings detection found
// description: Rings detection found and still finds (detected) and those the latest run
//   no longer finds (retired). `ringscope rings` says so when its filters leave none,
//   rather than suggesting that detection never ran.
// category: detection
// mode: read
// version: 1
//
// No parameters.
MATCH (r:Ring)
RETURN count(CASE WHEN NOT coalesce(r.retired, false) THEN 1 END) AS detected,
       count(CASE WHEN coalesce(r.retired, false) THEN 1 END) AS retired
