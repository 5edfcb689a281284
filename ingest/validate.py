"""Validation against the interchange contract.

Two levels. A file whose header lacks a required column is refused whole
(`check_header`), before anything is loaded. Within an accepted file, each row
is checked in order: required values present, timestamps and IPs parse, token
counts are whole non-negative numbers, identifiers carry no surrounding
whitespace, e-mails have a canonical form (canonical.py), the account a link
row names is known (in an accounts file of this run or already in the graph). A row failing a
check gets the first failing reason and goes to the reject file; it takes no
part in any aggregate.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable

import duckdb

from ..errors import RingScopeError
from . import contract as c
from .canonical import canonical_email
from .engine import PADDED_RE, Engine, quote_ident
from .files import SourceFile
from .ipintel import normalise
from .rejects import RejectWriter


class HeaderRefused(RingScopeError):
    """A file cannot be loaded at all: its header breaks the contract."""


def check_header(kind: c.FileKind, source: SourceFile, header: list[str]) -> None:
    if not header:
        return  # an empty file is fine
    missing = [col for col in kind.required if col not in header]
    if missing:
        # columns are read by their exact names: say so when one differs only in case
        cased = [name for name in header if name.casefold() in {m.casefold() for m in missing}]
        hint = f"; names are exact: rename {', '.join(repr(n) for n in cased[:3])}" if cased else ""
        raise HeaderRefused(
            f"{source.name} refused: header lacks required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (has: {', '.join(header[:12])}){hint}; fix the export and re-run"
        )
    # a contract column twice is ambiguous (which account_id?); an extra column twice is
    # only ignored (`aggregate.repeated_extras`): the contract never refuses a file for its extras
    dupes = sorted(col for col, n in Counter(header).items() if n > 1 and col in kind.columns)
    if dupes:
        raise HeaderRefused(f"{source.name} refused: column {dupes[0]!r} appears more than once in the header; fix the export and re-run")


def _checks(kind: c.FileKind, padded: dict[str, int] | None = None,
            unreadable: list[tuple[str, str]] = ()) -> list[tuple[str, str, str]]:
    """(SQL condition, reason, SQL of the offending value), in the order they apply.
    `padded`: identifier columns counted by Engine.profile; a column with none is not
    checked again (None: check every identifier column). `unreadable`: (contract column,
    reason) pairs from Engine.unreadable: Parquet binary that must be UTF-8 text, lists and
    records where the contract names one value."""
    checks: list[tuple[str, str, str]] = []
    for col, why in unreadable:
        # first: the value reads as missing, and saying so would send the reader to the wrong fix
        raw = quote_ident(col + "__bad")
        checks.append((f"s.{raw} IS NOT NULL", f"{why}: {col}", f"s.{raw}"))
    for col in kind.required:
        raw = col + "__raw" if kind.type_of(col) in (c.TIMESTAMP, c.TOKENS) else col
        checks.append((f"s.{quote_ident(raw)} IS NULL", f"{c.MISSING}: {col}", "NULL"))
    for col in kind.columns:
        q, raw = quote_ident(col), quote_ident(col + "__raw")
        typ = kind.type_of(col)
        if typ == c.TIMESTAMP:
            checks.append((f"s.{raw} IS NOT NULL AND s.{q} IS NULL", f"{c.BAD_TIMESTAMP}: {col}", f"s.{raw}"))
        elif typ == c.IP:
            checks.append((f"s.{q} IN (SELECT raw FROM ipmap WHERE address IS NULL)", f"{c.BAD_IP}: {col}", f"s.{q}"))
        elif typ == c.IDENTIFIER and (padded is None or padded.get(col)):
            # `acc-1\u00a0` next to `acc-1` would be a second account nobody can tell apart
            checks.append((f"regexp_matches(s.{q}, {PADDED_RE})", f"{c.PADDED_ID}: {col}", f"s.{q}"))
        elif typ == c.EMAIL:
            checks.append((f"s.{q} IN (SELECT raw FROM emailmap WHERE address IS NULL)", f"{c.BAD_EMAIL}: {col}", f"s.{q}"))
        elif typ == c.TOKENS:
            checks.append((f"s.{raw} IS NOT NULL AND s.{q} IS NULL", f"{c.BAD_TOKENS}: {col}", f"s.{raw}"))
            checks.append((f"s.{q} < 0", f"{c.NEGATIVE_TOKENS}: {col}", f"s.{raw}"))
    if kind.links_account:
        # an account whose own row an accounts file of this run rejected (a bad created_at):
        # say so, rather than "unknown", so the one row to fix is found
        checks.append(("s.account_id IN (SELECT account_id FROM unknown_accounts WHERE rejected)", c.REJECTED_ACCOUNT,
                       "s.account_id"))
        checks.append(("s.account_id IN (SELECT account_id FROM unknown_accounts)", c.UNKNOWN_ACCOUNT, "s.account_id"))
    return checks


def _reject_sql(kind: c.FileKind, padded: dict[str, int] | None = None,
                unreadable: list[tuple[str, str]] = ()) -> str:
    checks = _checks(kind, padded, unreadable)
    reason = "CASE " + " ".join(f"WHEN {cond} THEN '{why}'" for cond, why, _ in checks) + " END"
    value = "CASE " + " ".join(f"WHEN {cond} THEN CAST({val} AS VARCHAR)" for cond, _, val in checks) + " END"
    # Every check is a cheap test against a small set (bad addresses, unknown
    # account ids), so the scan never joins the big tables row by row.
    return (
        f"SELECT __row, reason, value FROM (SELECT s.__row, {reason} AS reason, {value} AS value "
        f"FROM src s) WHERE reason IS NOT NULL"
    )


def register_emails(engine: Engine, kind: c.FileKind) -> int:
    """Canonicalise every distinct e-mail text of the file (once per job; see canonical.py)."""
    new = 0
    for col in kind.columns:
        if kind.type_of(col) != c.EMAIL:
            continue
        raws = engine.distinct_new(col, "emailmap")
        rows = []
        for raw in raws:
            email = canonical_email(raw)
            rows.append((raw, email.address, email.domain, email.mailbox) if email else (raw, None, None, None))
        engine.add_emailmap(rows)
        new += len(raws)
    return new


def register_ips(engine: Engine, kind: c.FileKind) -> int:
    """Normalise every distinct address of the file's IP columns (once per job)."""
    new = 0
    for col in kind.columns:
        if kind.type_of(col) != c.IP:
            continue
        raws = engine.distinct_raw_ips(col)
        engine.add_ipmap([(raw, normalise(raw)) for raw in raws])
        new += len(raws)
    return new


