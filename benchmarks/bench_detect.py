"""Benchmark detection: wall time per stage on the graph in the configured database,
and (given the world's labels) the detection figures next to the two baselines.
Prints its figures; it is not a test.

    # the graph already loaded (e.g. `ringscope ingest /tmp/incident`):
    python benchmarks/bench_detect.py --labels /tmp/incident/labels.csv
    # load a world first (refuses a database holding data unless --reset):
    python benchmarks/bench_detect.py --world /tmp/medium --reset
    # a second run measures re-detection (ids matched, nothing new):
    python benchmarks/bench_detect.py --runs 2

Target (issue 5): detection on the incident world (1M legitimate + 25k operator
accounts, 28.8M operator exchanges) in at most 5 minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from ringscope import db
from ringscope.config import load_settings
from ringscope.detection.evaluate import (
    BASELINE_B_CAP,
    baseline_rings,
    database_contents,
    format_table,
    read_labels,
    score,
)
from ringscope.detection.pipeline import detect
from ringscope.errors import RingScopeError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", type=Path, help="load this world first (into an empty database)")
    parser.add_argument("--reset", action="store_true", help="wipe a non-empty database before --world")
    parser.add_argument("--labels", type=Path, help="labels.csv (or the world folder) to score against")
    parser.add_argument("--runs", type=int, default=1, help="detection runs (the second one re-detects)")
    parser.add_argument("--dry-run", action="store_true", help="do not write rings")
    parser.add_argument("--baselines", action="store_true", help="also time and score the two baselines")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()

    settings = load_settings()
    figures: dict = {"machine": f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}"}
    if args.world:
        from ringscope import schema
        from ringscope.ingest.job import ingest_world

        contents = database_contents(settings)
        if contents["has_data"]:
            if not args.reset:
                raise SystemExit("the database holds data: add --reset to wipe it, or drop --world")
            schema.reset(settings)
        t = time.perf_counter()
        ingest_world(args.world, settings)
        figures["load_seconds"] = round(time.perf_counter() - t, 1)
        print(f"loaded {args.world} in {figures['load_seconds']:.0f}s")
    info = db.server_info(settings)
    figures["graph"] = {"nodes": info["nodes"], "relationships": info["relationships"], "neo4j": info["version"]}
    print(f"graph: {info['nodes']:,} nodes, {info['relationships']:,} relationships (Neo4j {info['version']})")

    labels_path = args.labels or args.world
    labels = read_labels(labels_path if labels_path.is_dir() else labels_path.parent) if labels_path else None

    runs = []
    for k in range(args.runs):
        t = time.perf_counter()
        result = detect(settings, write=not args.dry_run)
        wall = time.perf_counter() - t
        run = {"run": k + 1, "wall_seconds": round(wall, 1), "stages": result.timings, **result.stats}
        if result.write is not None:
            run["written"] = result.write.__dict__ | {"ring_ids": len(result.write.ring_ids)}
        runs.append(run)
        print(f"run {k + 1}: {wall:.1f}s  stages {result.timings}")
        print(f"  groups {result.stats['groups']}  candidate pairs {result.stats['candidate_pairs']:,}  "
              f"pairs {result.stats['pairs']:,}  strong links {result.stats['strong_links']:,}")
        print(f"  {result.stats['candidate_groups']:,} candidate groups ({result.stats['candidate_accounts']:,} accounts) -> "
              f"{result.stats['rings']:,} rings, {result.stats['flagged_accounts']:,} accounts flagged")
        if result.write is not None:
            w = result.write
            print(f"  written: {w.created} new, {w.kept} kept, {w.retired} retired, {w.deleted} deleted")
    figures["runs"] = runs
    if labels is not None:
        scores = [score("RingScope", [r.members for r in result.rings], labels, runs[-1]["wall_seconds"])]
        if args.baselines:
            for name, cap in (("A: all shared card/device/IP", None), (f"B: > {BASELINE_B_CAP} dropped", BASELINE_B_CAP)):
                t = time.perf_counter()
                rings = baseline_rings(cap, settings)
                scores.append(score(name, rings, labels, time.perf_counter() - t))
        print(format_table(scores))
        if scores[0].missed:
            print(f"missed rings: {', '.join(scores[0].missed)}")
        figures["scores"] = [s.as_dict() for s in scores]
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    try:
        main()
    except RingScopeError as exc:
        raise SystemExit(f"error: {exc}")
