"""Finding a world's files and reading them.

A world is a directory. Each file is `<kind>.csv`, `<kind>.csv.gz` or
`<kind>.parquet`; further files of the same kind may be named `<kind>_<part>.*`
or `<kind>-<part>.*`, or sit in a folder `<kind>/`. Files are taken in name
order, so a re-run sees them in the same order.

CSV files are read as text (every value a string, the validator does the
typing) and staged once into a Parquet file with a 1-based `__row` column, so
every later stage scans Parquet whatever the input was. Parquet inputs are
scanned where they are, unless a column's name is the one DuckDB's row numbering
adds (`file_row_number`, `ROW_NUMBER_COLUMN`): such a file is staged too, types kept.
A staged file names its columns by position (`c0`, `c1`, ...): a header may repeat a
name or use `__row` itself.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import RingScopeError
from .contract import KINDS, LOAD_ORDER

EXTENSIONS = (".csv.gz", ".csv", ".parquet")


@dataclass(frozen=True)
class SourceFile:
    kind: str
    path: Path
    world: Path

    @property
    def name(self) -> str:
        """The path inside the world, as reports and reject files name it."""
        return self.path.relative_to(self.world).as_posix()

    @property
    def format(self) -> str:
        return "parquet" if self.path.name.endswith(".parquet") else "csv"

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass
class World:
    path: Path
    files: list[SourceFile]
    ignored: list[Path]

    def of_kind(self, kind: str) -> list[SourceFile]:
        return [f for f in self.files if f.kind == kind]

    @property
    def missing_kinds(self) -> list[str]:
        found = {f.kind for f in self.files}
        return [k for k in LOAD_ORDER if k not in found]


def _strip_ext(name: str) -> tuple[str, str] | None:
    for ext in EXTENSIONS:
        if name.endswith(ext):
            return name[: -len(ext)], ext
    return None


def kind_of(stem: str) -> str | None:
    if stem in KINDS:
        return stem
    # longest kind name first, so `ip_intel_2` is ip_intel and never a kind `ip`
    for kind in sorted(KINDS, key=len, reverse=True):
        if stem.startswith(kind) and stem[len(kind)] in "_-":
            return kind
    return None


def _natural(path: Path) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.as_posix())]


def discover(world_dir: str | Path) -> World:
    """Every interchange file in a world, in load order."""
    world = Path(world_dir).expanduser()
    if not world.exists():
        raise RingScopeError(f"world directory {world} does not exist: pass the folder holding accounts.csv, exchanges.parquet, ...")
    if not world.is_dir():
        raise RingScopeError(f"{world} is a file, not a world directory: pass the folder that holds it")
    world = world.resolve()
    found: list[SourceFile] = []
    ignored: list[Path] = []
    for entry in sorted(world.iterdir(), key=_natural):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if entry.name in KINDS:
                for part in sorted(entry.iterdir(), key=_natural):
                    if part.is_file() and _strip_ext(part.name):
                        found.append(SourceFile(entry.name, part, world))
                    elif not part.name.startswith("."):
                        ignored.append(part)
            else:
                ignored.append(entry)
            continue
        split = _strip_ext(entry.name)
        kind = kind_of(split[0]) if split else None
        if kind is None:
            ignored.append(entry)
            continue
        found.append(SourceFile(kind, entry, world))
    order = {k: i for i, k in enumerate(LOAD_ORDER)}
    found.sort(key=lambda f: (order[f.kind], _natural(f.path)))
    return World(world, found, ignored)


def sha256(path: Path, chunk: int = 4 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open("r", encoding="utf-8-sig", newline="")


def is_empty(source: SourceFile) -> bool:
    """A file with no bytes at all (or, for .csv.gz, nothing inside) is fine and loads nothing."""
    if source.size == 0:
        return True
    if source.format == "csv" and source.path.name.endswith(".gz"):
        try:
            with gzip.open(source.path, "rb") as fh:
                return fh.read(1) == b""
        except (OSError, EOFError, zlib.error):
            return False  # damaged: reading it says so (damaged_gzip)
    return False


def damaged_gzip(source: SourceFile) -> RingScopeError | None:
    """The one-line error for a .csv.gz whose compressed stream is cut short or corrupt,
    or None when the stream is whole. Read to its end, whatever failed first (a cut can
    surface as a short stream, a bad block or broken UTF-8 in the last line), so the
    message is the same wherever the file was cut."""
    if not source.path.name.endswith(".gz"):
        return None
    try:
        with gzip.open(source.path, "rb") as fh:
            while fh.read(4 << 20):
                pass
    except (OSError, EOFError, zlib.error):
        # no detail from the decompressor: it differs with the cut, the advice does not
        return RingScopeError(
            f"{source.name}: the gzip stream is cut short or damaged, so nothing from this file was loaded: "
            "copy or export it again (`gzip -t FILE` checks a copy) and re-run; files already loaded are skipped"
        )
    return None


def _header_decoded_alone(source: SourceFile, first_error: UnicodeDecodeError) -> list[str]:
    """The header record decoded line by line, so bytes after it play no part."""
    opener = gzip.open if source.path.name.endswith(".gz") else open

    def lines():
        with opener(source.path, "rb") as fh:
            for i, raw in enumerate(fh):
                yield raw.decode("utf-8-sig" if i == 0 else "utf-8")

    try:
        return next(csv.reader(lines()), [])
    except UnicodeDecodeError:
        raise RingScopeError(
            f"{source.name}: cannot read the CSV header ({first_error}): check the file is UTF-8 CSV") from None


def header(source: SourceFile) -> list[str]:
    """Column names of a file (empty list for an empty file)."""
    if is_empty(source):
        return []
    if source.format == "parquet":
        try:
            # names as a CSV header's are read (columns are taken by position, so nothing
            # else needs the file's own spelling): ` account_id` refused the file, `email `
            # was ignored, where the CSV those columns came from loaded
            return [name.strip() for name in pq.read_schema(source.path).names]
        except (pa.ArrowInvalid, OSError) as exc:
            raise RingScopeError(f"{source.name}: not a readable Parquet file ({exc}): export it again and re-run") from None
    try:
        with _open_text(source.path) as fh:
            row = next(csv.reader(fh), [])
    except UnicodeDecodeError as exc:
        # The text reader decodes a whole block: the byte may sit in a data row, which the
        # staging step then names by its row; only a header that is not UTF-8 stops here.
        row = _header_decoded_alone(source, exc)
    except (OSError, EOFError, zlib.error) as exc:
        raise (damaged_gzip(source) or RingScopeError(
            f"{source.name}: cannot read the CSV header ({exc}): check the file is UTF-8 CSV")) from None
    return [c.strip() for c in row]


def prefix_digests(path: Path, sizes: set[int], chunk: int = 4 << 20) -> dict[int, str]:
    """The sha256 of the first `n` bytes of `path` for each `n` in `sizes` (those not
    beyond its end), in one read of the file."""
    wanted = sorted(n for n in sizes if n > 0)
    out: dict[int, str] = {}
    h = hashlib.sha256()
    done = 0
    with path.open("rb") as fh:
        for n in wanted:
            while done < n:
                block = fh.read(min(chunk, n - done))
                if not block:
                    return out
                h.update(block)
                done += len(block)
            out[n] = h.copy().hexdigest()
    return out


#: the column DuckDB's `read_parquet(..., file_row_number = true)` adds; a file with a column
#: of that name (in any case) is refused by DuckDB with the option, so it is staged instead
ROW_NUMBER_COLUMN = "file_row_number"


#: the largest millisecond count DuckDB's microsecond timestamps hold (its `infinity` is 2^63 - 1 us)
_MAX_MS = (2**63 - 2) // 1000


def millisecond_overflow(source: SourceFile) -> list[int]:
    """Top-level timestamp columns (their positions) of a Parquet file stored in milliseconds
    with a value beyond DuckDB's microseconds (Long.MAX_VALUE, a Java exporter's "never"):
    DuckDB converts them while it scans and fails the whole file. Read from the row groups'
    statistics; a column chunk without them is read."""
    parquet = pq.ParquetFile(source.path)
    meta, arrow = parquet.metadata, parquet.schema_arrow
    found = []
    for j in range(meta.num_columns):
        column = meta.schema.column(j)
        if column.physical_type != "INT64" or "milliseconds" not in str(column.logical_type):
            continue
        position = arrow.get_field_index(column.path)
        if position < 0 or not pa.types.is_timestamp(arrow.field(position).type):
            continue  # nested: DuckDB reads it as part of its parent
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(j).statistics
            if stats is not None and stats.has_min_max:
                beyond = stats.min_raw < -_MAX_MS or stats.max_raw > _MAX_MS
            else:
                values = parquet.read_row_group(g, columns=[column.path]).column(0).cast(pa.int64())
                beyond = values.null_count < len(values) and (
                    pa.compute.min(values).as_py() < -_MAX_MS or pa.compute.max(values).as_py() > _MAX_MS)
            if beyond:
                found.append(position)
                break
    return found


def parquet_staging(source: SourceFile, columns: list[str]) -> list[int] | None:
    """How a Parquet file is scanned: None, where it is; else through a staged copy
    (`stage_parquet`), with the millisecond timestamp columns at the positions returned
    widened. A file is staged when a column is named like DuckDB's row numbering
    (`ROW_NUMBER_COLUMN`, any case) or holds a millisecond timestamp DuckDB cannot read
    (`millisecond_overflow`, worked out here once)."""
    try:
        overflow = millisecond_overflow(source)
    except (pa.ArrowInvalid, OSError) as exc:
        raise RingScopeError(f"{source.name}: not a readable Parquet file ({exc}): export it again and re-run") from None
    if overflow or any(c.casefold() == ROW_NUMBER_COLUMN for c in columns):
        return overflow
    return None


def _microseconds(column: pa.ChunkedArray | pa.Array, to: pa.DataType) -> pa.Array:
    """A millisecond timestamp column in microseconds (`to`), a value beyond them DuckDB's
    `infinity` / `-infinity`: validation rejects those rows as unparsable timestamps."""
    ms = column.cast(pa.int64())
    us = pa.compute.multiply(pa.compute.if_else(pa.compute.less_equal(pa.compute.abs(ms), _MAX_MS), ms, 0), 1000)
    us = pa.compute.if_else(pa.compute.greater(ms, _MAX_MS), 2**63 - 1, us)
    us = pa.compute.if_else(pa.compute.less(ms, -_MAX_MS), -(2**63 - 1), us)
    return us.cast(to)


def stage_parquet(
    source: SourceFile,
    out: Path,
    widen: Iterable[int] = (),
    *,
    batch_rows: int = 1 << 16,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Copy a Parquet file into the staged shape: `__row` (1-based), then its columns, types
    kept, under their positions' names (`c0`, `c1`, ...); the millisecond timestamp columns
    at the positions `widen` (from `parquet_staging`) in microseconds, a value beyond them
    DuckDB's `infinity`. Returns the rows staged.

    Raises RingScopeError (one line) when pyarrow cannot read the file."""
    try:
        parquet = pq.ParquetFile(source.path)
        fields = list(parquet.schema_arrow)
        names = [f"c{i}" for i in range(len(fields))]
        wider = {k: pa.timestamp("us", fields[k].type.tz) for k in widen}
        schema = pa.schema([("__row", pa.int64())]
                           + [pa.field(n, wider.get(k, f.type)) for k, (n, f) in enumerate(zip(names, fields))])
        staged = 0
        with pq.ParquetWriter(out, schema, compression="snappy") as writer:
            for batch in parquet.iter_batches(batch_size=batch_rows, use_threads=False):
                table = pa.Table.from_batches([batch]).rename_columns(names)
                for k, to in wider.items():
                    table = table.set_column(k, names[k], _microseconds(table.column(k), to))
                rows = np.arange(staged + 1, staged + 1 + table.num_rows, dtype=np.int64)
                writer.write_table(table.add_column(0, "__row", pa.array(rows, pa.int64())))
                staged += table.num_rows
                if progress:
                    progress(table.num_rows)
    except (pa.ArrowInvalid, OSError) as exc:
        raise RingScopeError(f"{source.name}: not a readable Parquet file ({exc}): export it again and re-run") from None
    return staged


