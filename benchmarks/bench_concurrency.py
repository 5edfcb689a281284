"""Many investigators at once: N headless Chromium sessions on one app, server time split
from client time.

Starts the app (`streamlit run`, as `ringscope app` does) with server-side timings on
(`RINGSCOPE_APP_TIMINGS`, see app/timing.py), then for each N in --sessions runs N
investigators at once, each in its own browser context (its own Streamlit session, cookies
and HTTP cache) of one headless Debian chromium, driven by Playwright. Each investigator
opens the ring view --views times and, on each, clicks --clicks accounts on the canvas
(expand, then collapse on the next click of the same node). Reported per N:

* ring view, server: the page's script run (app/timing.py "page" lines for /ring), its wall time
  and the CPU time of the run's thread (what the app itself computed, without waits);
* ring view, client: navigation start to the graph drawn, in the browser;
* expand, server: a click's callback to the end of the graph fragment's run ("expand");
* expand, client: the click until the component drew the new version;
* bytes the browser received per click (websocket frames) and per ring view (all responses).

Targets (issue 14): 8 investigators, ring view p95 <= 2 s and expand p95 <= 0.5 s server-side.

    python benchmarks/bench_concurrency.py                       # largest ring, N = 1 2 4 8
    python benchmarks/bench_concurrency.py --ring R-... --sessions 1 8 --views 3 --clicks 4
    python benchmarks/bench_concurrency.py --sessions 8 --views 2 --clicks 3 --profile 40

The browsers run on the same machine as the app and Neo4j here. By default they run at the
lowest priority (nice 19 for their scheduler autogroup and their processes,
ringscope.app.headless), so the server takes the CPU it needs first, as if the browsers were on
another machine; the client times then include the browsers' wait for what is left.
`--browser-cpus 1` also pins them to CPU 1, `--same-priority` runs them as the app runs.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from ringscope import db
from ringscope.app import headless
from ringscope.app.cli import streamlit_command
from ringscope.config import env_for_child, load_settings

ROOT = Path(__file__).resolve().parent.parent


def ring_and_size(ring_id: str | None) -> tuple[str, int]:
    """The ring to open (the largest unless named) and its current member count."""
    rows = db.run("largest_ring", {"ring_id": ring_id or ""}, mode=db.READ)
    if not rows:
        sys.exit(f"no ring {ring_id!r} with members" if ring_id else "no rings in the graph: ingest and detect a world first")
    return rows[0]["ring_id"], rows[0]["accounts"]


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def fmt(values: list[float], unit: str = "ms") -> str:
    if not values:
        return "no samples"
    return (f"p50 {pct(values, 50):8.1f} {unit}  p95 {pct(values, 95):8.1f} {unit}  "
            f"max {max(values):8.1f} {unit}  (n={len(values)})")


def wait_health(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"streamlit exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    sys.exit("streamlit did not answer within 90 s")


async def investigator(browser, url: str, key: str, who: int, views: int, clicks: int, out: dict,
                       timeout_ms: int) -> None:
    context = await browser.new_context(viewport={"width": 1500, "height": 1100})
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    received = {"ws": 0, "http": 0}

    def on_ws(ws):
        ws.on("framereceived", lambda payload: received.__setitem__("ws", received["ws"] + len(payload)))

    async def on_response(response):
        try:
            received["http"] += len(await response.body())
        except Exception:  # redirects, aborted responses
            pass

    page.on("websocket", on_ws)
    page.on("response", lambda r: asyncio.ensure_future(on_response(r)))
    idle = "[data-testid=stApp][data-test-script-state=notRunning]"
    for view in range(views):
        received["ws"] = received["http"] = 0
        await page.goto(url)
        await page.wait_for_function("(k) => globalThis.__ringscope && globalThis.__ringscope.drawn[k]", arg=key)
        drawn = await page.evaluate("(k) => globalThis.__ringscope.drawn[k]", key)
        out["view_client"].append(drawn["at"])  # performance.now() at the draw: from navigation start
        await page.wait_for_selector(idle)
        out["view_bytes"].append(received["ws"] + received["http"])
        accounts = await page.evaluate(
            "(k) => globalThis.__ringscope.networks[k].body.data.nodes.getIds().filter((i) => i.startsWith('Account:')).sort()",
            key)
        for c in range(clicks):
            target = accounts[(who * 7 + view * 3 + c // 2) % len(accounts)]  # expand, then collapse it
            graph = page.locator("[data-testid=rs-graph]").first
            await graph.scroll_into_view_if_needed()
            box = await graph.bounding_box()
            pos = await page.evaluate("([k, id]) => { const n = globalThis.__ringscope.networks[k];"
                                      " return n.canvasToDOM(n.getPositions([id])[id]); }", [key, target])
            before = await page.evaluate("(k) => globalThis.__ringscope.drawn[k].version", key)
            received["ws"] = 0
            started = time.perf_counter()
            await page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
            await page.wait_for_function("([k, v]) => globalThis.__ringscope.drawn[k].version > v", arg=[key, before])
            out["expand_client"].append((time.perf_counter() - started) * 1000)
            # at rest before the next click: the side panel's run that follows a drawn click
            # (graph_component.render_panel_sync) has answered too (as in bench_app.py)
            await page.wait_for_function("(k) => { const r = globalThis.__ringscope; return r.panelAsks[k] !== undefined"
                                         " && r.panelDone && r.panelDone[k] >= r.panelAsks[k]; }", arg=key)
            await page.wait_for_selector(idle)
            out["click_bytes"].append(received["ws"])
    await context.close()


async def phase(url: str, key: str, n: int, views: int, clicks: int, executable: Path,
                timeout_ms: int = 600_000) -> dict:
    from playwright.async_api import async_playwright

    out = {"view_client": [], "expand_client": [], "view_bytes": [], "click_bytes": [], "failed": []}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(executable), args=headless.ARGS)
        results = await asyncio.gather(*(investigator(browser, url, key, who, views, clicks, out, timeout_ms)
                                         for who in range(n)), return_exceptions=True)
        # an investigator whose browser gave up (a starved low-priority renderer) is reported,
        # and the server times of everyone's runs are still counted
        out["failed"] = [f"{type(r).__name__}: {str(r).splitlines()[0]}" for r in results if isinstance(r, BaseException)]
        await browser.close()
    return out


def server_times(path: Path, offset: int) -> tuple[dict[str, list[float]], int]:
    """The app's timing lines since `offset`: wall and CPU milliseconds of ring views and expands."""
    with open(path, encoding="utf-8") as f:
        f.seek(offset)
        lines = f.read()
        end = f.tell()
    out: dict[str, list[float]] = {"view": [], "view_cpu": [], "expand": [], "expand_cpu": []}
    for line in lines.splitlines():
        row = json.loads(line)
        what = ("view" if row["what"] == "page" and row.get("page") == "ring"
                else "expand" if row["what"] == "expand" else None)
        if what:
            out[what].append(row["ms"])
            out[what + "_cpu"].append(row.get("cpu_ms", float("nan")))
    return out, end


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (and their reaped children)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / tick


