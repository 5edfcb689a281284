// name: ring_hour_profile
// title: Ring timeline: exchanges by hour of day (UTC)
// description: The ring's current members' exchanges summed by UTC hour of day (from each
//   account's 24-slot hour_profile). Scripted operators often run flat around the clock, or
//   in one operator's working hours.
// category: triage
// mode: read
// version: 1
// param: ring_id -- the ring's ring_id
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param ring_id => 'R-0001'
MATCH (:Ring {ring_id: $ring_id})-[m:HAS_MEMBER]->(a:Account)
WHERE NOT coalesce(m.removed, false)
WITH collect(coalesce(a.hour_profile, [])) AS profiles
UNWIND range(0, 23) AS hour
RETURN hour, reduce(total = 0, p IN profiles | total + coalesce(p[hour], 0)) AS exchanges
ORDER BY hour
LIMIT 24
