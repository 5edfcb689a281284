"""A world as daily export files: what a provider's daily export would deliver.

`split_daily(world, out)` cuts a world folder's interchange files by timestamp into
`<kind>_<YYYY-MM-DD>.<ext>` files (each kind in its source's form: Parquet, CSV or
gzipped CSV), one set per day from the first exchange day to the
last: accounts by sign-up, payment instruments by first use, logins and exchanges by
their time; an account arrives on the first day any row about it exists (sign-up
normally), and no row arrives before its account; everything before the first day
arrives with day 1 (the initial export). ip_intel and labels are not time-sliced (the
caller copies them). `ringscope seed --daily` writes its world this way, and
`benchmarks/bench_replay.py` replays any world (whole or daily) through it.

`without_operators=True` leaves out every row of an account that `labels` puts in a
ring: the same legitimate population with its operators removed, the control on which
a daily cycle must raise no alert (issue 16).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

#: time column that decides the day a row arrives
TIME_COLUMN = {"accounts": "created_at", "payment_instruments": "first_seen", "logins": "ts", "exchanges": "ts"}
EXTENSIONS = (".csv.gz", ".csv", ".parquet")


def find_files(world: Path, kind: str) -> list[Path]:
    """`kind.*`, `kind_*.*`, `kind-*.*` and `kind/*.*` (the ingest's split-file rules;
    no interchange kind's name is a prefix of another's)."""
    out = []
    for path in sorted([*world.iterdir(), *((world / kind).iterdir() if (world / kind).is_dir() else [])]):
        ext = next((e for e in EXTENSIONS if path.name.endswith(e)), None)
        if not path.is_file() or ext is None:
            continue
        stem = path.name[: -len(ext)]
        if path.parent.name == kind and path.parent != world or stem == kind or stem.startswith((kind + "_", kind + "-")):
            out.append(path)
    return out


def output_extension(paths: list[Path]) -> str:
    """The form a kind's daily files take: its source's (parquet, csv.gz or csv); csv when
    the sources mix forms."""
    for ext in ("parquet", "csv.gz"):
        if all(p.name.endswith("." + ext) for p in paths):
            return ext
    return "csv"


def reader(paths: list[Path]) -> str:
    """A DuckDB table function over `paths` (Parquet, or CSV read as text exactly as written)."""
    names = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    if all(p.name.endswith(".parquet") for p in paths):
        return f"read_parquet([{names}], union_by_name = true)"
    # CSV as text, exactly as written: identifiers stay opaque strings
    return f"read_csv([{names}], all_varchar = true, header = true, union_by_name = true)"


def split_daily(world: Path, out: Path, *, last_day: dt.date | None = None,
                con: duckdb.DuckDBPyConnection | None = None,
                without_operators: bool = False) -> tuple[list[dt.date], duckdb.DuckDBPyConnection, dict]:
    """Write `<kind>_<day>.<ext>` files into `out`, one set per day; returns the days, the
    DuckDB connection (views `src_<kind>` over the source files, table `account_day`) and
    the source files found per kind (ip_intel and labels included). With
    `without_operators`, the `src_<kind>` views of the four time-sliced kinds hold no row
    of a labelled ring account (SystemExit when the world has no labels file)."""
    con = con or duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    found = {kind: find_files(world, kind) for kind in (*TIME_COLUMN, "ip_intel", "labels")}
    if not found["exchanges"] or not found["accounts"]:
        raise SystemExit(f"{world}: needs accounts and exchanges files")
    if without_operators and not found["labels"]:
        raise SystemExit(f"{world}: --without-operators needs labels.csv (which accounts are operators)")
    keep = ""
    if without_operators:
        con.execute(f"CREATE TABLE operator_accounts AS SELECT DISTINCT CAST(account_id AS VARCHAR) AS account_id "
                    f"FROM {reader(found['labels'])} WHERE nullif(trim(CAST(ring_id AS VARCHAR)), '') IS NOT NULL")
        keep = " WHERE CAST(account_id AS VARCHAR) NOT IN (SELECT account_id FROM operator_accounts)"
    for kind, paths in found.items():
        if paths:
            where = keep if kind in TIME_COLUMN else ""
            con.execute(f"CREATE VIEW src_{kind} AS SELECT * FROM {reader(paths)}{where}")
    # day 1 is the first exchange day
    first, last = con.execute("SELECT min(CAST(ts AS TIMESTAMPTZ))::DATE, max(CAST(ts AS TIMESTAMPTZ))::DATE FROM src_exchanges").fetchone()
    last = min(last, last_day) if last_day else last
    # an account arrives on the first day any row about it exists (sign-up normally)
    parts = []
    for kind, col in TIME_COLUMN.items():
        if found[kind]:
            parts.append(f"SELECT account_id, min(TRY_CAST({col} AS TIMESTAMPTZ))::DATE AS d FROM src_{kind} GROUP BY ALL")
    con.execute(f"CREATE TABLE account_day AS SELECT account_id, min(d) AS d FROM ({' UNION ALL '.join(parts)}) GROUP BY ALL")
    clamp = f"least(greatest(coalesce(%s, DATE '{first}'), DATE '{first}'), DATE '{last}')"
    out.mkdir(parents=True, exist_ok=True)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    for kind, col in TIME_COLUMN.items():
        if not found[kind]:
            continue
        ext = output_extension(found[kind])
        if kind == "accounts":
            day_expr = clamp % "ad.d"
        else:
            day_expr = clamp % f"greatest(TRY_CAST(s.{col} AS TIMESTAMPTZ)::DATE, ad.d)"
        con.execute(f"CREATE TABLE day_{kind} AS SELECT s.*, {day_expr} AS __day FROM src_{kind} s "
                    f"LEFT JOIN account_day ad USING (account_id)")
        if kind == "exchanges":  # rows after last_day are not delivered
            con.execute(f"DELETE FROM day_exchanges WHERE TRY_CAST(ts AS TIMESTAMPTZ)::DATE > DATE '{last}'")
        for day in days:
            target = out / f"{kind}_{day.isoformat()}.{ext}"
            fmt = {"parquet": "(FORMAT parquet)", "csv": "(HEADER, DELIMITER ',')",
                   # DuckDB's gzip header carries no time and no name: same rows, same bytes
                   "csv.gz": "(HEADER, DELIMITER ',', COMPRESSION gzip)"}[ext]
            con.execute(f"COPY (SELECT * EXCLUDE (__day) FROM day_{kind} WHERE __day = DATE '{day}' "
                        f"ORDER BY ALL) TO '{target}' {fmt}")
    return days, con, found
