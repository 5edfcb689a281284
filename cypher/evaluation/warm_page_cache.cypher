// name: warm_page_cache
// title: Load the store into Neo4j's page cache
// description: Reads every page of the node, relationship and property stores and of the
//   indexes into the page cache (APOC warmup), so that the first clicks after a restart do not
//   wait for the disk. Worth it when the page cache can hold the store
//   (RINGSCOPE_NEO4J_PAGECACHE at least the store size that `ringscope db status` prints);
//   `ringscope db warm` runs it, and the benchmarks with --warm.
// category: evaluation
// mode: read
// version: 1
//
// No parameters.
CALL apoc.warmup.run(true, true, true)
YIELD pageSize, nodePages, relPages, relGroupPages, propPages, stringPropPages, arrayPropPages, indexPages, totalTime
RETURN (nodePages + relPages + relGroupPages + propPages + stringPropPages + arrayPropPages + indexPages) * pageSize AS bytes,
       totalTime AS milliseconds
