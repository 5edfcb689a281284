// name: record_export
// title: Record an export of evidence bundles
// description: Creates one (:Export) for a `ringscope export` run (who, when, where, which
//   rings, each bundle's folder and manifest SHA-256) linked to every ring it bundled by
//   INCLUDES {bundle, manifest_sha256}, and appends an `exported` AuditEvent to each ring's
//   trail, all in one transaction. A ring whose status is no longer $status (another lead
//   changed it after the bundle was read) is left out, checked under the ring's write lock;
//   with no ring left nothing is created and no row returned. Returns the ring ids recorded.
// category: export
// mode: write
// version: 3
// param: export_id                  -- id of this export run
// param: at = "1970-01-01T00:00:00Z"  -- export time, ISO-8601 UTC (the manifests' exported_at)
// param: by                         -- the investigator who exported
// param: by_subject                 -- the signed-in identity's stable subject (provider `sub`, or os:<user> for the CLI)
// param: by_email                   -- the identity's verified e-mail address, or null
// param: by_via                     -- how the identity was established: oidc, cli or local
// param: out_dir                    -- the folder the bundles were written under
// param: status = "confirmed"       -- the status the rings were selected by
// param: ringscope_version = ""     -- RingScope version that wrote the bundles
// param: bundles = []               -- [{ring_id, bundle, manifest_sha256}], one per ring
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param export_id => 'exp-example'
// :param at => '2026-01-01T00:00:00Z'
// :param by => 'alice'
// :param by_subject => 'os:alice'
// :param by_email => null
// :param by_via => 'cli'
// :param out_dir => '/tmp/bundles'
// :param status => 'confirmed'
// :param ringscope_version => '0.1.0'
// :param bundles => [{ring_id: 'R-0001', bundle: 'ring-R-0001', manifest_sha256: '00'}]
UNWIND $bundles AS b
MATCH (r:Ring {ring_id: b.ring_id})
// Write-lock the ring before reading its status and numbering its audit event (see
// cypher/tagging): a status set meanwhile commits first and is seen here, or waits for us.
SET r._lock = true
REMOVE r._lock
WITH r, b
WHERE coalesce(r.status, 'new') = $status
WITH collect({ring: r, b: b}) AS current
WHERE size(current) > 0
CREATE (x:Export {
  export_id: $export_id,
  at: datetime($at),
  by: $by,
  by_subject: $by_subject,
  by_email: $by_email,
  by_via: $by_via,
  out_dir: $out_dir,
  status: $status,
  ringscope_version: $ringscope_version,
  ring_ids: [c IN current | c.b.ring_id],
  bundles: [c IN current | c.b.bundle],
  manifest_sha256: [c IN current | c.b.manifest_sha256]
})
WITH x, current
UNWIND current AS c
WITH x, c.ring AS r, c.b AS b
CREATE (x)-[:INCLUDES {bundle: b.bundle, manifest_sha256: b.manifest_sha256}]->(r)
CREATE (e:AuditEvent {
  event_id: randomUUID(),
  seq: COUNT { (r)<-[:ABOUT]-(:AuditEvent) } + 1,
  at: x.at,
  by: $by,
  by_subject: $by_subject,
  by_email: $by_email,
  by_via: $by_via,
  action: 'exported',
  before: 'null',
  after: apoc.convert.toJson({export_id: x.export_id, bundle: b.bundle, out_dir: x.out_dir,
                              manifest_sha256: b.manifest_sha256})
})-[:ABOUT]->(r)
RETURN x.export_id AS export_id, collect(r.ring_id) AS ring_ids
