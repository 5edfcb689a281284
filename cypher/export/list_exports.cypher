// name: list_exports
// title: Evidence bundles exported so far, newest first
// description: Each export run: when, by whom, into which folder, and per ring the bundle
//   folder and its manifest SHA-256 (what `ringscope verify --graph` checks a bundle against).
//   Optionally only the exports that include $ring_id.
// category: export
// mode: read
// version: 1
// param: ring_id = ""  -- only exports including this ring; empty: all
// param: limit = 200   -- exports returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => ''
// :param limit => 200
MATCH (x:Export)
WHERE $ring_id = '' OR EXISTS { (x)-[:INCLUDES]->(:Ring {ring_id: $ring_id}) }
WITH x
ORDER BY x.at DESC, x.export_id
LIMIT $limit
RETURN x.export_id AS export_id, x.at AS at, x.by AS by, x.out_dir AS out_dir, x.status AS status,
       x.ringscope_version AS ringscope_version,
       COLLECT { MATCH (x)-[i:INCLUDES]->(r:Ring)
                 RETURN {ring_id: r.ring_id, bundle: i.bundle, manifest_sha256: i.manifest_sha256} AS b
                 ORDER BY r.ring_id } AS bundles
