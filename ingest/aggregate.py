"""Turning valid rows into the rows the graph is written from.

Raw exchanges are never loaded one node each: they are aggregated here per
account (totals, active days, hour-of-day and daily profiles), per
account x template and per account x IP. Logins become account x device and
account x IP rows, payment-instrument rows one row per account x instrument.

Every stage yields its rows sorted by key, so the same file always splits into
the same batches: the ledger's per-batch markers depend on that (see ledger.py).
Timestamps leave DuckDB as epoch milliseconds; the Cypher turns them into
datetimes.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator

from . import contract as c
from .canonical import canonical_email
from .engine import Engine, quote_ident
from .ipintel import IntelTable, intel_properties

_PROPERTY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


@dataclass
class Stage:
    """One kind of graph write for one file: its rows sit in a DuckDB table."""

    name: str       # e.g. "accounts", "templates"; part of the ledger's batch key
    query: str      # the stored query (cypher/ingest) that writes a batch
    total: int      # rows the stage will write
    rows: Callable[[int], Iterator[list[dict]]]  # batch size -> batches, in key order
    table: str = ""  # the DuckDB table holding the rows (the bulk path merges these)
    #: The row field naming the shared node a batch locks (template, IP, ...): set when the
    #: stage's batches may be written by several sessions at once (load.py sorts each batch
    #: by it). None: one session, rows in key order (devices: a user-agent tie goes to the
    #: row written last, which needs one order).
    lock_key: str | None = None
    #: A link stage: the query merging its other node (`ingest_nodes_*`, keyed by `lock_key`),
    #: whose elementIds the link query matches by (load.py); `node_field` rides along with
    #: the key (the node's attributes: IP intel, instrument props).
    nodes: str | None = None
    node_field: str | None = None


def _materialise(engine: Engine, name: str, sql: str, order: str,
                 select: str = "*") -> tuple[int, Callable[[int], Iterator[list[dict]]]]:
    """The stage table `stage_<name>` from `sql`; its rows are read back as `SELECT <select>`
    in `order` (the table itself, which the bulk path merges, keeps the columns of `sql`)."""
    table = f"stage_{name}"
    engine.con.execute(f"DROP TABLE IF EXISTS {table}")
    engine.con.execute(f"CREATE TEMP TABLE {table} AS {sql}")
    total = engine.count(f"SELECT count(*) FROM {table}")

    def read(batch_size: int) -> Iterator[list[dict]]:
        yield from engine.reader(f"SELECT {select} FROM {table} ORDER BY {order}", batch_size)

    return total, read


def kept_extras(kind: c.FileKind, header: list[str]) -> list[str]:
    """Columns beyond the contract kept as properties: only on accounts and
    payment instruments, only with plain property names, never over a property
    ingest computes."""
    if kind.name not in ("accounts", "payment_instruments"):
        return []
    reserved = set(c.ACCOUNT_AGGREGATES) | set(kind.columns) | {"accounts", "instrument_id"} \
        | set(repeated_extras(kind, header))
    # names are compared without case as well: the engine (DuckDB) and a reader of the graph
    # cannot tell `Tier` from `tier` (a field report: `Tier` beside the contract's `tier`
    # stopped the load), and ingest's own working columns (`x__raw`, `x__bad`, `__row`) are never data
    folded = Counter(col.casefold() for col in header)
    taken = {name.casefold() for name in reserved}
    return [col for col in header
            if col not in reserved and _PROPERTY_NAME.match(col) and col.casefold() not in taken
            and folded[col.casefold()] == 1 and not col.startswith("__") and not col.endswith(("__raw", "__text", "__bad"))
            and col != "file_row_number"]


def repeated_extras(kind: c.FileKind, header: list[str]) -> list[str]:
    """Columns beyond the contract that the header names more than once: never kept,
    since nothing says which of the values is meant (the file's summary says so)."""
    return sorted(col for col, n in Counter(header).items() if n > 1 and col not in kind.columns)


def email_domain(email: str | None) -> str | None:
    """The canonical (ASCII, lower-case) domain of an address, None when it is not one
    (canonical.py says how; the accounts stage joins the same result per distinct text)."""
    parsed = canonical_email(email)
    return parsed.domain if parsed else None


def _ts(col: str) -> str:
    return f"epoch_ms({col})"


# ---------------------------------------------------------------- accounts

def accounts(engine: Engine, extras: list[str]) -> list[Stage]:
    props = ["email", "display_name", "country", "org_id", "tier", *extras]
    select = ", ".join(f"v.{quote_ident(p)}" for p in props if p != "email")
    # only the columns the file has are values: a later accounts file without `email` or
    # `org_id` says nothing about them (a field report: it erased the e-mail, its domain
    # link and the org link, which detection reads)
    given = [p for p in props if p in engine.present]
    email_given, org_given = "email" in engine.present, "org_id" in engine.present
    # e-mails in their canonical form, with domain and mailbox key, from the table
    # validation filled (one Python canonicalisation per distinct text: canonical.py)
    sql = (
        f"SELECT v.account_id, {_ts('v.created_at')} AS created_at, e.address AS email, {select}, "
        "e.domain AS email_domain, e.mailbox AS email_mailbox FROM valid v LEFT JOIN emailmap e ON e.raw = v.email "
        "QUALIFY row_number() OVER (PARTITION BY v.account_id ORDER BY v.__row DESC) = 1"
    )
    total, read = _materialise(engine, "accounts", sql, "account_id")

    def rows(batch_size: int) -> Iterator[list[dict]]:
        for batch in read(batch_size):
            out = []
            for r in batch:
                p = {k: r[k] for k in given}
                if email_given:
                    p["email_domain"] = r["email_domain"]
                    p["email_mailbox"] = r["email_mailbox"]
                out.append({
                    "account_id": r["account_id"],
                    "created_at": r["created_at"],
                    "props": p,
                    "email_domain": r["email_domain"],
                    "email_given": email_given,
                    "org_id": r["org_id"],
                    "org_given": org_given,
                })
            yield out

    # one session: with two, the medium accounts file took 130-160 s instead of 61 s (every account
    # locks its e-mail domain and org, a few shared by thousands; README, Fast Bolt path)
    return [Stage("accounts", "ingest_accounts", total, rows, "stage_accounts")]


def known_account_ids(engine: Engine) -> list[str]:
    return [r[0] for r in engine.con.execute("SELECT account_id FROM stage_accounts").fetchall()]


# ---------------------------------------------------------------- payment instruments

def payment_instruments(engine: Engine, extras: list[str]) -> list[Stage]:
    props = ["kind", "bin", "issuer_country", *extras]
    given = [p for p in props if p in engine.present]  # a column the file lacks is not a value
    latest = ", ".join(f"arg_max({quote_ident(p)}, __row) AS {quote_ident(p)}" for p in props)
    pick = ", ".join(f"i.{quote_ident(p)}" for p in props)
    sql = (
        "WITH pairs AS ("
        "  SELECT account_id, instrument_id, count(*) AS n,"
        f"  {_ts('min(coalesce(first_seen, last_seen))')} AS first_seen,"
        f"  {_ts('max(coalesce(last_seen, first_seen))')} AS last_seen"
        "  FROM valid GROUP BY account_id, instrument_id),"
        f" inst AS (SELECT instrument_id, {latest} FROM valid GROUP BY instrument_id)"
        f" SELECT p.*, {pick} FROM pairs p JOIN inst i USING (instrument_id)"
    )
    total, read = _materialise(engine, "instruments", sql, "account_id, instrument_id")

    def rows(batch_size: int) -> Iterator[list[dict]]:
        for batch in read(batch_size):
            yield [
                {
                    "account_id": r["account_id"],
                    "instrument_id": r["instrument_id"],
                    "count": r["n"],
                    "first_seen": r["first_seen"],
                    "last_seen": r["last_seen"],
                    "props": {k: r[k] for k in given},
                }
                for r in batch
            ]

    return [Stage("instruments", "ingest_payment_instruments", total, rows, "stage_instruments",
                  lock_key="instrument_id", nodes="ingest_nodes_instruments", node_field="props")]


# ---------------------------------------------------------------- IP rows (logins and exchanges)

def _ip_stage(engine: Engine, intel: IntelTable, name: str, query: str, count_col: str, source: str | None = None) -> Stage:
    """Account x IP rows. `source`: a table already grouped by (account_id, ip) with
    n / first_seen / last_seen (the exchanges path); by default the `valid` rows."""
    if source is None:
        source = (
            "(SELECT account_id, ip, count(*) AS n, min(ts) AS first_seen, max(ts) AS last_seen "
            " FROM valid WHERE ip IS NOT NULL GROUP BY account_id, ip)"
        )
    # Group by the raw text first (cheap on the big scan), then fold raw spellings
    # of one address (`::1` / `0:0::1`) together on the small result.
    sql = (
        "SELECT r.account_id, m.address, CAST(sum(r.n) AS BIGINT) AS n, "
        f"  {_ts('min(r.first_seen)')} AS first_seen, {_ts('max(r.last_seen)')} AS last_seen "
        f"FROM {source} r JOIN ipmap m ON m.raw = r.ip GROUP BY r.account_id, m.address"
    )
    total, read = _materialise(engine, name, sql, "account_id, address")
    cache: dict[str, dict] = {}

    def rows(batch_size: int) -> Iterator[list[dict]]:
        for batch in read(batch_size):
            if intel:
                todo = sorted({r["address"] for r in batch if r["address"] not in cache})
                cache.update(zip(todo, intel_properties(intel, todo)))
            yield [
                {
                    "account_id": r["account_id"],
                    "address": r["address"],
                    count_col: r["n"],
                    "first_seen": r["first_seen"],
                    "last_seen": r["last_seen"],
                    "intel": cache[r["address"]] if intel else None,
                }
                for r in batch
            ]

    return Stage(name, query, total, rows, f"stage_{name}", lock_key="address", nodes="ingest_nodes_ips",
                 node_field="intel")


# ---------------------------------------------------------------- logins

def logins(engine: Engine, intel: IntelTable) -> list[Stage]:
    sql = (
        "SELECT account_id, device_id, count(*) AS logins, "
        f"{_ts('min(ts)')} AS first_seen, {_ts('max(ts)')} AS last_seen, "
        "arg_max(user_agent, struct_pack(t := ts, r := __row)) FILTER (WHERE user_agent IS NOT NULL) AS user_agent, "
        f"{_ts('max(ts) FILTER (WHERE user_agent IS NOT NULL)')} AS user_agent_seen "
        "FROM valid WHERE device_id IS NOT NULL GROUP BY account_id, device_id"
    )
    total, device_rows = _materialise(engine, "devices", sql, "account_id, device_id")
    return [
        Stage("devices", "ingest_login_devices", total, device_rows, "stage_devices"),
        _ip_stage(engine, intel, "login_ips", "ingest_login_ips", "logins"),
    ]


# ---------------------------------------------------------------- exchanges

def exchanges(engine: Engine, intel: IntelTable, rejected: int = 0) -> list[Stage]:
    """The exchange aggregates: four group-bys over the valid rows (account x day,
    account x hour, account x template, account x raw IP), each a separate scan of
    the Parquet file, so memory stays at one result's size (DuckDB spills past its
    limit). DuckDB won the measurement against Polars, pyarrow and pandas (README:
    Ingest): on par with Polars for speed at a quarter of its memory."""
    con = engine.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ex_day AS SELECT account_id, CAST(ts AS DATE) AS day, count(*) AS n, "
        "sum(coalesce(input_tokens, 0)) AS i, sum(coalesce(output_tokens, 0)) AS o, min(ts) AS mn, max(ts) AS mx "
        "FROM valid GROUP BY ALL"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE ex_hour AS SELECT account_id, hour(ts) AS h, count(*) AS n FROM valid GROUP BY ALL")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ex_template AS SELECT account_id, prompt_fingerprint, count(*) AS n, "
        "sum(coalesce(input_tokens, 0)) AS i, sum(coalesce(output_tokens, 0)) AS o, min(ts) AS mn, max(ts) AS mx "
        "FROM valid WHERE prompt_fingerprint IS NOT NULL GROUP BY ALL"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ex_ip AS SELECT account_id, ip, count(*) AS n, min(ts) AS first_seen, "
        "max(ts) AS last_seen FROM valid WHERE ip IS NOT NULL GROUP BY ALL"
    )

    hours = ", ".join(f"CAST(coalesce(sum(n) FILTER (WHERE h = {h}), 0) AS BIGINT)" for h in range(24))
    account_sql = (
        f"WITH h AS (SELECT account_id, [{hours}] AS hour_profile FROM ex_hour GROUP BY account_id), "
        " a AS (SELECT account_id, CAST(sum(n) AS BIGINT) AS exchanges, CAST(sum(i) AS BIGINT) AS input_tokens, "
        "  CAST(sum(o) AS BIGINT) AS output_tokens, "
        f"  {_ts('min(mn)')} AS first_exchange, {_ts('max(mx)')} AS last_exchange, "
        "  list(day ORDER BY day) AS daily_dates, list(CAST(n AS BIGINT) ORDER BY day) AS daily_counts FROM ex_day GROUP BY account_id) "
        "SELECT a.*, h.hour_profile FROM a JOIN h USING (account_id)"
    )
    # the days go out as day numbers (days since 1970-01-01; the queries make them dates): the
    # driver turns each Python date into a Bolt Date in Python, ~5 us a date, more than the
    # server spent on the row
    accounts_total, account_rows = _materialise(
        engine, "exchange_accounts", account_sql, "account_id",
        select="* EXCLUDE (daily_dates), list_transform(daily_dates, lambda d: datediff('day', DATE '1970-01-01', d)) AS daily_days")
    template_sql = (
        "SELECT account_id, prompt_fingerprint AS fingerprint, CAST(n AS BIGINT) AS exchanges, CAST(i AS BIGINT) AS input_tokens, "
        f"CAST(o AS BIGINT) AS output_tokens, {_ts('mn')} AS first_seen, {_ts('mx')} AS last_seen FROM ex_template"
    )
    template_total, template_rows = _materialise(engine, "templates", template_sql, "account_id, fingerprint")
    ips = _ip_stage(engine, intel, "ips", "ingest_exchange_ips", "exchanges", source="ex_ip")
    for table in ("ex_day", "ex_hour", "ex_template", "ex_ip"):
        engine.con.execute(f"DROP TABLE {table}")
    return [
        Stage("accounts", "ingest_exchange_accounts", accounts_total, account_rows, "stage_exchange_accounts",
              lock_key="account_id"),
        Stage("templates", "ingest_exchange_templates", template_total, template_rows, "stage_templates",
              lock_key="fingerprint", nodes="ingest_nodes_templates"),
        ips,
    ]


# ---------------------------------------------------------------- ip_intel

def ip_intel_rows(engine: Engine) -> list[dict]:
    """Valid ip_intel rows in file order (a later row for the same network wins)."""
    return engine.con.sql(
        "SELECT __row, network, asn, as_org, country, kind FROM valid ORDER BY __row"
    ).to_arrow_table().to_pylist()
