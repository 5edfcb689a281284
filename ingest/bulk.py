"""The bulk path: an initial load into an empty database through
`neo4j-admin database import full`, giving the graph the transactional path gives.

The files are read, validated and aggregated exactly as on the transactional
path (same rejects, same stage tables); instead of being written batch by
batch, each file's stage tables are kept, and at the end they are merged the
way the stored ingest queries merge them (counts add, first/last widen,
profiles add, the last file's attributes win), written as neo4j-admin CSVs
(ledger entries included, so graph and ledger land together), and imported
with the server stopped. The server is then started, the schema applied and
the per-identifier totals refreshed by the same query as always.

Only for the project's local server (it is stopped for the import) and only
into an empty database (the import replaces the `neo4j` database).
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .. import db, schema
from ..config import Settings
from ..errors import RingScopeError
from ..server import local
from .aggregate import Stage
from .engine import Engine, quote_ident, quote_literal
from .ipintel import INTEL_FIELDS, IntelTable, intel_properties


class BulkImportFailed(RingScopeError):
    """neo4j-admin refused the import."""


def database_is_empty(settings: Settings) -> bool:
    """True when the graph holds nothing but the schema's migration records."""
    return not db.run("ingest_database_has_data", mode=db.READ, settings=settings)[0]["any"]


def can_bulk(settings: Settings) -> str | None:
    """None when the bulk path is possible, else why not (one line)."""
    if not settings.uses_local_server:
        return "the bulk path needs the project's local server (NEO4J_URI points elsewhere)"
    if local.read_pid(local.ServerPaths(settings.local.home)) is None:
        return "the local server is not running"
    if not database_is_empty(settings):
        return "the database is not empty (the bulk path only does an initial load)"
    return None


def _ts(ms_col: str) -> str:
    """Epoch milliseconds as the ISO text neo4j-admin reads into a datetime."""
    return f"strftime(epoch_ms({ms_col}), '%Y-%m-%dT%H:%M:%S.%gZ')"


@dataclass
class LedgerRow:
    sha256: str
    path: str
    kind: str
    size_bytes: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rejects_file: str
    batch_size: int
    content: str | None = None
    world: str | None = None
    status: str = "done"       # or "duplicate" (the same rows as `same_as`, nothing loaded)
    same_as: str | None = None


