// name: ingest_ip_intel_apply
// title: Re-apply ip_intel to existing IP nodes
// description: After a new ip_intel file: set asn, as_org, country, kind and the matched network
//   on IP nodes already in the graph (nulls where no network holds the address).
// category: ingest
// mode: write
// version: 1
// param: sha = ""    -- sha256 of the source file: its (:IngestedFile) ledger entry must exist
// param: batch = ""  -- batch key (stage:number); a key already on the ledger entry is skipped, so a re-run never adds twice
// param: rows = []   -- the batch rows (see ingest/aggregate.py)
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param sha => ''
// :param batch => ''
// :param rows => []
MATCH (f:IngestedFile {sha256: $sha})
WHERE NOT $batch IN f.batches_done
SET f.batches_done = f.batches_done + [$batch]
WITH f
UNWIND $rows AS row
MATCH (i:IP {address: row.address})
SET i += row.intel