def neo4j_pid(settings) -> int | None:
    """The local Neo4j server's process id, when it is one this machine runs (for its CPU time)."""
    from ringscope.server import local

    try:
        return local.read_pid(local.ServerPaths(settings.local.home))
    except (AttributeError, OSError, ValueError):
        return None


def clear_profiles(folder: Path) -> None:
    for path in folder.glob("*.prof") if folder.is_dir() else ():
        path.unlink()


def print_profiles(folder: Path, rows: int) -> None:
    """The server's cProfile statistics of the runs since the last clear, summed per kind."""
    import io
    import pstats

    for what in ("page", "expand"):
        files = sorted(str(p) for p in folder.glob(f"{what}-*.prof"))
        if not files:
            continue
        text = io.StringIO()
        stats = pstats.Stats(files[0], stream=text)
        for more in files[1:]:
            stats.add(more)
        stats.sort_stats("cumulative").print_stats(rows)
        print(f"  --- server profile, {what} ({len(files)} runs, summed) ---")
        print("\n".join("    " + line for line in text.getvalue().splitlines() if line.strip()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ring", help="ring_id every investigator opens (default: the largest ring)")
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 2, 4, 8], help="investigators at once (1 2 4 8)")
    ap.add_argument("--views", type=int, default=3, help="ring views per investigator (3)")
    ap.add_argument("--clicks", type=int, default=4, help="clicks on accounts per ring view (4)")
    ap.add_argument("--port", type=int, default=8620, help="port for the app under test (8620)")
    ap.add_argument("--browser-nice", type=int, default=headless.LOW_NICE,
                    help=f"nice of the browsers' scheduler group and processes ({headless.LOW_NICE}; the app "
                         "and Neo4j keep theirs), so the server is measured as if the browsers ran elsewhere")
    ap.add_argument("--client-timeout", type=int, default=600,
                    help="seconds a browser may take for one step (600: low-priority browsers wait for the CPU)")
    ap.add_argument("--browser-cpus", help="pin the browsers to these CPUs (a taskset list, e.g. 1)")
    ap.add_argument("--profile", type=int, default=0, metavar="ROWS",
                    help="run every timed server run under cProfile and print, per N, the ROWS functions with "
                         "the most cumulative time in ring views and in expands")
    ap.add_argument("--same-priority", action="store_true",
                    help="run the browsers at the app's priority (the old measurement)")
    args = ap.parse_args()
    if not headless.CHROMIUM.exists():
        sys.exit("/usr/bin/chromium is missing: apt-get install chromium")

    settings = load_settings()
    info = db.server_info(settings)
    ring_id, size = ring_and_size(args.ring)
    nice = None if args.same_priority else args.browser_nice
    print(f"graph: {info['nodes']:,} nodes, {info['relationships']:,} relationships at {settings.uri}; "
          f"ring {ring_id} ({size} accounts); {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(headless.describe(nice, None if args.same_priority else args.browser_cpus))
    work = Path(tempfile.mkdtemp(prefix="ringscope-concurrency-"))
    timings = work / "timings.jsonl"
    timings.touch()
    executable = (headless.CHROMIUM if nice is None
                  else headless.low_priority_executable(work, nice, args.browser_cpus))
    env = dict(env_for_child(), RINGSCOPE_APP_TIMINGS=str(timings))  # the app reads this script's .env
    profiles = work / "profiles"
    if args.profile:
        profiles.mkdir()
        env["RINGSCOPE_APP_PROFILE"] = str(profiles)
    # its own session, hence its own scheduler autogroup: the app does not share its CPU share
    # with this script and Playwright's driver
    proc = subprocess.Popen(streamlit_command(args.port), env=env, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server_pids = [proc.pid] + [pid for pid in [neo4j_pid(settings)] if pid]
    try:
        wait_health(args.port, proc)
        url = f"http://127.0.0.1:{args.port}/ring?" + urllib.parse.urlencode({"ring": ring_id})
        key = f"ring-graph::{ring_id}::250::2::50::component"
        # one investigator first, not counted: the app's first run imports and compiles, and
        # the ring's query results enter the shared caches
        asyncio.run(phase(url, key, 1, 1, 2, executable))
        offset = timings.stat().st_size
        clear_profiles(profiles)
        for n in args.sessions:
            load0 = os.getloadavg()[0]
            cpu0 = cpu_seconds(server_pids)
            started = time.perf_counter()
            out = asyncio.run(phase(url, key, n, args.views, args.clicks, executable, args.client_timeout * 1000))
            wall = time.perf_counter() - started
            cpu = cpu_seconds(server_pids) - cpu0
            server, offset = server_times(timings, offset)
            print(f"\nN={n}: {n * args.views} ring views, {n * args.views * args.clicks} clicks in {wall:.1f} s "
                  f"(load average {load0:.1f} -> {os.getloadavg()[0]:.1f}; app + Neo4j used {cpu:.1f} CPU s)")
            print(f"  ring view, server  {fmt(server['view'])}   target p95 <= 2000 ms")
            print(f"    of which CPU     {fmt(server['view_cpu'])}   (the run's own thread)")
            print(f"  ring view, client  {fmt(out['view_client'])}")
            print(f"  expand, server     {fmt(server['expand'])}   target p95 <= 500 ms")
            print(f"    of which CPU     {fmt(server['expand_cpu'])}")
            print(f"  expand, client     {fmt(out['expand_client'])}")
            if out["view_bytes"] and out["click_bytes"]:
                print(f"  received per ring view {statistics.median(out['view_bytes']) / 1024:8.1f} kB (median), "
                      f"per click {statistics.median(out['click_bytes']) / 1024:8.1f} kB (median)")
            for failure in out["failed"]:
                print(f"  an investigator's browser stopped: {failure}")
            if args.profile:
                print_profiles(profiles, args.profile)
                clear_profiles(profiles)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