@dataclass
class BulkLoad:
    engine: Engine
    settings: Settings
    intel: IntelTable
    batch_size: int
    tables: dict[str, list[str]] = field(default_factory=dict)  # stage name -> per-file tables
    ledger: list[LedgerRow] = field(default_factory=list)
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"))

    def keep(self, stages: list[Stage], file_no: int) -> None:
        """Keep a file's stage tables (renamed, with the file's position) for the merge. An
        accounts table also says which of its columns the file had (`__has_<column>`): a
        column a file lacks is not a value, as on the transactional path."""
        for stage in stages:
            kind = stage.table.removeprefix("stage_")
            name = f"bulk_{kind}_{file_no}"
            flags = ""
            if kind == "accounts":
                present = getattr(self.engine, "present", set())
                cols = [r[0] for r in self.engine.con.execute(f"DESCRIBE {stage.table}").fetchall()]
                flags = "".join(
                    f", {('email' if c in ('email_domain', 'email_mailbox') else c) in present} AS "
                    f"{quote_ident('__has_' + c)}" for c in cols if c not in ("account_id", "created_at"))
            self.engine.con.execute(f"DROP TABLE IF EXISTS {name}")
            self.engine.con.execute(f"CREATE TEMP TABLE {name} AS SELECT {file_no} AS file_no, *{flags} FROM {stage.table}")
            self.tables.setdefault(kind, []).append(name)

    def _union(self, stage: str, columns: str) -> str:
        parts = self.tables.get(stage, [])
        if not parts:
            return f"(SELECT {columns} WHERE false)"
        return "(" + " UNION ALL BY NAME ".join(f"SELECT * FROM {t}" for t in parts) + ")"

    # ------------------------------------------------------------------ merge
    def _merge(self) -> None:
        con = self.engine.con
        u = self._union
        accounts = u("accounts", "NULL::INT AS file_no, NULL::VARCHAR AS account_id, NULL::BIGINT AS created_at, "
                             "NULL::VARCHAR AS email")
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {accounts}").fetchall()]
        flagged = {c.removeprefix("__has_") for c in columns if c.startswith("__has_")}
        # each attribute from the newest file that has its column (its value, empty included)
        picks = ", ".join(
            f"arg_max_null({quote_ident(c)}, file_no)"
            + (f" FILTER (WHERE {quote_ident('__has_' + c)})" if c in flagged else "") + f" AS {quote_ident(c)}"
            for c in columns if c not in ("file_no", "account_id") and not c.startswith("__has_"))
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE m_accounts AS SELECT account_id, max(file_no) AS file_no, {picks} "
            f"FROM {accounts} GROUP BY account_id"
        )
        ex = u("exchange_accounts", "NULL::INT AS file_no, NULL::VARCHAR AS account_id, NULL::BIGINT AS exchanges, "
               "NULL::BIGINT AS input_tokens, NULL::BIGINT AS output_tokens, NULL::BIGINT AS first_exchange, "
               "NULL::BIGINT AS last_exchange, NULL::DATE[] AS daily_dates, NULL::BIGINT[] AS daily_counts, NULL::BIGINT[] AS hour_profile")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE m_exchange_days AS "
            f"SELECT account_id, d.day, CAST(sum(d.n) AS BIGINT) AS n FROM (SELECT account_id, "
            "unnest(daily_dates) AS day, unnest(daily_counts) AS n FROM " + ex + ") d GROUP BY account_id, d.day"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE m_exchange_hours AS "
            "SELECT account_id, h, CAST(sum(n) AS BIGINT) AS n FROM (SELECT account_id, unnest(range(24)) AS h, "
            "unnest(hour_profile) AS n FROM " + ex + ") GROUP BY account_id, h"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE m_exchange_accounts AS "
            "WITH t AS (SELECT account_id, CAST(sum(exchanges) AS BIGINT) AS exchanges, CAST(sum(input_tokens) AS BIGINT) AS input_tokens, "
            "  CAST(sum(output_tokens) AS BIGINT) AS output_tokens, min(first_exchange) AS first_exchange, max(last_exchange) AS last_exchange "
            "  FROM " + ex + " GROUP BY account_id), "
            "d AS (SELECT account_id, list(day ORDER BY day) AS daily_dates, list(n ORDER BY day) AS daily_counts, count(*) AS active_days "
            "  FROM m_exchange_days GROUP BY account_id), "
            "h AS (SELECT account_id, list(n ORDER BY h) AS hour_profile FROM m_exchange_hours GROUP BY account_id) "
            "SELECT * FROM t JOIN d USING (account_id) JOIN h USING (account_id)"
        )

    # ------------------------------------------------------------------ CSVs
    def _copy(self, sql: str, path: Path) -> int:
        self.engine.con.execute(f"COPY ({sql}) TO {quote_literal(str(path))} (FORMAT csv, HEADER true, QUOTE '\"', ESCAPE '\"')")
        return self.engine.count(f"SELECT count(*) FROM ({sql})")

    def write_csvs(self, out: Path) -> tuple[list[str], int]:
        """neo4j-admin arguments and the number of rows written."""
        self._merge()
        out.mkdir(parents=True, exist_ok=True)
        u = self._union
        args: list[str] = []
        total = 0

        def nodes(label: str, sql: str) -> None:
            nonlocal total
            path = out / f"nodes_{label}.csv"
            total += self._copy(sql, path)
            args.append(f"--nodes={label}={path}")

        def rels(rtype: str, sql: str) -> None:
            nonlocal total
            path = out / f"rels_{rtype}.csv"
            total += self._copy(sql, path)
            args.append(f"--relationships={rtype}={path}")

        con = self.engine.con
        acct_cols = [r[0] for r in con.execute("DESCRIBE m_accounts").fetchall()]
        skip = {"file_no", "account_id", "created_at", "email_domain"}
        props = [c for c in acct_cols if c not in skip]
        q = quote_ident
        nodes("Account", (
            "SELECT a.account_id AS \"account_id:ID(Account)\", "
            f"{_ts('a.created_at')} AS \"created_at:datetime\", "
            + "".join(f"a.{q(c)} AS {q(c)}, " for c in props)
            + "a.email_domain AS email_domain, "
            "x.exchanges AS \"exchanges:long\", x.input_tokens AS \"input_tokens:long\", "
            "x.output_tokens AS \"output_tokens:long\", x.active_days AS \"active_days:long\", "
            f"CASE WHEN x.first_exchange IS NOT NULL THEN {_ts('x.first_exchange')} END AS \"first_exchange:datetime\", "
            f"CASE WHEN x.last_exchange IS NOT NULL THEN {_ts('x.last_exchange')} END AS \"last_exchange:datetime\", "
            "array_to_string(x.hour_profile, ';') AS \"hour_profile:long[]\", "
            "array_to_string(list_transform(x.daily_dates, lambda d: strftime(d, '%Y-%m-%d')), ';') AS \"daily_dates:date[]\", "
            "array_to_string(x.daily_counts, ';') AS \"daily_counts:long[]\" "
            "FROM m_accounts a LEFT JOIN m_exchange_accounts x USING (account_id)"
        ))
        nodes("EmailDomain", "SELECT DISTINCT email_domain AS \"domain:ID(EmailDomain)\" FROM m_accounts WHERE email_domain IS NOT NULL")
        nodes("Org", "SELECT DISTINCT org_id AS \"org_id:ID(Org)\" FROM m_accounts WHERE org_id IS NOT NULL")
        rels("HAS_EMAIL_DOMAIN", "SELECT account_id AS \":START_ID(Account)\", email_domain AS \":END_ID(EmailDomain)\" FROM m_accounts WHERE email_domain IS NOT NULL")
        rels("IN_ORG", "SELECT account_id AS \":START_ID(Account)\", org_id AS \":END_ID(Org)\" FROM m_accounts WHERE org_id IS NOT NULL")

        inst = u("instruments", "NULL::INT AS file_no, NULL::VARCHAR AS account_id, NULL::VARCHAR AS instrument_id, NULL::BIGINT AS n, "
                 "NULL::BIGINT AS first_seen, NULL::BIGINT AS last_seen")
        con.execute(f"CREATE OR REPLACE TEMP TABLE m_inst AS SELECT * FROM {inst}")
        inst_cols = [r[0] for r in con.execute("DESCRIBE m_inst").fetchall()]
        inst_props = [c for c in inst_cols if c not in ("file_no", "account_id", "instrument_id", "n", "first_seen", "last_seen")]
        # the instrument's attributes: those of the last file that names it (every row of a file carries the same)
        nodes("PaymentInstrument", (
            "SELECT instrument_id AS \"instrument_id:ID(PaymentInstrument)\""
            + "".join(f", {q(c)}" for c in inst_props)
            + " FROM m_inst QUALIFY row_number() OVER (PARTITION BY instrument_id ORDER BY file_no DESC) = 1"
        ))
        rels("PAID_WITH", (
            "SELECT account_id AS \":START_ID(Account)\", instrument_id AS \":END_ID(PaymentInstrument)\", "
            "CAST(sum(n) AS BIGINT) AS \"count:long\", "
            f"{_ts('min(first_seen)')} AS \"first_seen:datetime\", {_ts('max(last_seen)')} AS \"last_seen:datetime\" "
            "FROM m_inst GROUP BY account_id, instrument_id"
        ))

        dev = u("devices", "NULL::INT AS file_no, NULL::VARCHAR AS account_id, NULL::VARCHAR AS device_id, NULL::BIGINT AS logins, "
                "NULL::BIGINT AS first_seen, NULL::BIGINT AS last_seen, NULL::VARCHAR AS user_agent, NULL::BIGINT AS user_agent_seen")
        con.execute(f"CREATE OR REPLACE TEMP TABLE m_dev AS SELECT * FROM {dev}")
        nodes("Device", (
            "SELECT device_id AS \"device_id:ID(Device)\", "
            "arg_max(user_agent, struct_pack(s := user_agent_seen, f := file_no, a := account_id)) FILTER (WHERE user_agent IS NOT NULL) AS user_agent, "
            f"{_ts('max(user_agent_seen)')} AS \"user_agent_seen:datetime\", "
            f"{_ts('max(last_seen)')} AS \"last_seen:datetime\" FROM m_dev GROUP BY device_id"
        ))
        rels("USED_DEVICE", (
            "SELECT account_id AS \":START_ID(Account)\", device_id AS \":END_ID(Device)\", CAST(sum(logins) AS BIGINT) AS \"logins:long\", "
            f"{_ts('min(first_seen)')} AS \"first_seen:datetime\", {_ts('max(last_seen)')} AS \"last_seen:datetime\" "
            "FROM m_dev GROUP BY account_id, device_id"
        ))

        lip = u("login_ips", "NULL::INT AS file_no, NULL::VARCHAR AS account_id, NULL::VARCHAR AS address, NULL::BIGINT AS n, "
                "NULL::BIGINT AS first_seen, NULL::BIGINT AS last_seen")
        xip = u("ips", "NULL::INT AS file_no, NULL::VARCHAR AS account_id, NULL::VARCHAR AS address, NULL::BIGINT AS n, "
                "NULL::BIGINT AS first_seen, NULL::BIGINT AS last_seen")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE m_ip AS "
            f"WITH l AS (SELECT account_id, address, CAST(sum(s.n) AS BIGINT) AS n, min(s.first_seen) AS f, max(s.last_seen) AS t "
            f"  FROM {lip} s GROUP BY account_id, address), "
            f"x AS (SELECT account_id, address, CAST(sum(s.n) AS BIGINT) AS n, min(s.first_seen) AS f, max(s.last_seen) AS t "
            f"  FROM {xip} s GROUP BY account_id, address) "
            "SELECT account_id, address, l.n AS logins, x.n AS exchanges, least(l.f, x.f) AS first_seen, greatest(l.t, x.t) AS last_seen "
            "FROM l FULL OUTER JOIN x USING (account_id, address)"
        )
        addresses = [r[0] for r in con.execute("SELECT DISTINCT address FROM m_ip ORDER BY 1").fetchall()]
        self._ip_nodes(addresses)
        nodes("IP", (
            "SELECT address AS \"address:ID(IP)\", asn AS \"asn:long\", as_org, country, kind, network FROM m_ip_nodes"
        ))
        rels("USED_IP", (
            "SELECT account_id AS \":START_ID(Account)\", address AS \":END_ID(IP)\", logins AS \"logins:long\", exchanges AS \"exchanges:long\", "
            f"{_ts('first_seen')} AS \"first_seen:datetime\", {_ts('last_seen')} AS \"last_seen:datetime\" FROM m_ip"
        ))

        tpl = u("templates", "NULL::INT AS file_no, NULL::VARCHAR AS account_id, NULL::VARCHAR AS fingerprint, NULL::BIGINT AS exchanges, "
                "NULL::BIGINT AS input_tokens, NULL::BIGINT AS output_tokens, NULL::BIGINT AS first_seen, NULL::BIGINT AS last_seen")
        con.execute(f"CREATE OR REPLACE TEMP TABLE m_tpl AS SELECT * FROM {tpl}")
        nodes("PromptTemplate", "SELECT DISTINCT fingerprint AS \"fingerprint:ID(PromptTemplate)\" FROM m_tpl")
        rels("SENT_TEMPLATE", (
            "SELECT account_id AS \":START_ID(Account)\", fingerprint AS \":END_ID(PromptTemplate)\", "
            "CAST(sum(exchanges) AS BIGINT) AS \"exchanges:long\", CAST(sum(input_tokens) AS BIGINT) AS \"input_tokens:long\", "
            "CAST(sum(output_tokens) AS BIGINT) AS \"output_tokens:long\", "
            f"{_ts('min(first_seen)')} AS \"first_seen:datetime\", {_ts('max(last_seen)')} AS \"last_seen:datetime\" "
            "FROM m_tpl GROUP BY account_id, fingerprint"
        ))
        self._ledger_nodes()
        nodes("IngestedFile", (
            "SELECT sha256 AS \"sha256:ID(IngestedFile)\", path, kind, size_bytes AS \"size_bytes:long\", status, "
            "content, world, same_as, "
            "batch_size AS \"batch_size:long\", CASE WHEN status = 'done' THEN 'bulk' ELSE '' END AS \"batches_done:string[]\", "
            "1 AS \"attempts:long\", "
            f"'{self.started}' AS \"first_started_at:datetime\", '{self.started}' AS \"started_at:datetime\", "
            "finished AS \"finished_at:datetime\", rows_read AS \"rows_read:long\", rows_loaded AS \"rows_loaded:long\", "
            "rows_rejected AS \"rows_rejected:long\", rejects_file FROM m_ledger"
        ))
        return args, total

    def _ip_nodes(self, addresses: list[str]) -> None:
        import pyarrow as pa

        props = intel_properties(self.intel, addresses) if self.intel else [dict.fromkeys((*INTEL_FIELDS, "network")) for _ in addresses]
        table = pa.table({
            "address": pa.array(addresses, pa.string()),
            "asn": pa.array([p["asn"] for p in props], pa.int64()),
            **{k: pa.array([p[k] for p in props], pa.string()) for k in ("as_org", "country", "kind", "network")},
        })
        self.engine.con.register("ip_nodes_arrow", table)
        self.engine.con.execute("CREATE OR REPLACE TEMP TABLE m_ip_nodes AS SELECT * FROM ip_nodes_arrow")
        self.engine.con.unregister("ip_nodes_arrow")

    def _ledger_nodes(self) -> None:
        import pyarrow as pa

        finished = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        # one entry per sha256, as the transactional path's MERGE keeps it (a --force re-load
        # of the same bytes in one run: the last one)
        latest = {r.sha256: r for r in self.ledger}
        rows = [dict(vars(r), finished=finished, rejects_file=r.rejects_file or None) for r in latest.values()]
        schema = pa.schema([("sha256", pa.string()), ("path", pa.string()), ("kind", pa.string()), ("size_bytes", pa.int64()),
                            ("rows_read", pa.int64()), ("rows_loaded", pa.int64()), ("rows_rejected", pa.int64()),
                            ("rejects_file", pa.string()), ("batch_size", pa.int64()), ("content", pa.string()),
                            ("world", pa.string()), ("status", pa.string()), ("same_as", pa.string()), ("finished", pa.string())])
        self.engine.con.register("ledger_arrow", pa.Table.from_pylist(rows, schema=schema))
        self.engine.con.execute("CREATE OR REPLACE TEMP TABLE m_ledger AS SELECT * FROM ledger_arrow")
        self.engine.con.unregister("ledger_arrow")

    # ------------------------------------------------------------------ import
    def run_import(self, progress: Callable[[int, int | None, str], None]) -> dict:
        out = self.engine.work / "import"
        t0 = time.perf_counter()
        progress(0, None, "bulk: writing import files")
        args, rows = self.write_csvs(out)
        t1 = time.perf_counter()
        if not database_is_empty(self.settings):
            raise RingScopeError("the database stopped being empty during the run: nothing imported; re-run the ingest")
        paths = local.ServerPaths(self.settings.local.home)
        progress(0, rows, "bulk: neo4j-admin import (server stopped)")
        db.close_all()
        local.stop(self.settings)
        proc = None
        try:
            # the database name goes first: --nodes/--relationships take every later word as a file
            proc = local._admin(paths, "database", "import", "full", self.settings.database, "--overwrite-destination=true",
                                "--array-delimiter=;", "--multiline-fields=true", *args)
        finally:
            if proc is None or proc.returncode != 0:
                # a failed import leaves store files the server cannot open ("transaction logs
                # are missing"); the database was empty, so an empty one takes their place
                for folder in ("databases", "transactions"):
                    shutil.rmtree(paths.data / folder / self.settings.database, ignore_errors=True)
            local.start(self.settings, echo=lambda m: None)
        log = paths.logs / "ringscope-import.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text((proc.stdout or "") + "\n" + (proc.stderr or ""))
        if proc.returncode != 0:
            lines = [ln.strip() for ln in ((proc.stderr or "") + "\n" + (proc.stdout or "")).splitlines()]
            why = next((ln for ln in lines if ("Exception" in ln or "rror" in ln) and not ln.startswith("at ")), None)
            raise BulkImportFailed(f"neo4j-admin import failed ({(why or 'no error line')[:300]}); full output in {log}; "
                                   "the database was empty before: re-run with --bulk never")
        t2 = time.perf_counter()
        progress(rows, rows, "bulk: neo4j-admin import (server stopped)")
        schema.migrate(self.settings)
        return {"write_csv_s": t1 - t0, "import_s": t2 - t1, "rows": rows}

