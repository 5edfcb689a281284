"""Ingest benchmark: prints its figures (nothing here asserts a target).

    python benchmarks/bench_ingest.py engines [--rows 10000000]
        Exchange aggregation engines side by side on one synthetic Parquet file,
        the same group-bys (account x day, account x hour, account x template,
        account x IP) in DuckDB, Polars, pyarrow and pandas in 1M-row chunks; and
        `ingest`, the product path (DuckDB validation + aggregation + the
        stage tables). Each runs in a fresh process; rows/s and peak RSS.

    python benchmarks/bench_ingest.py worlds --worlds demo,medium[,incident] --yes [--warm]
        For each world (seed_data/demo, or generated with `ringscope seed` into
        --cache): empty the configured database (--yes confirms; with --warm, load and
        delete the demo world next, so the server's code is compiled as on a running
        server), run
        `ingest_world` in a child process and report rows/s per stage, wall time,
        the child's peak RSS and the Neo4j store size; then, side by side, a naive
        row-at-a-time MERGE loader on a sample of raw exchanges, and
        `neo4j-admin database import full` of the same graph into a scratch
        store (the ceiling).

Machine for the figures in README: 2 cores / 24 GB, shared with other engineers.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _child(args: list[str]) -> tuple[dict, int, float]:
    """Run this script as a child; returns (its JSON output, its peak RSS in bytes as it
    reported it from getrusage, wall seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"child {' '.join(args)} failed:\n{err[-3000:]}")
    data = json.loads(out.strip().splitlines()[-1])
    return data, int(data.get("maxrss", 0)), wall


def _maxrss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _server_cpu(settings) -> float:
    """CPU seconds (user + system) the local Neo4j process has used so far; 0 when unknown.
    Divided by rows, less sensitive to a shared machine's load than wall time."""
    from ringscope.server import local

    pid = local.read_pid(local.ServerPaths(settings.local.home)) if settings.uses_local_server else None
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_threads_cpu(settings) -> dict[str, float]:
    """CPU seconds of the local Neo4j process by kind of thread (from /proc/PID/task): the
    Bolt workers running the queries, the garbage collector, the JIT compilers, the rest.
    Empty when unknown. The JIT's share is a restarted server's warm-up (a running
    production server has compiled its code already)."""
    from ringscope.server import local

    pid = local.read_pid(local.ServerPaths(settings.local.home)) if settings.uses_local_server else None
    kinds = {"query workers (Bolt)": ("neo4j.BoltWorke", "neo4j.BoltNetwo"), "garbage collector": ("GC Thread", "G1 "),
             "JIT compiler": ("C1 CompilerThre", "C2 CompilerThre")}
    out: dict[str, float] = {}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except (OSError, TypeError):
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as fh:
                text = fh.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        kind = next((k for k, prefixes in kinds.items() if name.startswith(prefixes)), "other")
        out[kind] = out.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


# ---------------------------------------------------------------- engines

