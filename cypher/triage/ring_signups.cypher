// name: ring_signups
// title: Ring timeline: member sign-ups over time
// description: How many of the ring's current members signed up in each time bucket (bucket is a
//   datetime.truncate unit: minute, hour, day, week or month). Sign-up bursts show as spikes.
// category: triage
// mode: read
// version: 1
// param: ring_id        -- the ring's ring_id
// param: bucket = "day" -- bucket size: minute, hour, day, week or month
// param: limit = 2000   -- buckets returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
// :param bucket => 'day'
// :param limit => 2000
MATCH (:Ring {ring_id: $ring_id})-[m:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(m.removed, false) AND a.created_at IS NOT NULL
WITH datetime.truncate($bucket, a.created_at) AS bucket, count(*) AS signups
RETURN bucket, signups
ORDER BY bucket
LIMIT $limit
