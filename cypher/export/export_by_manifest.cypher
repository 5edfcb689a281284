// name: export_by_manifest
// title: Which recorded export wrote a bundle with this manifest
// description: Looks up the INCLUDES record whose manifest SHA-256 is $manifest_sha256: the
//   export id, time, investigator and ring. No row means the graph never recorded that
//   manifest, so the bundle (manifest included) is not what RingScope exported. Also the
//   ring's status now and its newest later export, if any: a bundle whose ring changed
//   status or was exported again since is intact but superseded.
// category: export
// mode: read
// version: 2
// param: manifest_sha256  -- SHA-256 of the bundle's manifest.json (hex)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param manifest_sha256 => '0000000000000000000000000000000000000000000000000000000000000000'
MATCH (x:Export)-[i:INCLUDES]->(r:Ring)
WHERE i.manifest_sha256 = $manifest_sha256
RETURN x.export_id AS export_id, x.at AS at, x.by AS by, r.ring_id AS ring_id, i.bundle AS bundle,
       coalesce(r.status, 'new') AS ring_status_now,
       COLLECT { MATCH (y:Export)-[:INCLUDES]->(r) WHERE y.at > x.at
                 RETURN y {.export_id, .at, .by, .out_dir} ORDER BY y.at DESC, y.export_id LIMIT 1 } AS newer
ORDER BY at, export_id
LIMIT 10