def synth_exchanges(path: Path, rows: int, accounts: int = 25_000, days: int = 28, seed: int = 1) -> None:
    """Operator-like traffic: many exchanges per account and day, a few templates and
    proxy IPs per account."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    acc = np.array([f"acc_{i:012x}" for i in range(accounts)])
    tpl = np.array([f"tpl_{i:016x}" for i in range(20_000)])
    ips = np.array([f"{(i >> 16) % 200 + 20}.{(i >> 8) % 256}.{i % 256}.{(i * 7) % 250 + 1}" for i in range(400_000)])
    start = np.datetime64("2025-02-01T00:00:00", "us").astype(np.int64)
    schema = pa.schema([("account_id", pa.string()), ("ts", pa.timestamp("us", tz="UTC")), ("ip", pa.string()),
                        ("api_key_id", pa.string()), ("model", pa.string()), ("input_tokens", pa.int32()),
                        ("output_tokens", pa.int32()), ("prompt_fingerprint", pa.string())])
    with pq.ParquetWriter(path, schema) as w:
        for s in range(0, rows, 1_000_000):
            m = min(1_000_000, rows - s)
            a = rng.integers(0, accounts, m)
            w.write_table(pa.table({
                "account_id": acc[a],
                "ts": pa.array(start + rng.integers(0, days * 86_400_000_000, m), pa.timestamp("us", tz="UTC")),
                "ip": ips[(a * 16 + rng.integers(0, 16, m)) % len(ips)],
                "api_key_id": np.char.add("key_", (a % 1000).astype(str)),
                "model": np.full(m, "model-l"),
                "input_tokens": rng.integers(50, 3000, m).astype(np.int32),
                "output_tokens": rng.integers(50, 6000, m).astype(np.int32),
                "prompt_fingerprint": tpl[(a * 4 + rng.integers(0, 4, m)) % len(tpl)],
            }, schema=schema))


def engine_duckdb(path: Path) -> dict:
    """The same four group-bys in DuckDB SQL straight over the file."""
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET memory_limit = '1GB'")
    con.execute("SET preserve_insertion_order = false")
    src = f"read_parquet('{path}')"
    groups = {}
    con.execute(f"CREATE TABLE d AS SELECT account_id, CAST(ts AS DATE) AS day, count(*) AS n, sum(input_tokens) AS i, "
                f"sum(output_tokens) AS o, min(ts) AS mn, max(ts) AS mx FROM {src} GROUP BY ALL")
    con.execute(f"CREATE TABLE h AS SELECT account_id, hour(ts) AS h, count(*) AS n FROM {src} GROUP BY ALL")
    groups["accounts"] = con.execute("SELECT count(DISTINCT account_id) FROM d").fetchall()[0][0]
    con.execute(f"CREATE TABLE t AS SELECT account_id, prompt_fingerprint, count(*), sum(input_tokens), sum(output_tokens), "
                f"min(ts), max(ts) FROM {src} WHERE prompt_fingerprint IS NOT NULL GROUP BY ALL")
    groups["templates"] = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    con.execute(f"CREATE TABLE p AS SELECT account_id, ip, count(*), min(ts), max(ts) FROM {src} WHERE ip IS NOT NULL GROUP BY ALL")
    groups["ips"] = con.execute("SELECT count(*) FROM p").fetchall()[0][0]
    return {"seconds": time.perf_counter() - t0, "groups": groups}


def engine_ingest(path: Path) -> dict:
    """The product path: ingest's validation and exchange aggregation (DuckDB),
    up to the stage tables the loaders read."""
    import pyarrow.parquet as pq

    from ringscope.ingest import aggregate, contract
    from ringscope.ingest.engine import Engine
    from ringscope.ingest.files import SourceFile
    from ringscope.ingest.ipintel import IntelTable
    from ringscope.ingest.validate import find_rejects, valid_rows_view

    t0 = time.perf_counter()
    engine = Engine(memory_limit="1GB")
    kind = contract.KINDS["exchanges"]
    engine.con.execute(f"INSERT INTO known SELECT DISTINCT CAST(account_id AS VARCHAR) FROM read_parquet('{path}')")
    t1 = time.perf_counter()
    source = SourceFile("exchanges", path, path.parent)
    engine.open_source(kind, source, pq.read_schema(path).names, None)
    if hasattr(engine, "profile"):  # content fingerprint + value checks: part of the product path
        engine.profile(kind)

    class Sink:
        count = 0

        def write(self, rows):
            for _ in rows:
                self.count += 1

    rejected = find_rejects(engine, kind, Sink())
    valid_rows_view(engine, rejected)
    t2 = time.perf_counter()
    stages = aggregate.exchanges(engine, IntelTable())
    t3 = time.perf_counter()
    groups = {s.name: s.total for s in stages}
    engine.close()
    return {"validate_s": t2 - t1, "aggregate_s": t3 - t2, "seconds": t3 - t1, "setup_s": t1 - t0,
            "groups": groups, "rejected": rejected}


def engine_polars(path: Path) -> dict:
    import polars as pl

    t0 = time.perf_counter()
    lf = pl.scan_parquet(path).with_columns(
        pl.col("ts").dt.date().alias("day"), pl.col("ts").dt.hour().alias("h"),
        pl.col("input_tokens").cast(pl.Int64).fill_null(0), pl.col("output_tokens").cast(pl.Int64).fill_null(0))
    dh = lf.group_by("account_id", "day", "h").agg(
        pl.len().alias("n"), pl.col("input_tokens").sum(), pl.col("output_tokens").sum(),
        pl.col("ts").min().alias("mn"), pl.col("ts").max().alias("mx")).collect(engine="streaming")
    acc = dh.group_by("account_id").agg(pl.col("n").sum(), pl.col("day").n_unique().alias("days"),
                                        pl.col("mn").min(), pl.col("mx").max())
    tpl = lf.filter(pl.col("prompt_fingerprint").is_not_null()).group_by("account_id", "prompt_fingerprint").agg(
        pl.len(), pl.col("input_tokens").sum(), pl.col("output_tokens").sum(), pl.col("ts").min().alias("mn"),
        pl.col("ts").max().alias("mx")).collect(engine="streaming")
    ip = lf.filter(pl.col("ip").is_not_null()).group_by("account_id", "ip").agg(
        pl.len(), pl.col("ts").min().alias("mn"), pl.col("ts").max().alias("mx")).collect(engine="streaming")
    return {"seconds": time.perf_counter() - t0, "groups": {"accounts": acc.height, "templates": tpl.height, "ips": ip.height}}


def _chunks(path: Path):
    import pyarrow.parquet as pq

    yield from pq.ParquetFile(path).iter_batches(batch_size=1_000_000)


def engine_pyarrow(path: Path) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc

    t0 = time.perf_counter()
    dh, tp, ipp = [], [], []
    for b in _chunks(path):
        t = pa.Table.from_batches([b])
        t = t.append_column("day", pc.floor_temporal(t["ts"], unit="day")).append_column("h", pc.hour(t["ts"]))
        dh.append(t.group_by(["account_id", "day", "h"]).aggregate(
            [("ts", "count"), ("input_tokens", "sum"), ("output_tokens", "sum"), ("ts", "min"), ("ts", "max")]))
        tp.append(t.group_by(["account_id", "prompt_fingerprint"]).aggregate(
            [("ts", "count"), ("input_tokens", "sum"), ("output_tokens", "sum"), ("ts", "min"), ("ts", "max")]))
        ipp.append(t.group_by(["account_id", "ip"]).aggregate([("ts", "count"), ("ts", "min"), ("ts", "max")]))
    dh = pa.concat_tables(dh).group_by(["account_id", "day", "h"]).aggregate(
        [("ts_count", "sum"), ("input_tokens_sum", "sum"), ("output_tokens_sum", "sum"), ("ts_min", "min"), ("ts_max", "max")])
    acc = dh.group_by(["account_id"]).aggregate([("ts_count_sum", "sum"), ("day", "count_distinct")])
    tp = pa.concat_tables(tp).group_by(["account_id", "prompt_fingerprint"]).aggregate(
        [("ts_count", "sum"), ("input_tokens_sum", "sum"), ("output_tokens_sum", "sum"), ("ts_min", "min"), ("ts_max", "max")])
    ipp = pa.concat_tables(ipp).group_by(["account_id", "ip"]).aggregate([("ts_count", "sum"), ("ts_min", "min"), ("ts_max", "max")])
    return {"seconds": time.perf_counter() - t0, "groups": {"accounts": acc.num_rows, "templates": tp.num_rows, "ips": ipp.num_rows}}


def engine_pandas(path: Path) -> dict:
    import pandas as pd

    t0 = time.perf_counter()
    dh, tp, ipp = [], [], []
    for b in _chunks(path):
        df = b.to_pandas()
        df["day"] = df["ts"].dt.floor("D")
        df["h"] = df["ts"].dt.hour
        dh.append(df.groupby(["account_id", "day", "h"], sort=False).agg(
            n=("ts", "size"), i=("input_tokens", "sum"), o=("output_tokens", "sum"), mn=("ts", "min"), mx=("ts", "max")))
        tp.append(df.groupby(["account_id", "prompt_fingerprint"], sort=False).agg(
            n=("ts", "size"), i=("input_tokens", "sum"), o=("output_tokens", "sum"), mn=("ts", "min"), mx=("ts", "max")))
        ipp.append(df.groupby(["account_id", "ip"], sort=False).agg(n=("ts", "size"), mn=("ts", "min"), mx=("ts", "max")))
    agg = {"n": "sum", "i": "sum", "o": "sum", "mn": "min", "mx": "max"}
    dh = pd.concat(dh).groupby(level=[0, 1, 2]).agg(agg).reset_index()
    acc = dh.groupby("account_id").agg(n=("n", "sum"), days=("day", "nunique"))
    tp = pd.concat(tp).groupby(level=[0, 1]).agg(agg)
    ipp = pd.concat(ipp).groupby(level=[0, 1]).agg({"n": "sum", "mn": "min", "mx": "max"})
    return {"seconds": time.perf_counter() - t0, "groups": {"accounts": len(acc), "templates": len(tp), "ips": len(ipp)}}


ENGINES = {"ingest": engine_ingest, "duckdb": engine_duckdb, "polars": engine_polars, "pyarrow": engine_pyarrow,
           "pandas": engine_pandas}


def cmd_engines(args) -> None:
    work = Path(args.cache)
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"exchanges-{args.rows}.parquet"
    if not path.exists():
        print(f"synthesising {args.rows:,} exchanges into {path} ...", flush=True)
        synth_exchanges(path, args.rows)
    print(f"\nexchange aggregation, {args.rows:,} rows from Parquet ({mb(path.stat().st_size)}), each engine in a fresh process")
    print(f"{'engine':<10} {'seconds':>8} {'rows/s':>12} {'peak RSS':>10}  groups (accounts / templates / IPs)")
    results = {}
    for name in args.engines.split(","):
        data, rss, _wall = _child(["_engine", name, str(path)])
        results[name] = data
        g = data["groups"]
        extra = f"  (validate {data['validate_s']:.1f}s + aggregate {data['aggregate_s']:.1f}s)" if "validate_s" in data else ""
        print(f"{name:<10} {data['seconds']:>8.1f} {args.rows / data['seconds']:>12,.0f} {mb(rss):>10}  "
              f"{g['accounts']:,} / {g['templates']:,} / {g['ips']:,}{extra}", flush=True)
    bare = {k: v for k, v in results.items() if k != "ingest"}
    best = min(bare, key=lambda k: bare[k]["seconds"]) if bare else None
    for name, data in bare.items():
        if name != best:
            print(f"  {best} is {data['seconds'] / results[best]['seconds']:.1f}x faster than {name}")


def _engine_child(name: str, path: str) -> None:
    data = ENGINES[name](Path(path))
    data["maxrss"] = _maxrss()
    print(json.dumps(data))


# ---------------------------------------------------------------- worlds

def _world_dir(name: str, cache: Path) -> Path:
    if name == "demo":
        return ROOT / "seed_data" / "demo"
    out = cache / name
    if not (out / "accounts.csv").exists() and not any(out.glob("accounts.*")):
        print(f"generating the {name} world into {out} (ringscope seed --preset {name} --seed 1) ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ringscope.cli", "seed", str(out), "--preset", name, "--seed", "1",
                        "--no-progress"], check=True)
        print(f"  generated in {time.perf_counter() - t0:.0f}s", flush=True)
    return out


def _ingest_child(world: str, batch_size: int, bulk: str, workers: int) -> None:
    from ringscope.ingest import ingest_world

    s = ingest_world(world, batch_size=batch_size, bulk=bulk, workers=workers,
                     rejects_dir=Path(os.environ.get("TMPDIR", "/tmp")) / "bench-rejects")
    print(json.dumps({
        "wall": s.wall_seconds, "rows_read": s.rows_read, "rows_rejected": s.rows_rejected, "rows_written": s.rows_written,
        "stage_seconds": s.stage_seconds, "rates": s.stage_rates(),
        "exchanges_rows": sum(f.rows_read for f in s.files if f.kind == "exchanges"),
        "exchanges_seconds": {k: sum(f.seconds[k] for f in s.files if f.kind == "exchanges") for k in ("read", "validate", "aggregate", "load")},
        "nodes": sum(s.nodes_created.values()), "relationships": sum(s.relationships_created.values()),
        "path": s.path, "bulk": s.bulk, "load_stages": s.load_stages,
        "deferred_indexes": len(s.deferred_indexes), "deferred_indexes_seconds": s.deferred_indexes_seconds,
        "maxrss": _maxrss(),
    }))


def _sample_exchanges(world: Path, n: int) -> list[dict]:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from ringscope.ingest.files import discover

    files = discover(world).of_kind("exchanges")
    f = files[0].path
    if f.name.endswith(".parquet"):
        table = next(pq.ParquetFile(f).iter_batches(batch_size=n))
        rows = table.to_pylist()
    else:
        rows = pacsv.read_csv(f).slice(0, n).to_pylist()
    out = []
    for r in rows[:n]:
        ts = r["ts"]
        if isinstance(ts, str):
            from datetime import datetime

            ts = datetime.fromisoformat(ts.replace("Z", "+00:00"))
        out.append({"account_id": r["account_id"], "ts": int(ts.timestamp() * 1000),
                    "fingerprint": r.get("prompt_fingerprint") or "", "address": r.get("ip") or ""})
    return out


def naive_loader(world: Path, n: int, settings) -> float:
    """Rows/s of one MERGE transaction per raw exchange row."""
    from queries import bench_query
    from ringscope import db

    query = bench_query("ingest_bench_naive_exchange")
    rows = [query.bind(r) for r in _sample_exchanges(world, n)]
    t0 = time.perf_counter()
    for r in rows:
        db.run_write(query.cypher, r, settings=settings)
    return len(rows) / (time.perf_counter() - t0)


def _csv_type(values) -> str:
    from neo4j.time import Date, DateTime

    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            return "boolean"
        if isinstance(v, int):
            return "long"
        if isinstance(v, float):
            return "double"
        if isinstance(v, DateTime):
            return "datetime"
        if isinstance(v, Date):
            return "date"
        if isinstance(v, list):
            inner = _csv_type(v)
            return (inner if inner != "string" or not v else "string") + "[]"
        return "string"
    return "string"


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ";".join(_cell(x) for x in v)
    if hasattr(v, "iso_format"):
        return v.iso_format()
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _write_import_csv(path: Path, id_header: list[str], ids, items: list[dict]) -> None:
    """One neo4j-admin CSV: the id columns, then every property seen, typed from its values."""
    keys = sorted({k for it in items for k in it["props"]})
    types = {k: _csv_type([it["props"].get(k) for it in items]) for k in keys}
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(id_header + [f"{k}:{types[k]}" for k in keys])
        for it in items:
            w.writerow(ids(it) + [_cell(it["props"].get(k)) for k in keys])


def import_ceiling(settings, scratch: Path) -> dict:
    """Export the loaded graph as neo4j-admin CSVs and time a full import into a scratch store."""
    from queries import run_bench_read
    from ringscope.server import local

    if scratch.exists():
        shutil.rmtree(scratch)
    csv_dir = scratch / "csv"
    csv_dir.mkdir(parents=True)
    by_label: dict[str, list] = {}
    for r in run_bench_read("ingest_bench_export_nodes", settings=settings):
        by_label.setdefault(r["label"], []).append(r)
    by_type: dict[str, list] = {}
    for r in run_bench_read("ingest_bench_export_relationships", settings=settings):
        by_type.setdefault(r["type"], []).append(r)
    args, rows = [], 0
    for label, items in by_label.items():
        path = csv_dir / f"nodes_{label}.csv"
        _write_import_csv(path, [":ID"], lambda it: [it["id"]], items)
        args.append(f"--nodes={label}={path}")
        rows += len(items)
    for rtype, items in by_type.items():
        path = csv_dir / f"rels_{rtype}.csv"
        _write_import_csv(path, [":START_ID", ":END_ID"], lambda it: [it["start"], it["end"]], items)
        args.append(f"--relationships={rtype}={path}")
        rows += len(items)
    home = scratch / "neo4j"
    paths = local.ServerPaths(home)
    home.mkdir(parents=True)
    (home / "lib").symlink_to(local.ServerPaths(settings.local.home).lib)
    local.write_config(settings.local, paths)
    t0 = time.perf_counter()
    proc = local._admin(paths, "database", "import", "full", "neo4j", "--overwrite-destination=true", "--array-delimiter=;",
                        "--multiline-fields=true", *args)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-3:]}
    return {"seconds": seconds, "rows": rows, "store": local.store_size_bytes(paths)}


def _empty(settings) -> None:
    """An empty database. For the local server: stop it and delete the store (instant,
    where deleting a dense graph in transactions can exceed a small heap's limit)."""
    from ringscope import db, schema
    from ringscope.server import local

    db.close_all()
    if settings.uses_local_server:
        paths = local.ServerPaths(settings.local.home)
        local.stop(settings)
        for sub in ("databases", "transactions"):
            shutil.rmtree(paths.data / sub / settings.database, ignore_errors=True)
        local.start(settings, echo=lambda m: None)
        schema.migrate(settings)
    else:
        schema.reset(settings)
    db.close_all()


def _warm_up(settings, args) -> None:
    """Load the demo world into the emptied database, then delete it without restarting the
    server: the measured run then finds the JVM's compiled code in place, as a running
    production server would (on a just-restarted server the JIT compilers took a third of
    Neo4j's CPU over a medium load)."""
    from queries import run_bench_write

    t0 = time.perf_counter()
    _child(["_ingest", str(ROOT / "seed_data" / "demo"), str(args.batch_size), "never", str(args.workers)])
    while run_bench_write("ingest_bench_delete_some", {"limit": 10_000}, settings=settings)[0]["n"]:
        pass
    print(f"warm-up: the demo world loaded and deleted in {time.perf_counter() - t0:.0f}s (server not restarted)", flush=True)


def cmd_worlds(args) -> None:
    if not args.yes:
        raise SystemExit("`worlds` empties the configured Neo4j database for each world: add --yes")
    from ringscope import db, schema
    from ringscope.config import load_settings
    from ringscope.server import local

    settings = load_settings()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    table = []
    for name in args.worlds.split(","):
        world = _world_dir(name, cache)
        print(f"\n== {name}: {world}", flush=True)
        _empty(settings)
        if args.warm:
            _warm_up(settings, args)
        load0 = os.getloadavg()[0]
        server0, client0, threads0 = _server_cpu(settings), _children_cpu(), _server_threads_cpu(settings)
        data, rss, wall = _child(["_ingest", str(world), str(args.batch_size), args.bulk, str(args.workers)])
        server_s, client_s = _server_cpu(settings) - server0, _children_cpu() - client0
        threads = {k: v - threads0.get(k, 0.0) for k, v in _server_threads_cpu(settings).items()}
        store = local.store_size_bytes(local.ServerPaths(settings.local.home)) if settings.uses_local_server else 0
        ex = data["exchanges_seconds"]
        ex_rows = data["exchanges_rows"]
        print(f"rows read {data['rows_read']:,} (rejected {data['rows_rejected']:,}); written to Neo4j after aggregation "
              f"{data['rows_written']:,}; nodes {data['nodes']:,}, relationships {data['relationships']:,}")
        print("stages (all files): " + ", ".join(
            f"{k} {data['stage_seconds'][k]:.1f}s" + (f" = {data['rates'][k]:,.0f} rows/s" if data['rates'].get(k) else "")
            for k in data["stage_seconds"]))
        if ex_rows:
            print("exchanges only:     " + ", ".join(
                f"{k} {v:.1f}s" + (f" = {ex_rows / v:,.0f} rows/s" if v and k != 'load' else "") for k, v in ex.items()))
        how = data["path"] + (f" (import files {data['bulk']['write_csv_s']:.1f}s, neo4j-admin import {data['bulk']['import_s']:.1f}s, "
                              f"server stop/start included)" if data["bulk"] else "")
        print(f"load path: {how}" + ("" if data["bulk"] else f", {args.workers} session(s) per stage"))
        for file, stage, n, secs in data.get("load_stages", []):
            print(f"  load {file} {stage}: {n:,} rows in {secs:.1f}s = {n / max(secs, 1e-9):,.0f} rows/s")
        if data.get("deferred_indexes"):
            print(f"  {data['deferred_indexes']} lookup indexes built after the load: {data['deferred_indexes_seconds']:.1f}s (in load)")
        print(f"load average (1 min) {load0:.1f} before, {os.getloadavg()[0]:.1f} after: the machine is shared")
        if server_s and not data["bulk"]:
            print(f"CPU over the whole run: Neo4j {server_s:.1f}s ({1e6 * server_s / max(data['rows_written'], 1):.0f} us per row "
                  f"written), ingest process {client_s:.1f}s (read, validate, aggregate and the Bolt client)")
            if threads:
                rows = max(data['rows_written'], 1)
                print("  Neo4j CPU by thread: " + ", ".join(f"{k} {v:.1f}s ({1e6 * v / rows:.0f} us/row)"
                                                         for k, v in sorted(threads.items(), key=lambda kv: -kv[1])))
        print(f"total wall {wall:.1f}s (job {data['wall']:.1f}s); ingest peak RSS {mb(rss)}; Neo4j store {mb(store)}", flush=True)
        naive = naive_loader(world, args.naive_sample, settings)
        print(f"naive row-at-a-time MERGE on {args.naive_sample:,} raw exchanges: {naive:,.0f} rows/s "
              f"(ingest end to end on exchanges: {ex_rows / max(sum(ex.values()), 1e-9):,.0f} raw rows/s)", flush=True)
        if data["bulk"]:  # the run itself was a neo4j-admin import of this graph
            ceiling = {"seconds": data["bulk"]["import_s"], "rows": data["bulk"]["rows"], "store": store}
        elif args.no_import:
            ceiling = {"error": "skipped"}
        else:
            ceiling = import_ceiling(settings, cache / f"import-{name}")
        if "error" in ceiling:
            print(f"neo4j-admin import: {ceiling['error']}")
        else:
            print(f"neo4j-admin database import (ceiling) of the same graph: {ceiling['rows']:,} nodes+relationships in "
                  f"{ceiling['seconds']:.1f}s = {ceiling['rows'] / ceiling['seconds']:,.0f} rows/s; store {mb(ceiling['store'])}", flush=True)
        table.append((name, wall, rss, store, data, naive, ceiling))
    print("\nsummary")
    print(f"{'world':<9} {'wall s':>7} {'peak RSS':>9} {'store':>9} {'rows read':>12} {'agg rows/s':>11} {'load rows/s':>11} "
          f"{'naive rows/s':>12} {'import s':>9}")
    for name, wall, rss, store, data, naive, ceiling in table:
        ex = data["exchanges_seconds"]
        agg = data["exchanges_rows"] / (ex["validate"] + ex["aggregate"]) if data["exchanges_rows"] else 0
        print(f"{name:<9} {wall:>7.1f} {mb(rss):>9} {mb(store):>9} {data['rows_read']:>12,} {agg:>11,.0f} "
              f"{data['rates']['load']:>11,.0f} {naive:>12,.0f} {ceiling.get('seconds', float('nan')):>9.1f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_engine":
        return _engine_child(sys.argv[2], sys.argv[3])
    if len(sys.argv) > 1 and sys.argv[1] == "_ingest":
        return _ingest_child(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("engines", help="compare exchange aggregation engines on a synthetic Parquet file")
    e.add_argument("--rows", type=int, default=10_000_000, help="exchanges to synthesise (default 10M)")
    e.add_argument("--engines", default="ingest,duckdb,polars,pyarrow,pandas",
                   help="comma-separated: ingest (the product path, validation included) and the bare engines")
    e.add_argument("--cache", default="/tmp/ringscope-bench", help="where synthetic files and worlds are kept")
    w = sub.add_parser("worlds", help="load worlds end to end (empties the database)")
    w.add_argument("--worlds", default="demo,medium", help="comma-separated: demo, medium, incident")
    w.add_argument("--batch-size", type=int, default=5000, help="ingest batch size")
    w.add_argument("--bulk", choices=("auto", "always", "never"), default="auto", help="ingest's --bulk")
    w.add_argument("--workers", type=int, default=2, help="ingest's --workers (sessions per stage on the Bolt path)")
    w.add_argument("--naive-sample", type=int, default=2000, help="raw exchanges the naive loader writes")
    w.add_argument("--no-import", action="store_true", help="skip the neo4j-admin import ceiling")
    w.add_argument("--cache", default="/tmp/ringscope-bench", help="where generated worlds and scratch stores go")
    w.add_argument("--yes", action="store_true", help="confirm: the configured database is emptied")
    w.add_argument("--warm", action="store_true",
                   help="before each measured load, load and delete the demo world (a warm server, as in production)")
    args = p.parse_args()
    {"engines": cmd_engines, "worlds": cmd_worlds}[args.cmd](args)


if __name__ == "__main__":
    main()
