"""The aggregation engine: one in-process DuckDB per ingest job.

DuckDB won the measurement in `benchmarks/bench_ingest.py` (see README, Ingest):
it scans Parquet in parallel, casts and validates in the same pass, and runs the
group-bys with a memory limit, spilling to disk instead of growing the process.

Each source file becomes a view `src` with a 1-based `__row` column and every
contract column present (absent optional ones as NULL), typed:
text columns as they are with empty, whitespace-only and null-spelled cells
(`NULL`, `\\N`, `None`, `nan`, `N/A`) turned into NULL (the text as read kept in
`<col>__text`), timestamps as TIMESTAMPTZ when they follow the contract's grammar
(NULL otherwise, the raw text kept in `<col>__raw`), token counts as BIGINT when
whole, finite and within MAX_TOKENS (the raw text kept likewise).
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from ..errors import RingScopeError
from .contract import (IDENTIFIER, MAX_TOKENS, NOT_SINGLE, NOT_UTF8, NULL_SPELLINGS, TIMESTAMP, TIMESTAMP_PATTERN,
                       TIMESTAMP_RANGE, TOKENS, FileKind)
from .files import SourceFile


_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}


# Whitespace as Unicode has it (RE2's \s is ASCII only): NBSP and the other \pZ
# separators, and the invisible format characters (Unicode Cf: zero-width space, joiner
# and non-joiner, word joiner, soft hyphen, the BOM an editor leaves in a cell, direction
# marks): at either end of an id they make a second account nobody can tell apart
# (U+2060 and U+200D used to pass).
SPACE_CLASS = r"[\s\pZ\p{Cf}]"


def _missing_when(text: str, spellings: tuple[str, ...] = NULL_SPELLINGS) -> str:
    """SQL: `text`, or NULL when it is empty, whitespace or one of `spellings` (any case).

    Most cells are ids longer than any spelling that start with a printable ASCII
    character and do not end in a space: those skip the regular expression, which
    would otherwise cost a quarter of a microsecond per cell on every scan."""
    words = "|".join(re.escape(w) for w in spellings)
    pattern = quote_literal(f"{SPACE_CLASS}*(?i:{words})?{SPACE_CLASS}*")
    longest = max(len(w) for w in spellings)
    return (f"CASE WHEN strlen({text}) > {longest} AND ascii({text}) BETWEEN 33 AND 126 AND NOT ends_with({text}, ' ') "
            f"THEN {text} WHEN regexp_full_match({text}, {pattern}) THEN NULL ELSE {text} END")


# A decimal numeral, optionally in exponent notation (`1e3`, `12.0`); never `inf`,
# `nan`, `0x10` or `1_000`, which DuckDB's cast alone would take.
_NUMBER_RE = "'" + r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*" + "'"


def _tokens(q: str, stored: str) -> str:
    """SQL for a token count: BIGINT when the value is a whole number within
    +-MAX_TOKENS (negative ones are rejected later with their own reason), else NULL.
    Non-finite and out-of-range values become NULL here instead of failing the cast."""
    if stored in _INTEGER_TYPES:
        return f"CASE WHEN {q} BETWEEN -{MAX_TOKENS} AND {MAX_TOKENS} THEN CAST({q} AS BIGINT) END"
    if stored in ("DOUBLE", "FLOAT", "REAL") or stored.startswith("DECIMAL"):
        d = f"CAST({q} AS DOUBLE)"
    else:
        text = q if stored == "VARCHAR" else f"CAST({q} AS VARCHAR)"
        d = f"(CASE WHEN regexp_full_match({text}, {_NUMBER_RE}) THEN TRY_CAST({text} AS DOUBLE) END)"
    # abs(NaN) and abs(inf) are never <= MAX_TOKENS, so both fall through to NULL
    return f"CASE WHEN abs({d}) <= {MAX_TOKENS} AND {d} = floor({d}) THEN CAST({d} AS BIGINT) END"


_TIMESTAMP_RE = "'" + TIMESTAMP_PATTERN + "'"


def _instant(sql: str) -> str:
    """SQL: `sql` as TIMESTAMPTZ when it names an instant within TIMESTAMP_RANGE, else NULL
    (DuckDB's `infinity`, a date beyond its timestamps, a year the driver cannot read)."""
    low, high = (f"TIMESTAMPTZ {quote_literal(t)}" for t in TIMESTAMP_RANGE)
    t = f"TRY_CAST({sql} AS TIMESTAMPTZ)"
    return f"CASE WHEN {t} BETWEEN {low} AND {high} THEN {t} END"

#: an identifier with whitespace at either end (validate.py rejects it)
PADDED_RE = "'" + f"^{SPACE_CLASS}|{SPACE_CLASS}$" + "'"


def decoded(q: str) -> str:
    """SQL: a BLOB as the UTF-8 text it holds, NULL when it is not UTF-8. Parquet text
    written as plain BYTE_ARRAY (no UTF-8 annotation: Impala, older Spark and Hive) reads as
    BLOB, whose cast to text is DuckDB's escape form (`jos\\xC3\\xA9` for `josé`)."""
    return f"TRY(decode({q}))"


#: DuckDB's type for Parquet BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY columns without a text annotation
BLOB = "BLOB"


def _nested(duckdb_type: str) -> bool:
    """Whether a DuckDB type holds several values: a list (`VARCHAR[]`), an array
    (`INTEGER[3]`), a struct, a map or a union."""
    return duckdb_type.endswith("]") or duckdb_type.startswith(("STRUCT", "MAP", "UNION"))


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Engine:
    def __init__(self, *, memory_limit: str = "1GB", threads: int | None = None, temp_dir: Path | None = None):
        self._tmp = tempfile.TemporaryDirectory(prefix="ringscope-ingest-", dir=temp_dir)
        self.work = Path(self._tmp.name)
        self.con = duckdb.connect(config={"threads": threads or max(1, os.cpu_count() or 1)})
        self.con.execute("SET TimeZone = 'UTC'")
        try:
            self.con.execute(f"SET memory_limit = {quote_literal(memory_limit)}")
        except duckdb.Error:
            self.close()
            raise RingScopeError(f"--memory-limit {memory_limit!r} is not a size: give a number and a unit, "
                                 "e.g. 1GB or 512MB") from None
        self.con.execute(f"SET temp_directory = {quote_literal(str(self.work / 'spill'))}")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("CREATE TABLE known (account_id VARCHAR PRIMARY KEY)")
        self.con.execute("CREATE TABLE ipmap (raw VARCHAR, address VARCHAR)")
        self.con.execute("CREATE TABLE emailmap (raw VARCHAR, address VARCHAR, domain VARCHAR, mailbox VARCHAR)")

    def close(self) -> None:
        self.con.close()
        self._tmp.cleanup()

    # ------------------------------------------------------------ known accounts
    def add_known(self, account_ids: list[str]) -> None:
        if not account_ids:
            return
        table = pa.table({"account_id": pa.array(account_ids, pa.string())})
        self.con.register("new_known", table)
        self.con.execute(
            "INSERT INTO known SELECT DISTINCT account_id FROM new_known "
            "WHERE account_id NOT IN (SELECT account_id FROM known)"
        )
        self.con.unregister("new_known")

    def known_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM known").fetchall()[0][0]

    # ------------------------------------------------------------ sources
    def open_source(
        self, kind: FileKind, source: SourceFile, header: list[str], staged: Path | None, extras: list[str] = ()
    ) -> None:
        """Create the `src` view for one file (see module doc); `extras` are further
        columns kept as text.

        The view starts strict (every null spelling and timestamp checked per cell);
        `profile` then counts what the checks changed and re-creates it with the plain
        expressions for the columns where they changed nothing, so a clean file pays
        for the checks once and not on every later scan."""
        present = set(header)
        #: the contract columns and kept extras this file has (a column it lacks is not a value)
        self.present = present
        if staged is not None:
            raw = f"SELECT * FROM read_parquet({quote_literal(str(staged))})"
            raw_row, first = "__row", 2  # the staged file's own row numbers come first
        else:
            raw = f"SELECT * FROM read_parquet({quote_literal(str(source.path))}, file_row_number = true)"
            raw_row, first = "file_row_number + 1", 1
        # Each column is taken by its position and named here: DuckDB matches names without
        # regard to case, so `ACCOUNT_ID` beside `account_id` would be read in its place (a
        # field report: logins loaded onto the wrong account while the summary called the
        # column ignored). A contract column or a kept extra gets its exact name; any other
        # column a name of its own that nothing reads.
        kept = set(extras)
        select = [f"{raw_row} AS __row"]
        for k, name in enumerate(header):
            alias = name if name in kind.columns or name in kept else f"__col{k}"
            select.append(f"#{first + k} AS {quote_ident(alias)}")
        scan = f"SELECT {', '.join(select)} FROM ({raw})"
        row = "__row"
        # the file as it is, for rows kept whole: its scan, row number, header, first column
        self._raw_scan, self._raw_row, self._header, self._first = raw, raw_row, list(header), first
        types = {r[0]: r[1].upper() for r in self.con.execute(f"DESCRIBE {scan}").fetchall()}
        # binary columns come out as their UTF-8 text, in the rows kept whole too (a waiting
        # row's account id must be the id its account gets)
        self._blobs = {k for k, name in enumerate(header)
                       if types.get(name if name in kind.columns or name in kept else f"__col{k}") == BLOB}
        #: (contract column, reason): columns whose stored values may not be one contract value
        #: (binary that is not UTF-8, a list, map or struct); each such value, as text in
        #: `<column>__bad`, rejects its row (validate.py)
        self.unreadable: list[tuple[str, str]] = []
        #: (column, strict SQL, plain SQL or None): plain gives the same value on a clean file
        cols: list[tuple[str, str, str | None]] = [("__row", row, None)]
        self.texts: dict[str, str] = {}  # column -> its text as read, for counting null spellings
        for col in kind.columns:
            q = quote_ident(col)
            typ = kind.type_of(col)
            if col not in present:
                sql_type = {TIMESTAMP: "TIMESTAMPTZ", TOKENS: "BIGINT"}.get(typ, "VARCHAR")
                cols.append((col, f"NULL::{sql_type}", None))
                if typ in (TIMESTAMP, TOKENS):
                    cols.append((col + "__raw", "NULL::VARCHAR", None))
                continue
            stored = types.get(col, "VARCHAR")
            if stored == BLOB:
                # the bytes that are not UTF-8, escaped, for the reject file (NULL otherwise)
                cols.append((col + "__bad", f"CASE WHEN {decoded(q)} IS NULL THEN CAST({q} AS VARCHAR) END", None))
                self.unreadable.append((col, NOT_UTF8))
                q, stored = decoded(q), "VARCHAR"
            elif _nested(stored):
                # a list, map or struct where the contract names one value (`country` as
                # ['DE']): read as text it would be stored as "[DE]"; the row is a reject
                cols.append((col + "__bad", f"CAST({q} AS VARCHAR)", None))
                self.unreadable.append((col, NOT_SINGLE))
                q, stored = "NULL::VARCHAR", "VARCHAR"
            as_text = q if stored == "VARCHAR" else f"CAST({q} AS VARCHAR)"
            plain = f"NULLIF({as_text}, '')"
            if typ == TIMESTAMP:
                if stored.startswith("TIMESTAMP") or stored == "DATE":
                    # a typed Parquet column: nothing to parse (naive timestamps are UTC)
                    cols.append((col, _instant(q), None))
                    cols.append((col + "__raw", q, None))
                else:
                    text = _missing_when(as_text, NULL_SPELLINGS + ("nat",))  # pandas writes NaT
                    self.texts[col] = as_text
                    # DuckDB alone would read `EST`, zone names, `+25:00` and two-digit
                    # years: the contract's grammar decides first, the cast second.
                    # plain: chosen only where `profile` found the strict value equal to this one
                    cols.append((col, f"CASE WHEN regexp_full_match({text}, {_TIMESTAMP_RE}) "
                                      f"THEN {_instant(text)} END", f"TRY_CAST({plain} AS TIMESTAMPTZ)"))
                    cols.append((col + "__raw", text, plain))
            elif typ == TOKENS:
                cols.append((col, _tokens(q, stored), None))
                # `nan` is a number that is not one: for counts it is unparsable, not missing
                text = _missing_when(as_text, tuple(n for n in NULL_SPELLINGS if n != "nan"))
                cols.append((col + "__raw", text if stored == "VARCHAR" else q, None))
            else:
                self.texts[col] = as_text
                cols.append((col, _missing_when(as_text), plain))
        for col in extras:
            as_text = f"CAST({quote_ident(col)} AS VARCHAR)"
            if types.get(col) == BLOB:  # an extra is never a reject: bytes that are not text stay escaped
                as_text = f"coalesce({decoded(quote_ident(col))}, {as_text})"
            self.texts[col] = as_text
            cols.append((col, _missing_when(as_text), f"NULLIF({as_text}, '')"))
        self._scan, self._cols, self._kind = scan, cols, kind
        #: identifier column -> cells with surrounding whitespace (None: not counted yet)
        self.padded: dict[str, int] | None = None
        self._create_src(set())

    def copy_rows_as_read(self, rows_sql: str, path: Path) -> None:
        """Write the source rows whose 1-based row number `rows_sql` selects (e.g. `SELECT
        __row FROM rej`) to the CSV `path`, every column as the file had it (a CSV's cells
        as text; a Parquet file's values as DuckDB writes them), in row order, under the
        file's own header (written here: DuckDB's would rename a repeated name `a_1`). The
        caller asks only when there are such rows."""
        row = self._raw_row
        columns = ", ".join(f"coalesce({decoded(f'#{self._first + k}')}, CAST(#{self._first + k} AS VARCHAR))"
                            if k in self._blobs else f"#{self._first + k}" for k in range(len(self._header)))
        sql = f"SELECT {columns} FROM ({self._raw_scan}) WHERE {row} IN ({rows_sql}) ORDER BY {row}"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = path.with_name(path.name + ".body")
        try:
            self.con.execute(f"COPY ({sql}) TO {quote_literal(str(body))} (HEADER false, DELIMITER ',')")
            line = io.StringIO()
            csv.writer(line, lineterminator="\n").writerow(self._header)
            with path.open("wb") as out, body.open("rb") as rows:
                out.write(line.getvalue().encode("utf-8"))
                shutil.copyfileobj(rows, out)
        finally:
            body.unlink(missing_ok=True)

    def _create_src(self, plain: set[str]) -> None:
        """(Re-)create `src`: plain expressions for the columns in `plain`."""
        select = ", ".join(f"{p if name in plain and p else s} AS {quote_ident(name)}" for name, s, p in self._cols)
        self.con.execute("DROP VIEW IF EXISTS src")
        self.con.execute(f"CREATE TEMP VIEW src AS SELECT {select} FROM ({self._scan})")

    def content_fingerprint(self, kind: FileKind, extras: list[str] = ()) -> str:
        """See `profile`: the fingerprint alone."""
        return self.profile(kind, extras)[0]

    def profile(self, kind: FileKind, extras: list[str] = ()) -> tuple[str, dict[str, int]]:
        """One scan of the strict `src` view giving (content fingerprint, null spellings);
        it also counts identifiers with surrounding whitespace (`self.padded`) and leaves
        `src` with the plain expression wherever the strict one changed no cell.

        The fingerprint stands for the rows as the contract reads them, whatever the
        file's bytes: the same rows as CSV, CSV.gz, CRLF re-save or Parquet (typed or
        text) give the same fingerprint. Each row becomes one text (timestamps as epoch
        microseconds, token counts as integers, text after null spellings; an unparsable
        value as its raw text) and is hashed with DuckDB's `hash`; the row hashes are
        summed, so row order does not matter and a repeated row still counts. Columns
        ingest ignores take no part. DuckDB's hash is fast (MD5 cost more than the whole
        validation) but may change between DuckDB versions, so the fingerprint starts
        with the hash of a fixed text (`h<hex>:`): fingerprints are only compared when
        that prefix agrees, and an upgrade at worst fails to recognise an older copy.

        Null spellings: per column, the cells holding `NULL`, `\\N`, `N/A`, whitespace, ...
        that were read as missing (empty cells are not counted)."""
        values = []
        for col in (*kind.columns, *sorted(extras)):
            q, raw = quote_ident(col), quote_ident(col + "__raw")
            typ = kind.type_of(col) if col in kind.columns else None
            values.append(q)
            if typ in (TIMESTAMP, TOKENS):  # an unparsable value counts as its text
                values.append(f"CASE WHEN {q} IS NULL THEN CAST({raw} AS VARCHAR) END")
        # hash() of the typed values themselves: no per-row text to build
        row = f"hash({', '.join(values)})"
        checks: list[tuple[str, str, str]] = []  # (what, column, SQL count)
        for col, text in self.texts.items():
            # a timestamp's `__raw` is its text after null spellings (the value is NULL
            # for unparsable text too); every other column's value is that text
            cleaned = col + "__raw" if col in kind.columns and kind.type_of(col) == TIMESTAMP else col
            checks.append(("spelled", col, f"count(*) FILTER (WHERE {quote_ident(cleaned)} IS NULL "
                                           f"AND {quote_ident(col + '__text')} <> '')"))
            if col in kind.columns and kind.type_of(col) == TIMESTAMP:
                checks.append(("ts", col, f"count(*) FILTER (WHERE {quote_ident(col)} IS DISTINCT FROM "
                                          f"TRY_CAST(NULLIF({quote_ident(col + '__text')}, '') AS TIMESTAMPTZ))"))
            if col in kind.columns and kind.type_of(col) == IDENTIFIER:
                checks.append(("padded", col, f"count(*) FILTER (WHERE regexp_matches({quote_ident(col)}, {PADDED_RE}))"))
        texts = "".join(f", {t} AS {quote_ident(c + '__text')}" for c, t in self.texts.items())
        strict = ", ".join(f"{s} AS {quote_ident(name)}" for name, s, _ in self._cols)
        n, total, *counted = self.con.execute(
            f"SELECT count(*), sum(CAST(h AS HUGEINT)){''.join(f', {sql}' for _, _, sql in checks)} "
            f"FROM (SELECT {row} AS h, * FROM (SELECT {strict}{texts} FROM ({self._scan})))"
        ).fetchall()[0]
        results: dict[tuple[str, str], int] = {(what, col): int(k) for (what, col, _), k in zip(checks, counted)}
        spelled = {col: k for (what, col), k in results.items() if what == "spelled" and k}
        self.padded = {col: k for (what, col), k in results.items() if what == "padded"}
        plain = {col for col in self.texts
                 if not results.get(("spelled", col)) and not results.get(("ts", col))}
        self._create_src(plain | {c + "__raw" for c in plain})
        scheme = self.con.execute("SELECT hash('ringscope content fingerprint')").fetchall()[0][0]
        text = f"{kind.name}|{','.join((*kind.columns, *sorted(extras)))}|{n}|{total or 0}"
        return f"h{scheme:x}:" + hashlib.sha256(text.encode()).hexdigest()[:48], spelled

    def count(self, sql: str) -> int:
        return self.con.execute(sql).fetchall()[0][0]

    def reader(self, sql: str, batch_size: int = 10_000) -> Iterator[list[dict]]:
        """Stream a query's rows as lists of dicts, `batch_size` at a time."""
        for batch in self.con.sql(sql).to_arrow_reader(batch_size):
            if batch.num_rows:
                yield batch.to_pylist()

    def arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    # ------------------------------------------------------------ IP columns
    def distinct_raw_ips(self, column: str) -> list[str]:
        q = quote_ident(column)
        rows = self.con.execute(
            f"SELECT ip FROM (SELECT DISTINCT {q} AS ip FROM src WHERE {q} IS NOT NULL) "
            "WHERE ip NOT IN (SELECT raw FROM ipmap)"
        ).fetchall()
        return [r[0] for r in rows]

    def distinct_new(self, column: str, table: str) -> list[str]:
        """Distinct values of a `src` column not yet in `table` (a raw -> canonical map)."""
        q = quote_ident(column)
        rows = self.con.execute(
            f"SELECT v FROM (SELECT DISTINCT {q} AS v FROM src WHERE {q} IS NOT NULL) "
            f"WHERE v NOT IN (SELECT raw FROM {table})"
        ).fetchall()
        return [r[0] for r in rows]

    def add_emailmap(self, rows: list[tuple[str, str | None, str | None, str | None]]) -> None:
        """(raw, address, domain, mailbox) rows; address None: not an e-mail address."""
        if not rows:
            return
        names = ("raw", "address", "domain", "mailbox")
        table = pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})
        self.con.register("new_emails", table)
        self.con.execute("INSERT INTO emailmap SELECT raw, address, domain, mailbox FROM new_emails")
        self.con.unregister("new_emails")

    def add_ipmap(self, pairs: list[tuple[str, str | None]]) -> None:
        if not pairs:
            return
        table = pa.table({"raw": [p[0] for p in pairs], "address": [p[1] for p in pairs]},
                         schema=pa.schema([("raw", pa.string()), ("address", pa.string())]))
        self.con.register("new_ips", table)
        self.con.execute("INSERT INTO ipmap SELECT raw, address FROM new_ips")
        self.con.unregister("new_ips")


__all__ = ["Engine", "quote_ident", "quote_literal"]