def parquet_rows(source: SourceFile) -> int:
    try:
        return pq.ParquetFile(source.path).metadata.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise RingScopeError(f"{source.name}: not a readable Parquet file ({exc}): export it again and re-run") from None


@dataclass
class MalformedRow:
    row: int | None
    reason: str
    text: str


def stage_csv(
    source: SourceFile,
    columns: list[str],
    out: Path,
    *,
    block_size: int = 16 << 20,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[MalformedRow]]:
    """Copy a CSV (or .csv.gz) into Parquet: `__row`, then every column as text under its
    position's name (`c0`, `c1`, ...; `columns` is the header, for messages).

    Returns (rows staged, malformed rows). A malformed row (wrong number of
    fields, or a field that is not UTF-8) is not staged; its row number is the data
    row it sat on (line - 1).
    """
    malformed: list[MalformedRow] = []
    undecodable: list[MalformedRow] = []  # rows pyarrow parsed, kept apart: they hold positions

    def on_invalid(row) -> str:
        number = row.number - 1 if row.number is not None else None
        malformed.append(
            MalformedRow(number, f"expected {row.expected_columns} fields, got {row.actual_columns}", row.text[:200])
        )
        return "skip"

    names = [f"c{i}" for i in range(len(columns))]  # header text may repeat or be odd: positional names
    stream = pa.input_stream(str(source.path), compression="gzip" if source.path.name.endswith(".gz") else None)
    try:
        reader = pacsv.open_csv(
            stream,
            # Serial parsing: only then does pyarrow know the line of a malformed row.
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_size, encoding="utf8", use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            # bytes first: a field that is not UTF-8 rejects its row (`_decoded`), not the file
            convert_options=pacsv.ConvertOptions(column_types={n: pa.binary() for n in names}, strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        if "Empty CSV file" in str(exc):
            return 0, malformed
        raise (damaged_gzip(source) or RingScopeError(f"{source.name}: not readable as CSV ({exc}): check the file")) from None
    schema = pa.schema([("__row", pa.int64())] + [(n, pa.string()) for n in names])
    next_row = 1
    staged = 0
    used = 0  # malformed rows already accounted for
    with pq.ParquetWriter(out, schema, compression="snappy") as writer:
        try:
            for batch in reader:
                n = batch.num_rows
                # Row numbers skip the positions malformed rows occupied.
                skip = sorted(m.row for m in malformed[used:] if m.row is not None)
                used = len(malformed)
                candidates = np.arange(next_row, next_row + n + len(skip), dtype=np.int64)
                if skip:
                    candidates = candidates[~np.isin(candidates, np.asarray(skip, dtype=np.int64))]
                rows = candidates[:n]
                next_row = int(rows[-1]) + 1 if n else next_row
                table = pa.Table.from_batches([batch])
                table = table.add_column(0, "__row", pa.array(rows, pa.int64()))
                table = _decoded(table, schema, columns, undecodable)
                writer.write_table(table)
                staged += table.num_rows
                if progress:
                    progress(n)
        except (pa.ArrowInvalid, UnicodeDecodeError, OSError, EOFError) as exc:
            raise (damaged_gzip(source) or RingScopeError(
                f"{source.name}: CSV parse failed near data row {next_row} ({exc}): fix or re-export the file")) from None
    return staged, sorted(malformed + undecodable, key=lambda m: (m.row is None, m.row or 0))


def _decoded(table: pa.Table, schema: pa.Schema, columns: list[str], bad: list[MalformedRow]) -> pa.Table:
    """`table` (`__row` and the columns `c0`, `c1`, ... as bytes; `columns` their header
    names) cast to `schema` (text). The cast checks
    UTF-8 for the whole batch at once; only when it fails are the rows looked at one by one,
    and each row holding bytes that are not UTF-8 goes to `bad` (with its field's name and
    its text, the bytes escaped) instead of refusing the file."""
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        pass
    keep = np.ones(table.num_rows, dtype=bool)
    data = [table.column(k + 1).to_pylist() for k in range(len(columns))]  # by position: names may repeat
    numbers = table.column("__row").to_pylist()
    for i in range(table.num_rows):
        for k, name in enumerate(columns):
            try:
                data[k][i].decode("utf-8")
            except UnicodeDecodeError:
                keep[i] = False
                text = ",".join(cells[i].decode("utf-8", "backslashreplace") for cells in data)
                bad.append(MalformedRow(numbers[i], f"not UTF-8 in column {name}", text[:200]))
                break
    return table.filter(pa.array(keep)).cast(schema)
