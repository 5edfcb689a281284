// name: export_select_rings
// title: Rings to put in evidence bundles
// description: The ids of the rings whose investigation status is $status (confirmed by
//   default), or only $ring_id when it is given, in ring_id order: what `ringscope export`
//   writes one bundle for.
// category: export
// mode: read
// version: 1
// param: status = "confirmed"  -- investigation status of the rings to export
// param: ring_id = ""          -- only this ring; empty: every ring with that status
// param: limit = 100000        -- rings returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param status => 'confirmed'
// :param ring_id => ''
// :param limit => 100000
MATCH (r:Ring)
WHERE coalesce(r.status, 'new') = $status AND ($ring_id = '' OR r.ring_id = $ring_id)
RETURN r.ring_id AS ring_id
ORDER BY ring_id
LIMIT $limit
