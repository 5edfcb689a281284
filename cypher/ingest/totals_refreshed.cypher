// name: ingest_totals_refreshed
// title: Ledger: the per-identifier totals are refreshed
// description: Clears `totals_pending` on every ledger entry once a run has refreshed the totals
//   (ingest_ledger_begin sets it when a file starts loading). An entry still pending when a run
//   starts means a run stopped between its writes and its refresh: that run refreshes the whole graph.
// category: ingest
// mode: write
// version: 1
MATCH (f:IngestedFile) WHERE f.totals_pending
REMOVE f.totals_pending
RETURN count(f) AS n
