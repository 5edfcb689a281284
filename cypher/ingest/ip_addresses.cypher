// name: ingest_ip_addresses
// title: IP addresses in the graph
// description: Every IP node's address, in order, for re-applying ip_intel after a new intel file.
// category: ingest
// mode: read
// version: 1
MATCH (i:IP)
RETURN i.address AS address
ORDER BY address
