"""Benchmark evidence-bundle export and verification. Prints its figures; it is not a test.

    python benchmarks/bench_export.py                         # rings with status confirmed in the configured database
    python benchmarks/bench_export.py --status new            # or any other status
    python benchmarks/bench_export.py --synthetic 5000        # plus one synthetic ring of 5,000 accounts

Each run exports twice into a scratch folder (the second run checks the files are
byte-identical apart from the manifest), then verifies every bundle. Exports are
recorded in the graph like any other. The synthetic ring (ids starting `bench-`) and its
records are deleted afterwards; nothing else is touched.
"""
from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from pathlib import Path

from ringscope import db
from ringscope.auth import cli_identity
from ringscope.config import load_settings
from ringscope.export import export_rings, verify_bundle
from ringscope.export.bundle import CONTENT_FILES

SYNTHETIC_RING = "bench-synthetic"

# Benchmark scaffolding, not product queries: a ring of $n accounts sharing cards,
# devices, IPs and templates the way operator accounts do.
BUILD = """
UNWIND range(0, $n - 1) AS i
CREATE (a:Account {account_id: 'bench-acc-' + i, email: 'bench' + i + '@example.test', display_name: 'Bench <' + i + '>',
                   created_at: datetime('2025-01-01T00:00:00Z') + duration({minutes: i}), tier: 'build', country: 'KR',
                   exchanges: 100 + i % 50, input_tokens: 1000 * i, output_tokens: 3000 * i,
                   first_exchange: datetime('2025-03-01T00:00:00Z'), last_exchange: datetime('2025-03-10T00:00:00Z')})
MERGE (c:PaymentInstrument {instrument_id: 'bench-pi-' + (i % ($n / 10 + 1))}) ON CREATE SET c.kind = 'card', c.bin = '411111'
MERGE (d:Device {device_id: 'bench-dev-' + (i % ($n / 5 + 1))}) ON CREATE SET d.user_agent = 'Bench/1.0 (<script>)'
CREATE (a)-[:PAID_WITH {first_seen: datetime('2025-02-01T00:00:00Z'), last_seen: datetime('2025-03-01T00:00:00Z')}]->(c)
CREATE (a)-[:USED_DEVICE {first_seen: datetime('2025-02-01T00:00:00Z'), last_seen: datetime('2025-03-01T00:00:00Z')}]->(d)
WITH a, i
UNWIND range(0, 2) AS k
MERGE (ip:IP {address: 'bench-ip-' + ((i * 3 + k) % ($n / 2 + 1))}) ON CREATE SET ip.kind = 'residential'
CREATE (a)-[:USED_IP {first_seen: datetime('2025-03-01T00:00:00Z'), last_seen: datetime('2025-03-02T00:00:00Z')}]->(ip)
WITH a, i
UNWIND range(0, 4) AS k
MERGE (t:PromptTemplate {fingerprint: 'bench-tpl-' + ((i + k) % 50)})
CREATE (a)-[:SENT_TEMPLATE {first_seen: datetime('2025-03-01T00:00:00Z'), last_seen: datetime('2025-03-02T00:00:00Z')}]->(t)
"""
RING = """
CREATE (r:Ring {ring_id: $ring_id, score: 0.93, size: $n, signals: ['instrument_fanout', 'device_fanout', 'ip_cooccurrence'],
                evidence: '{}', detected_at: datetime(), detection_version: 'bench', status: 'confirmed', labels: []})
WITH r
MATCH (a:Account) WHERE a.account_id STARTS WITH 'bench-acc-'
CREATE (r)-[:HAS_MEMBER {score: 0.9, added_by: 'detect', removed: false}]->(a)
"""
CLEANUP = [
    "MATCH (x:Export)-[:INCLUDES]->(:Ring {ring_id: $ring_id}) DETACH DELETE x",
    "MATCH (e:AuditEvent)-[:ABOUT]->(:Ring {ring_id: $ring_id}) DETACH DELETE e",
    "MATCH (r:Ring {ring_id: $ring_id}) DETACH DELETE r",
    "MATCH (n) WHERE n:Account AND n.account_id STARTS WITH 'bench-' OR n:PaymentInstrument AND n.instrument_id STARTS WITH 'bench-' "
    "OR n:Device AND n.device_id STARTS WITH 'bench-' OR n:IP AND n.address STARTS WITH 'bench-' "
    "OR n:PromptTemplate AND n.fingerprint STARTS WITH 'bench-' DETACH DELETE n",
]


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(label: str, out: Path, settings, **kwargs) -> None:
    t0 = time.perf_counter()
    first = export_rings(out / "first", by=cli_identity("benchmark", settings), settings=settings, **kwargs)
    t1 = time.perf_counter()
    if not first:
        print(f"{label}: no rings to export")
        return
    second = export_rings(out / "second", by=cli_identity("benchmark", settings), settings=settings, **kwargs)
    t2 = time.perf_counter()
    identical = all(
        (a.path / name).read_bytes() == (b.path / name).read_bytes()
        for a, b in zip(first, second)
        for name in CONTENT_FILES
    )
    t3 = time.perf_counter()
    intact = all(verify_bundle(b.path).ok for b in first)
    t4 = time.perf_counter()
    accounts = sum(b.members for b in first)
    identifiers = sum(b.identifiers for b in first)
    size = folder_bytes(out / "first")
    largest = max(first, key=lambda b: b.members)
    html_mb = (largest.path / "graph.html").stat().st_size / 1e6
    print(f"{label}: {len(first)} ring(s), {accounts:,} accounts, {identifiers:,} shared identifiers")
    print(f"  export (collect + render + write + record): {t1 - t0:.2f}s, again {t2 - t1:.2f}s "
          f"({(t1 - t0) / len(first):.2f}s per ring); bundles {size / 1e6:.2f} MB")
    print(f"  largest ring {largest.ring_id}: {largest.members:,} accounts, graph.html {html_mb:.2f} MB")
    print(f"  second export byte-identical (manifest aside): {identical}; verify all: {t4 - t3:.2f}s, intact: {intact}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--status", default="confirmed", help="export the rings with this status (default confirmed)")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N", help="also export one synthetic ring of N accounts")
    args = parser.parse_args()
    settings = load_settings()
    print(f"machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}; Neo4j at {settings.uri}")
    scratch = Path(tempfile.mkdtemp(prefix="ringscope-bench-export-"))
    try:
        run(f"status {args.status}", scratch / "status", settings, status=args.status)
        if args.synthetic:
            for statement in CLEANUP:
                db.run_write(statement, {"ring_id": SYNTHETIC_RING}, settings=settings)
            t0 = time.perf_counter()
            db.run_write(BUILD, {"n": args.synthetic}, settings=settings)
            db.run_write(RING, {"ring_id": SYNTHETIC_RING, "n": args.synthetic}, settings=settings)
            print(f"(synthetic ring of {args.synthetic:,} accounts built in {time.perf_counter() - t0:.1f}s)")
            try:
                run(f"synthetic {args.synthetic:,}", scratch / "synthetic", settings, ring_id=SYNTHETIC_RING)
            finally:
                for statement in CLEANUP:
                    db.run_write(statement, {"ring_id": SYNTHETIC_RING}, settings=settings)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        db.close_all()


if __name__ == "__main__":
    main()