def find_rejects(engine: Engine, kind: c.FileKind, writer: RejectWriter, progress: Callable[[int], None] | None = None) -> int:
    """Write the `src` view's rejected rows to `writer` and keep their row numbers
    in the table `rej` (the aggregation leaves them out). Returns how many."""
    register_ips(engine, kind)
    register_emails(engine, kind)
    engine.con.execute("DROP TABLE IF EXISTS unknown_accounts")
    # account ids whose accounts rows this run rejected (kept across the run's files)
    engine.con.execute("CREATE TEMP TABLE IF NOT EXISTS rejected_accounts (account_id VARCHAR)")
    if kind.links_account:
        engine.con.execute(
            "CREATE TEMP TABLE unknown_accounts AS SELECT account_id, "
            "account_id IN (SELECT account_id FROM rejected_accounts) AS rejected FROM "
            "(SELECT DISTINCT account_id FROM src WHERE account_id IS NOT NULL) "
            "WHERE account_id NOT IN (SELECT account_id FROM known)"
        )
    engine.con.execute("DROP TABLE IF EXISTS rej")
    engine.con.execute(f"CREATE TEMP TABLE rej AS {_reject_sql(kind, engine.padded, engine.unreadable)}")
    if kind.name == "accounts":
        engine.con.execute("INSERT INTO rejected_accounts SELECT DISTINCT s.account_id FROM src s "
                           "JOIN rej USING (__row) WHERE s.account_id IS NOT NULL")
    count = 0
    for rows in engine.reader("SELECT __row, reason, value FROM rej ORDER BY __row", 50_000):
        writer.write((r["__row"], r["reason"], r["value"]) for r in rows)
        count += len(rows)
        if progress:
            progress(len(rows))
    waiting_path = getattr(writer, "waiting_path", None)
    waiting = 0
    if count and waiting_path is not None:
        waiting = engine.con.execute("SELECT count(*) FROM rej WHERE reason = ?", [c.UNKNOWN_ACCOUNT]).fetchone()[0]
    if waiting:
        # rows whose account is not loaded yet wait for it (ingest.rejects: waiting files);
        # written under a hidden name and renamed, so a run never reads half of one
        hidden = waiting_path.with_name(f".{waiting_path.name}.partial")
        _copy_rows(engine, f"SELECT __row FROM rej WHERE reason = '{c.UNKNOWN_ACCOUNT}'", hidden, "--rejects-dir")
        hidden.rename(waiting_path)
    writer.waiting = waiting
    if count > waiting and getattr(writer, "rows_path", None) is not None:
        # the rows whole, to fix and load again (a row left out for its account's own bad
        # row could not be loaded any other way once its file was in the ledger)
        keep = f"SELECT __row FROM rej WHERE reason <> '{c.UNKNOWN_ACCOUNT}'" if waiting else "SELECT __row FROM rej"
        _copy_rows(engine, keep, writer.rows_path, "--rejects-dir")
    return count


def _copy_rows(engine: Engine, rows_sql: str, path: Path, option: str) -> None:
    try:
        engine.copy_rows_as_read(rows_sql, path)
    except (OSError, duckdb.IOException) as exc:
        raise RingScopeError(f"cannot write rejected rows to {path.parent} ({getattr(exc, 'strerror', None) or exc}): "
                             f"pass a writable {option} and re-run") from None


def valid_rows_view(engine: Engine, rejected: int) -> None:
    """`valid`: the `src` rows that passed (no anti-join when nothing was rejected)."""
    engine.con.execute("DROP VIEW IF EXISTS valid")
    if rejected:
        engine.con.execute("CREATE TEMP VIEW valid AS SELECT * FROM src WHERE __row NOT IN (SELECT __row FROM rej)")
    else:
        engine.con.execute("CREATE TEMP VIEW valid AS SELECT * FROM src")
