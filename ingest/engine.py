"""The aggregation engine: one in-process DuckDB per ingest job.

DuckDB won the measurement in `benchmarks/bench_ingest.py` (see README, Ingest):
it scans Parquet in parallel, casts and validates in the same pass, and runs the
group-bys with a memory limit, spilling to disk instead of growing the process.

Each source file becomes a view `src` with a 1-based `__row` column and every
contract column present (absent optional ones as NULL), typed:
text columns as they are with empty turned into NULL, timestamps as TIMESTAMPTZ
(NULL when unparsable, the raw text kept in `<col>__raw`), token counts as
BIGINT (the raw text kept likewise).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from .contract import TIMESTAMP, TOKENS, FileKind
from .files import SourceFile


_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}


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
        self.con.execute(f"SET memory_limit = {quote_literal(memory_limit)}")
        self.con.execute(f"SET temp_directory = {quote_literal(str(self.work / 'spill'))}")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("CREATE TABLE known (account_id VARCHAR PRIMARY KEY)")
        self.con.execute("CREATE TABLE ipmap (raw VARCHAR, address VARCHAR)")

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
        columns kept as text."""
        present = set(header)
        if staged is not None:
            scan = f"SELECT * FROM read_parquet({quote_literal(str(staged))})"
            row = "__row"
        else:
            scan = f"SELECT * FROM read_parquet({quote_literal(str(source.path))}, file_row_number = true)"
            row = "file_row_number + 1"
        types = {r[0]: r[1].upper() for r in self.con.execute(f"DESCRIBE {scan}").fetchall()}
        cols = [f"{row} AS __row"]
        for col in kind.columns:
            q, raw = quote_ident(col), quote_ident(col + "__raw")
            typ = kind.type_of(col)
            if col not in present:
                sql_type = {TIMESTAMP: "TIMESTAMPTZ", TOKENS: "BIGINT"}.get(typ, "VARCHAR")
                cols.append(f"NULL::{sql_type} AS {q}")
                if typ in (TIMESTAMP, TOKENS):
                    cols.append(f"NULL::VARCHAR AS {raw}")
                continue
            stored = types.get(col, "VARCHAR")
            # Identifiers are opaque: kept byte for byte (no trimming, which would also
            # cost a full string pass per column); an empty cell is a missing value.
            text = f"NULLIF({q}, '')" if stored == "VARCHAR" else f"CAST({q} AS VARCHAR)"
            if typ == TIMESTAMP:
                if stored.startswith("TIMESTAMP") or stored == "DATE":
                    # a typed Parquet column: nothing to parse (naive timestamps are UTC)
                    cols.append(f"CAST({q} AS TIMESTAMPTZ) AS {q}")
                    cols.append(f"{q} AS {raw}")
                else:
                    cols.append(f"TRY_CAST({text} AS TIMESTAMPTZ) AS {q}")
                    cols.append(f"{text} AS {raw}")
            elif typ == TOKENS:
                if stored in _INTEGER_TYPES:
                    cols.append(f"CAST({q} AS BIGINT) AS {q}")
                    cols.append(f"{q} AS {raw}")
                elif stored in ("DOUBLE", "FLOAT", "REAL") or stored.startswith("DECIMAL"):
                    cols.append(f"CASE WHEN {q} = floor({q}) THEN CAST({q} AS BIGINT) END AS {q}")
                    cols.append(f"{q} AS {raw}")
                else:
                    # whole numbers only: '12' and '12.0' pass, '12.5' and 'abc' do not
                    as_double = f"TRY_CAST({text} AS DOUBLE)"
                    cols.append(f"CASE WHEN {as_double} = floor({as_double}) THEN CAST({as_double} AS BIGINT) END AS {q}")
                    cols.append(f"{text} AS {raw}")
            else:
                cols.append(f"{text} AS {q}")
        for col in extras:
            q = quote_ident(col)
            cols.append(f"NULLIF(CAST({q} AS VARCHAR), '') AS {q}")
        self.con.execute("DROP VIEW IF EXISTS src")
        self.con.execute(f"CREATE TEMP VIEW src AS SELECT {', '.join(cols)} FROM ({scan})")
        #: what the exchange aggregation needs to scan the file itself (see aggregate.py)
        self.source = {"path": staged or source.path, "staged": staged is not None,
                       "types": {c: types.get(c) for c in kind.columns if c in present}}

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

    def add_ipmap(self, pairs: list[tuple[str, str | None]]) -> None:
        if not pairs:
            return
        table = pa.table({"raw": [p[0] for p in pairs], "address": [p[1] for p in pairs]},
                         schema=pa.schema([("raw", pa.string()), ("address", pa.string())]))
        self.con.register("new_ips", table)
        self.con.execute("INSERT INTO ipmap SELECT raw, address FROM new_ips")
        self.con.unregister("new_ips")


__all__ = ["Engine", "quote_ident", "quote_literal"]
