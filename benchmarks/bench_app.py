"""Benchmark the investigator app on whatever world the configured Neo4j holds.

Measures, for a ring view of about 500 nodes (the largest ring, drawn with enough
identifiers to reach the target, within the app's link budget of 4,000 links):

1. server time to build the view: the ring_graph query, turning the rows into
   nodes and edges, the layout, and the data sent to the browser;
2. browser render time in headless Chromium: from navigation start to the graph
   drawn (end to end: page load, script run, component, vis-network), and the
   component's own draw time;
3. expand round trip: a real click on a node until the graph with its neighbours
   is drawn (an account: a few identifiers; an identifier: a page of 50 accounts).

Targets (issue 6): render at most 2 s, expand at most 500 ms; issue 14: expand p95 <= 300 ms on
the incident world. One browser at normal priority: these are the times an investigator sees.

    python benchmarks/bench_app.py                 # largest ring, ~500 nodes, 5 rounds
    python benchmarks/bench_app.py --ring R-... --nodes 500 --rounds 10

Needs a loaded, detected graph (`ringscope demo --no-app`, or ingest + detect) and
Debian's chromium for the browser part (skipped with a message otherwise).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import neo4j
import streamlit.logger

# the app's cached functions are used here without a Streamlit server: each would warn
# "No runtime found" at import, a page of warnings before --help
streamlit.logger.set_log_level("error")

from ringscope import db  # noqa: E402
from ringscope.app import data, headless  # noqa: E402
from ringscope.app.cli import streamlit_command  # noqa: E402
from ringscope.app.graph_view import GraphState, graph_from_maps, ring_view_layout  # noqa: E402
from ringscope.config import env_for_child, load_settings  # noqa: E402


def largest_ring() -> str:
    rows = db.run("largest_ring", {}, mode=db.READ)
    if not rows:
        sys.exit("no rings in the graph: run `ringscope demo --no-app` (or ingest + detect) first")
    return rows[0]["ring_id"]


def build_view(params: dict) -> tuple[GraphState, dict, dict[str, float]]:
    """The server side of a ring view, timed step by step (no caches; the app shares the query
    and the layout between sessions, data.ring_view)."""
    times = {}
    t0 = time.perf_counter()
    keys, rows = db.run_graph("ring_graph", params)
    t1 = time.perf_counter()
    row = dict(zip(keys, rows[0]))
    nodes, edges = graph_from_maps(row["members"] + row["identifiers"], row["links"])
    t2 = time.perf_counter()
    # the ring view's layout (what data.ring_view computes once for every session)
    positions, labelled = ring_view_layout(nodes, edges.values())
    state = GraphState.from_graph("bench", nodes, edges, positions=positions, labelled=labelled)
    t3 = time.perf_counter()
    vis = state.vis_data()
    t4 = time.perf_counter()
    times.update(query=t1 - t0, convert=t2 - t1, layout=t3 - t2, vis_data=t4 - t3, total=t4 - t0)
    return state, vis, times


def choose_params(ring_id: str, target: int) -> tuple[dict, GraphState, dict]:
    """The smallest widening of the default view that reaches `target` nodes (or the widest)."""
    tried = []
    for min_shared, per_kind in ((2, 50), (2, 150), (2, 500), (1, 500), (1, 2000)):
        params = data.ring_graph_params(ring_id, max_members=500, max_identifiers=max(500, per_kind),
                                        min_shared=min_shared, max_per_kind=per_kind)
        state, vis, times = build_view(params)
        tried.append((params, state, times))
        if len(state.nodes) >= target:
            break
    return tried[-1]


def fmt(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    p95 = ms[max(1, min(len(ms), -(-95 * len(ms) // 100))) - 1]  # nearest rank (the target is a p95)
    return (f"median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms   p95 {p95:7.1f} ms   "
            f"max {ms[-1]:7.1f} ms   (n={len(ms)})")


def browser_part(ring_id: str, params: dict, state: GraphState, rounds: int, port: int) -> None:
    if not headless.CHROMIUM.exists():
        print("browser: skipped (/usr/bin/chromium missing: apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    # the app reads the same .env as this script (it starts in the repository, which may
    # hold another .env: the server part and the browser part then measured two servers);
    # it writes its server timings (ringscope.app.timing) to a file of this run
    timings = Path(tempfile.mkdtemp(prefix="bench-app-")) / "timings.jsonl"
    env = env_for_child()
    env["RINGSCOPE_APP_TIMINGS"] = str(timings)
    proc = subprocess.Popen(streamlit_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=Path(__file__).resolve().parent.parent, env=env)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        query = urllib.parse.urlencode({"ring": ring_id, "members": params["max_members"],
                                        "min_shared": params["min_shared"], "per_kind": params["max_per_kind"]})
        url = f"http://127.0.0.1:{port}/ring?{query}"
        key = f"ring-graph::{ring_id}::{params['max_members']}::{params['min_shared']}::{params['max_per_kind']}::component"
        # an account with few links and the ring's busiest identifier (a page of up to 50 accounts)
        accounts = sorted((n for n in state.nodes.values() if n.kind == "Account"), key=lambda n: n.id)
        degree = {}
        for e in state.edges.values():
            degree[e.target] = degree.get(e.target, 0) + 1
        hub = max((nid for nid in state.nodes if not nid.startswith("Account:")), key=lambda nid: degree.get(nid, 0))

        loads, draws, expand_account, expand_hub = [], [], [], []
        split = {"to_data": [], "apply_draw": [], "panel": []}  # per click, in the browser's clock
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(headless.CHROMIUM), args=headless.ARGS)
            # One browser profile, as an investigator's: the first load fetches and compiles
            # Streamlit's and the component's code (cold), later loads find it cached (warm).
            context = browser.new_context(viewport={"width": 1500, "height": 1100})
            for i in range(rounds + 1):
                page = context.new_page()
                page.set_default_timeout(120_000)
                page.goto(url)
                page.wait_for_function("(k) => globalThis.__ringscope && globalThis.__ringscope.drawn[k]", arg=key)
                info = page.evaluate("(k) => ({drawn: globalThis.__ringscope.drawn[k]})", key)
                loads.append(info["drawn"]["at"] / 1000.0)  # performance.now() at the draw: from navigation start
                draws.append(info["drawn"]["ms"] / 1000.0)
                if i == 0:
                    print(f"browser: drew {info['drawn']['nodes']} nodes")
                page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]")
                if i == 0:
                    page.close()
                    continue  # clicks are measured on warm pages only
                for target, bucket in ((accounts[i % len(accounts)].id, expand_account), (hub, expand_hub)):
                    for _ in range(2):  # expand, then collapse: both are one click
                        graph = page.locator("[data-testid=rs-graph]").first
                        graph.scroll_into_view_if_needed()
                        box = graph.bounding_box()
                        pos = page.evaluate("([k, id]) => { const n = globalThis.__ringscope.networks[k];"
                                            " return n.canvasToDOM(n.getPositions([id])[id]); }", [key, target])
                        before = page.evaluate("(k) => globalThis.__ringscope.drawn[k].version", key)
                        t = time.perf_counter()
                        page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
                        page.wait_for_function("([k, v]) => globalThis.__ringscope.drawn[k].version > v", arg=[key, before])
                        bucket.append(time.perf_counter() - t)
                        # the page at rest before the next click: the side panel's run that follows a
                        # drawn click (graph_component.render_panel_sync) has answered, nothing runs
                        page.wait_for_function("(k) => { const r = globalThis.__ringscope; return r.panelAsks[k] !== undefined"
                                               " && r.panelDone && r.panelDone[k] >= r.panelAsks[k]; }", arg=key)
                        split["panel"].append(time.perf_counter() - t)
                        page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]")
                        got = page.evaluate("(k) => ({d: globalThis.__ringscope.drawn[k], c: globalThis.__ringscope.clicked[k]})", key)
                        split["to_data"].append((got["d"]["started"] - got["c"]) / 1000.0)
                        split["apply_draw"].append((got["d"]["at"] - got["d"]["started"]) / 1000.0)
                page.close()
            browser.close()
        print(f"browser render, cold browser cache:  navigation start -> graph drawn {loads[0] * 1000:7.1f} ms")
        print(f"browser render, warm: navigation start -> graph drawn: {fmt(loads[1:])}   target <= 2000 ms")
        print(f"  of which vis-network draw in the component:          {fmt(draws[1:])}")
        print(f"expand round trip, click an account -> drawn:      {fmt(expand_account)}   target <= 500 ms")
        print(f"expand round trip, click {hub[:24]:<24} -> drawn: {fmt(expand_hub)}   target <= 500 ms")
        print(f"expand, both kinds, click -> drawn:                  {fmt(expand_account + expand_hub)}   "
              "target (issue 14) p95 <= 300 ms")
        server = [json.loads(line)["ms"] / 1000.0 for line in timings.read_text().splitlines()
                  if json.loads(line)["what"] == "expand"] if timings.exists() else []
        print("where a click's time goes (every click above):")
        print(f"  server: the click's callback to the end of the graph's run: {fmt(server)}")
        print(f"  browser: click handler -> the answer reaches the component:  {fmt(split['to_data'])}")
        print("    (the send, the server's run, the transfer, Streamlit's frontend)")
        print(f"  browser: the answer applied to vis and drawn:               {fmt(split['apply_draw'])}")
        print(f"  click -> the side panel's run done (after the draw):        {fmt(split['panel'])}")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ring", help="ring_id to draw (default: the largest ring)")
    ap.add_argument("--nodes", type=int, default=500, help="nodes the view should reach (default 500)")
    ap.add_argument("--rounds", type=int, default=5, help="page loads and clicks measured (default 5)")
    ap.add_argument("--port", type=int, default=8799, help="port for the app under test (default 8799)")
    args = ap.parse_args()

    settings = load_settings()
    info = db.server_info(settings)
    print(f"graph: {info['nodes']:,} nodes, {info['relationships']:,} relationships at {settings.uri}")
    try:
        import importlib.metadata as md
        rust = md.version("neo4j-rust-ext")
    except Exception:
        rust = "not installed"
    print(f"driver: neo4j {neo4j.__version__}, neo4j-rust-ext {rust}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    ring_id = args.ring or largest_ring()
    params, state, _ = choose_params(ring_id, args.nodes)
    print(f"ring {ring_id}: view of {len(state.nodes)} nodes, {len(state.edges)} relationships "
          f"(min_shared={params['min_shared']}, per_kind={params['max_per_kind']})")
    server = [build_view(params)[2] for _ in range(args.rounds)]
    for step in ("query", "convert", "layout", "vis_data", "total"):
        print(f"server {step:<9} {fmt([t[step] for t in server])}")
    browser_part(ring_id, params, state, args.rounds, args.port)


if __name__ == "__main__":
    main()
