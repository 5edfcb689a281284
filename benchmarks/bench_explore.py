"""Benchmark the exploration queries: latency of every stored query in the `exploration`
category, as the app and `ringscope query run` call them, on the graph in the configured
database. Prints its figures; it is not a test.

    # the incident world loaded and detected (ringscope ingest /tmp/incident; ringscope detect),
    # page cache at least the store size (RINGSCOPE_NEO4J_PAGECACHE=5g for the incident world):
    python benchmarks/bench_explore.py --warm
    python benchmarks/bench_explore.py --samples 50 --json /tmp/explore.json

Ids are drawn at random from the database (the `sample_nodes` query), from the members of
detected rings, and from the busiest identifiers of each kind (`busiest_identifiers`: webmail
domains, CGNAT exits, public templates), so the figures cover what an investigator clicks on,
supernodes included. Each query is run once untimed first (plan compilation), then once per
sampled id; the time is the client's wall time for the whole call (transaction, rows fetched).

Target (issue 5): exploration queries p95 at most 100 ms on the incident world.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterator

from queries import run_bench_read
from ringscope import db
from ringscope.catalog import get_query, queries_in, run_query
from ringscope.config import load_settings

IDENTIFIER_KINDS = ("PaymentInstrument", "Device", "IP", "PromptTemplate", "EmailDomain", "Org")
NODE_KINDS = ("Account",) + IDENTIFIER_KINDS
SEARCH_BY_KIND = {
    "Device": "search_device",
    "PaymentInstrument": "search_instrument",
    "PromptTemplate": "search_template",
    "Org": "search_org",
}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: p95 of 20 runs is the 19th slowest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


class Samples:
    """Ids to look up, drawn once from the database."""

    def __init__(self, settings, n: int, rng: random.Random):
        self.rng = rng
        self.n = n
        rows = run_bench_read("sample_nodes", {"per_kind": max(n * 2, 20)}, settings=settings)
        self.nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            self.nodes[row["kind"]].append(row)
        for kind in self.nodes:
            rng.shuffle(self.nodes[kind])
        members = run_query("detected_ring_members", settings=settings)
        self.rings: dict[str, list[str]] = defaultdict(list)
        for row in members:
            self.rings[row["ring_id"]].append(row["account_id"])
        t = time.perf_counter()
        self.busiest = run_bench_read("busiest_identifiers", {"per_kind": 3}, settings=settings)
        self.busiest_seconds = time.perf_counter() - t
        for row in self.busiest:  # the key the app's "show 50 more" passes for a deep page
            deep = max(0, min(row["links"] - 50, 5000))
            before = run_query("neighbourhood", {"kind": row["kind"], "key": row["key"], "skip": deep - 1, "limit": 1},
                               settings=settings) if deep else []
            row["after"] = before[0]["m"]["account_id"] if before else ""  # an identifier's neighbours are accounts

    def nodes_of(self, kind: str) -> list[dict[str, Any]]:
        return self.nodes.get(kind, [])[: self.n]

    def ring_members(self) -> Iterator[list[str]]:
        ring_ids = sorted(self.rings)
        for _ in range(self.n):
            if ring_ids:
                yield self.rings[self.rng.choice(ring_ids)]

    def account_pairs(self) -> Iterator[tuple[str, str]]:
        accounts = [row["key"] for row in self.nodes.get("Account", [])]
        for _ in range(self.n):
            if len(accounts) >= 2:
                yield tuple(self.rng.sample(accounts, 2))


def cases(s: Samples) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(query, case, params) for every timed call."""
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # app.data's caches warn outside a Streamlit run
    from ringscope.app.data import cidr_params  # the app's own CIDR -> parameters

    accounts = s.nodes_of("Account")
    for row in accounts:
        yield "search_account", "whole account id", {"q": row["key"], "limit": 50}
        yield "search_account", "account id prefix", {"q": row["key"][:7], "limit": 50}
        if row["display_name"]:
            yield "search_account", "word of a display name", {"q": row["display_name"].split()[-1], "limit": 50}
        if row["email"]:
            yield "search_email", "whole e-mail", {"q": row["email"], "limit": 50}
            yield "search_email", "e-mail domain", {"q": "@" + row["email"].split("@")[-1], "limit": 50}
    for row in s.nodes_of("IP"):
        yield "search_ip", "whole address", {"q": row["key"], "limit": 50}
        if row["network"]:
            yield "search_ip", "intel network", {"q": row["network"], "limit": 50}
        if ":" not in row["key"]:
            block = ".".join(row["key"].split(".")[:3]) + ".0/24"
            yield "search_ip_cidr", "/24 block", cidr_params(block)
            block = ".".join(row["key"].split(".")[:2]) + ".0.0/16"
            yield "search_ip_cidr", "/16 block", cidr_params(block)
    for kind, name in SEARCH_BY_KIND.items():
        for row in s.nodes_of(kind):
            yield name, "whole key", {"q": row["key"], "limit": 50}
            yield name, "key prefix", {"q": row["key"][:6], "limit": 50}

    for kind in NODE_KINDS:
        for row in s.nodes_of(kind):
            yield "entity_lookup", f"random {kind}", {"kind": kind, "key": row["key"], "max_rings": 50}
            yield "neighbourhood", f"random {kind}", {"kind": kind, "key": row["key"], "skip": 0, "limit": 50}
    for row in s.busiest:
        for _ in range(max(1, s.n // 10)):
            yield "entity_lookup", f"busiest {row['kind']}", {"kind": row["kind"], "key": row["key"], "max_rings": 50}
            yield "neighbourhood", f"busiest {row['kind']} page 1", {"kind": row["kind"], "key": row["key"],
                                                                     "skip": 0, "limit": 50}
            deep = max(0, min(row["links"] - 50, 5000))
            page = f"page {deep // 50 + 1}"
            yield "neighbourhood", f"busiest {row['kind']} {page} by skip", {
                "kind": row["kind"], "key": row["key"], "skip": deep, "limit": 50}
            if deep and row["after"]:
                yield "neighbourhood", f"busiest {row['kind']} {page} after a key (app)", {
                    "kind": row["kind"], "key": row["key"], "skip": 0, "limit": 50, "after": row["after"]}

    for members in s.ring_members():
        yield "account_rings", "ring member", {"account_id": s.rng.choice(members), "limit": 50}
        yield "shared_identifiers", "10 members of a ring", {
            "account_ids": s.rng.sample(members, min(10, len(members))), "min_accounts": 2, "limit": 200}
        yield "shared_identifiers", "whole ring", {"account_ids": members, "min_accounts": 2, "limit": 200}
        a, b = s.rng.sample(members, 2) if len(members) >= 2 else (members[0], members[0])
        yield "shortest_path", "two members of a ring", {"from_account": a, "to_account": b,
                                                         "skip_kinds": ["EmailDomain", "Org"]}
    for row in accounts:
        yield "account_rings", "random account", {"account_id": row["key"], "limit": 50}
    for a, b in s.account_pairs():
        yield "shortest_path", "two random accounts", {"from_account": a, "to_account": b,
                                                       "skip_kinds": ["EmailDomain", "Org"]}


def timed(settings, name: str, params: dict[str, Any], timeout: float) -> tuple[float, int]:
    """Seconds and rows for one call, through the same door as the app (driver values kept)."""
    query = get_query(name)
    bound = query.bind(params)
    t = time.perf_counter()
    _, rows = db.run_read_graph(query.cypher, bound, settings=settings, timeout=timeout)
    return time.perf_counter() - t, len(rows)


def table(rows: list[list[Any]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(v).rjust(w) if i else str(v).ljust(w) for i, (v, w) in enumerate(zip(r, widths)))
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def summarize(times_ms: list[float]) -> dict[str, float]:
    return {"runs": len(times_ms), "p50_ms": round(statistics.median(times_ms), 1),
            "p95_ms": round(percentile(times_ms, 95), 1), "max_ms": round(max(times_ms), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=30, help="sampled ids per case (default 30)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for picking ids (default 1)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one call may take (default 30)")
    parser.add_argument("--target-ms", type=float, default=100.0, help="p95 target per query (default 100)")
    parser.add_argument("--warm", action="store_true",
                        help="load the store into the page cache first (`ringscope db warm`): a server that has run a while")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()

    settings = load_settings()
    info = db.server_info(settings)
    print(f"graph: {info['nodes']:,} nodes, {info['relationships']:,} relationships (Neo4j {info['version']})")
    if args.warm:
        row = run_query("warm_page_cache", settings=settings)[0]
        print(f"page cache warmed: {row['bytes'] / 1e9:.1f} GB in {row['milliseconds'] / 1000:.1f}s")
    t = time.perf_counter()
    samples = Samples(settings, args.samples, random.Random(args.seed))
    print(f"sampled ids in {time.perf_counter() - t:.1f}s ({len(samples.rings)} rings; "
          f"busiest_identifiers took {samples.busiest_seconds:.1f}s)")

    all_cases = list(cases(samples))
    names = [q.name for q in queries_in("exploration")]
    missing = sorted(set(names) - {name for name, _, _ in all_cases})
    if missing:
        raise SystemExit(f"no benchmark case for exploration queries {missing}: add them to cases()")

    warmed: set[str] = set()
    by_query: dict[str, list[float]] = defaultdict(list)
    by_case: dict[tuple[str, str], list[float]] = defaultdict(list)
    rows_by_case: dict[tuple[str, str], list[int]] = defaultdict(list)
    for name, case, params in all_cases:
        if name not in warmed:  # plan compilation is paid once per server, not per click
            timed(settings, name, params, args.timeout)
            warmed.add(name)
        seconds, n_rows = timed(settings, name, params, args.timeout)
        by_query[name].append(seconds * 1000)
        by_case[(name, case)].append(seconds * 1000)
        rows_by_case[(name, case)].append(n_rows)

    case_rows = []
    for (name, case), times in sorted(by_case.items()):
        f = summarize(times)
        case_rows.append([name, case, f["runs"], f["p50_ms"], f["p95_ms"], f["max_ms"],
                          round(statistics.mean(rows_by_case[(name, case)]), 1)])
    print()
    print(table(case_rows, ["query", "case", "runs", "p50 ms", "p95 ms", "max ms", "rows"]))

    query_rows, figures = [], {}
    for name in names:
        f = summarize(by_query[name])
        f["meets_target"] = f["p95_ms"] <= args.target_ms
        figures[name] = f
        query_rows.append([name, f["runs"], f["p50_ms"], f["p95_ms"], f["max_ms"], "yes" if f["meets_target"] else "NO"])
    everything = summarize([t for times in by_query.values() for t in times])
    query_rows.append(["(all calls)", everything["runs"], everything["p50_ms"], everything["p95_ms"],
                       everything["max_ms"], "yes" if everything["p95_ms"] <= args.target_ms else "NO"])
    print()
    print(table(query_rows, ["query", "runs", "p50 ms", "p95 ms", "max ms", f"p95<={args.target_ms:g}"]))
    machine = f"{platform.node()}: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}"
    print(f"\n{machine}")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine, "graph": {"nodes": info["nodes"], "relationships": info["relationships"]},
            "queries": figures, "all_calls": everything,
            "cases": [dict(zip(["query", "case", "runs", "p50_ms", "p95_ms", "max_ms", "mean_rows"], r))
                      | {"times_ms": [round(x, 1) for x in by_case[(r[0], r[1])]]} for r in case_rows],
        }, indent=2))


if __name__ == "__main__":
    main()
