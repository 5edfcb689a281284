"""One ingest run: discover -> (per file) read -> validate -> aggregate -> load.

`ingest_world` is the API the CLI, `ringscope demo`, `evaluate` and the app
call. It reports progress through `progress(done, total, message)` (total may
be None) and returns an `IngestSummary`.
"""
from __future__ import annotations

import hashlib
import shlex
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import duckdb

from .. import schema, writer_lock
from ..config import Settings, load_settings
from ..errors import RingScopeError
from ..progress import running_total
from . import aggregate, ledger, load
from . import contract as c
from .engine import Engine
from .contract import LOAD_ORDER
from .files import (SourceFile, World, discover, header, is_empty, kind_of, parquet_rows, parquet_staging,
                    prefix_digests, sha256, stage_csv, stage_parquet)
from .canonical import looks_like_placeholder
from .ipintel import IntelTable, intel_properties, parse_network
from .rejects import RejectWriter
from .report import (CHANGED, EMPTY, GROUND_TRUTH, LOADED, SAME_ROWS, SKIPPED, STAGES, SETTLING, WAITING_ROWS,
                     FileReport, IngestSummary)
from .sinks import BoltSink, BulkSink, Progress, Sink
from .validate import check_header, find_rejects, valid_rows_view


def waiting_dir_for(settings: Settings, world: Path) -> Path:
    """Where rows of `world` wait for their account (ingest.rejects: waiting files): one
    folder per world folder under $RINGSCOPE_HOME/waiting."""
    key = hashlib.sha256(str(world).encode()).hexdigest()[:16]
    return settings.home / "waiting" / key


def waiting_files(folder: Path) -> list[SourceFile]:
    """The waiting files in `folder`, in load order (their rows' kinds), oldest first (a file
    re-read after a stopped run rewrites the newer one it made before that one is read)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        kind = kind_of(path.name.split("_waiting-")[0]) if "_waiting-" in path.name else None
        if kind and path.is_file() and not path.name.startswith(".") and path.name.endswith(".csv"):
            found.append(SourceFile(kind, path, folder))
    return sorted(found, key=lambda f: (LOAD_ORDER.index(f.kind), f.path.stat().st_mtime, f.path.name))


def default_rejects_dir(settings: Settings) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return settings.home / "rejects" / stamp


class _Clock:
    def __init__(self, report: FileReport, totals: dict[str, float]):
        self.report, self.totals = report, totals

    def __call__(self, stage: str):
        clock = self

        class _Timer:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                dt = time.perf_counter() - self.t0
                clock.report.seconds[stage] += dt
                clock.totals[stage] += dt

        return _Timer()


def _counts(settings: Settings) -> tuple[dict[str, int], dict[str, int]]:
    row = load.read_query("ingest_graph_counts", settings)[0]
    return dict(row["labels"]), dict(row["relTypesCount"])


def ingest_world(
    path: str | Path,
    settings: Settings | None = None,
    progress: Progress | None = None,
    *,
    batch_size: int = 5000,
    rejects_dir: str | Path | None = None,
    memory_limit: str = "1GB",
    bulk: str = "auto",
    force: bool = False,
    force_files: Sequence[str] = (),
    settle_seconds: float = 0.0,
    workers: int | None = None,
) -> IngestSummary:
    """Load every interchange file of a world into the graph (see README, Ingest).

    `workers`: sessions writing one stage's batches at once on the Bolt path (default
    load.DEFAULT_WORKERS; 1 writes every batch in order through one session).

    `force`: load every file even when the ledger says its bytes or its rows were
    loaded before (a deliberate re-load: its counts add again). `force_files`: the same
    for the files of these names only (as the summary names them; an unknown name is an
    error before anything is written).

    `settle_seconds`: a file modified less than this many seconds ago is left for the next
    run (status SETTLING, not read, not recorded): an exporter may still be writing it, and
    a file loaded half-written can only be completed by counting its first rows twice.
    The scheduler's `ringscope cycle` waits 60 s by default; a landing folder whose writer
    writes `.name.partial` and renames it when done needs none (dot-files are never read).

    `bulk`: "never" writes through Bolt; "always" takes the neo4j-admin import path
    (local server, empty database; refused otherwise); "auto" takes it when it may
    and the world's files add up to at least BULK_MIN_BYTES.
    """
    settings = settings or load_settings()
    with writer_lock.exclusive(settings, "ingest"):  # one loader per home: two would count files twice
        return _ingest_world(path, settings, progress, batch_size=batch_size, rejects_dir=rejects_dir,
                             memory_limit=memory_limit, bulk=bulk, force=force, force_files=force_files,
                             settle_seconds=settle_seconds, workers=workers)


def _ingest_world(path: str | Path, settings: Settings, progress: Progress | None, *, batch_size: int,
                  rejects_dir: str | Path | None, memory_limit: str, bulk: str, force: bool,
                  force_files: Sequence[str], settle_seconds: float, workers: int | None) -> IngestSummary:
    began = time.perf_counter()
    if batch_size < 1:
        raise RingScopeError(f"batch size must be at least 1, not {batch_size}")
    workers = load.DEFAULT_WORKERS if workers is None else workers
    if workers < 1:
        raise RingScopeError(f"workers must be at least 1, not {workers}")
    if bulk not in ("auto", "always", "never"):
        raise RingScopeError(f"bulk must be auto, always or never, not {bulk!r}")
    world = discover(path)
    if not world.files:
        raise RingScopeError(
            f"no interchange files in {world.path}: expected accounts.csv, exchanges.parquet, ... (see docs/interchange.md)"
        )
    unknown = sorted(set(force_files) - {f.name for f in world.files})
    if unknown:
        raise RingScopeError(f"--force-file {unknown[0]}: no such interchange file in {world.path} (give the name "
                             "as the summary shows it, e.g. logins_2026-03-14.csv)")
    seen = ledger.done_files(settings)
    # rows of earlier runs still waiting for their account try again, after this run's own files;
    # they belong to the graph they were left out of: an empty ledger (a new or emptied
    # database) starts with none
    waiting_dir = waiting_dir_for(settings, world.path)
    if not seen:
        for stale in waiting_files(waiting_dir):
            stale.path.unlink(missing_ok=True)
    world.files.extend(waiting_files(waiting_dir))
    headers = {f: header(f) for f in world.files}
    for f in world.files:
        check_header(c.KINDS[f.kind], f, headers[f])  # refuse before anything is written

    rejects_root = Path(rejects_dir) if rejects_dir else default_rejects_dir(settings)
    summary = IngestSummary(
        world=world.path,
        files=[],
        missing=world.missing_kinds,
        ignored=[p.relative_to(world.path).as_posix() for p in world.ignored],
        rejects_dir=rejects_root,
        stage_seconds={s: 0.0 for s in (*STAGES, "finalise")},
    )
    tell = progress or (lambda done, total, message: None)

    schema.migrate(settings)  # constraints back every MERGE; idempotent
    use_bulk = _choose_bulk(bulk, settings, world)
    nodes_before, rels_before = _counts(settings)
    engine = Engine(memory_limit=memory_limit)
    rebuilt = False
    try:
        engine.add_known([r["account_id"] for r in load.read_query("ingest_known_accounts", settings)])
        if use_bulk:
            from .bulk import BulkLoad

            sink = BulkSink(BulkLoad(engine, settings, IntelTable(), batch_size))
            summary.path = "bulk"
        else:
            from .bulk import database_is_empty

            fresh = database_is_empty(settings)  # before anything of this run is written
            sink = BoltSink(settings, workers, fresh=fresh)
            summary.deferred_indexes = load.defer_lookup_indexes(settings) if fresh else []
        run = _Run(world, headers, engine, settings, summary, seen, batch_size, rejects_root, tell, sink, force,
                   frozenset(force_files), settle_seconds, waiting_dir)
        run.ip_intel()
        for f in world.files:
            if f.kind != "ip_intel":
                run.file(f)
        summary.load_stages = getattr(sink, "timings", [])
        t0 = time.perf_counter()
        imported = sink.close(run.intel, tell)
        if imported is not None:
            summary.bulk = imported
            summary.stage_seconds["load"] += time.perf_counter() - t0
        if summary.deferred_indexes:  # built now, counted as load time (it is the writes' cost)
            t0 = time.perf_counter()
            tell(0, None, f"building {len(summary.deferred_indexes)} lookup indexes")
            schema.migrate(settings)
            summary.stage_seconds["load"] += time.perf_counter() - t0
            summary.deferred_indexes_seconds = time.perf_counter() - t0
            rebuilt = True
        # Totals: of what this run's rows named, or of the whole graph when a run before this one
        # stopped between its writes and its refresh (ledger `totals_pending`), on the bulk path,
        # when the run named more than TOUCHED_MAX identifiers, or into an empty database (all is new).
        pending = any(e.get("totals_pending") for e in seen.values())
        if pending or any(f.status == LOADED for f in summary.files):
            t0 = time.perf_counter()
            touched = getattr(sink, "touched", None)
            if touched is None or pending or use_bulk or getattr(sink, "fresh", False):
                load.refresh_totals(settings, progress=lambda n: tell(n, None, "refreshing per-identifier totals"))
                summary.totals_refreshed = "all"
            else:
                load.refresh_totals_of(touched, settings, progress=lambda n: tell(n, None, "refreshing per-identifier totals"))
                summary.totals_refreshed = "touched"
            load.totals_refreshed(settings)
            summary.stage_seconds["finalise"] += time.perf_counter() - t0
    except duckdb.OutOfMemoryException:
        raise RingScopeError(
            f"the aggregation engine ran out of memory (--memory-limit {memory_limit}): raise --memory-limit "
            "and re-run; batches already written are not written again") from None
    finally:
        engine.close()
        if summary.deferred_indexes and not rebuilt:
            try:  # a failed run: put the lookup indexes back if the server answers (else the next run does)
                schema.migrate(settings)
            except Exception:  # noqa: BLE001 - the run's own error is the one to report
                pass
    nodes_after, rels_after = _counts(settings)
    summary.nodes_created = {k: nodes_after.get(k, 0) - nodes_before.get(k, 0) for k in nodes_after}
    summary.relationships_created = {k: rels_after.get(k, 0) - rels_before.get(k, 0) for k in rels_after}
    summary.wall_seconds = time.perf_counter() - began
    return summary


#: Below this much input the bulk path's fixed cost (stopping and starting the
#: server) outweighs what it saves.
BULK_MIN_BYTES = 100 * 2**20


def _choose_bulk(bulk: str, settings: Settings, world: World) -> bool:
    if bulk == "never":
        return False
    from .bulk import can_bulk

    why_not = can_bulk(settings)
    if bulk == "always":
        if why_not:
            raise RingScopeError(f"--bulk always refused: {why_not}; use --bulk never (or auto)")
        return True
    size = sum(f.size for f in world.files if not c.KINDS[f.kind].never_loaded)
    return why_not is None and size >= BULK_MIN_BYTES


class _Run:
    """One ingest run: each file read, checked, validated and aggregated here, then handed to
    the sink (sinks.py: Bolt writes or bulk import files)."""

    def __init__(self, world: World, headers, engine: Engine, settings: Settings, summary: IngestSummary,
                 seen: dict[str, dict], batch_size: int, rejects_root: Path, tell: Progress, sink: Sink,
                 force: bool = False, force_files: frozenset[str] = frozenset(), settle_seconds: float = 0.0,
                 waiting_dir: Path | None = None):
        self.world, self.headers, self.engine, self.settings = world, headers, engine, settings
        self.sink = sink
        self.summary, self.seen, self.batch_size, self.rejects_root, self.tell = summary, seen, batch_size, rejects_root, tell
        self.force, self.force_files, self.settle_seconds = force, force_files, settle_seconds
        self.waiting_dir = waiting_dir
        self.summary.waiting_dir = waiting_dir
        self.intel = IntelTable()
        self.world_key = str(world.path)
        # content already in the graph, and what each path of this world held when loaded
        self.done_content = {e["content"]: e for e in seen.values() if e.get("status") == "done" and e.get("content")}
        # (a path recorded as a copy of another file counts too: its rows are in the graph
        # through that file, and a copy that grew would count them twice: a field report)
        self.done_at_path = {(e.get("world"), e["path"]): e for e in seen.values()
                             if e.get("status") in ("done", "duplicate") and e.get("content") and e.get("world")}
        self.run_content: dict[str, FileReport] = {}  # content loaded earlier in this run
        self.run_bytes: dict[str, str] = {}  # sha256 -> name of the file of this run that had those bytes

    # ------------------------------------------------------------ shared steps
    def _force_command(self, f: SourceFile) -> str:
        """The command that loads `f` anyway, as it runs when pasted (a field report: the hint
        left out the world folder)."""
        return f"ringscope ingest {shlex.quote(str(self.world.path))} --force-file {shlex.quote(f.name)}"

    def _forced(self, f: SourceFile) -> bool:
        return self.force or f.name in self.force_files

    def _is_waiting(self, f: SourceFile) -> bool:
        """Whether `f` is a waiting file of an earlier run (rows waiting for their account)."""
        return self.waiting_dir is not None and f.world == self.waiting_dir

    def _none_known_yet(self, f: SourceFile, report: FileReport) -> bool:
        """For a waiting file: True (and the report says so) when none of its accounts is in
        the graph yet; it stays as it is, with no ledger entry, for a later run."""
        if not self._is_waiting(f):
            return False
        known = self.engine.con.execute(
            "SELECT count(*) FROM src WHERE account_id IN (SELECT account_id FROM known)").fetchone()[0]
        if known:
            return False
        report.status = WAITING_ROWS
        report.rows_waiting, report.rows_read = report.rows_read, 0
        return True

    def _done_with_waiting(self, f: SourceFile) -> None:
        """A waiting file whose rows are in the graph (or waiting again in a new file) goes."""
        if self._is_waiting(f):
            f.path.unlink(missing_ok=True)

    def _settling(self, f: SourceFile, report: FileReport) -> bool:
        """True (and the report says why) when `f` was modified under `settle_seconds` ago."""
        if self.settle_seconds <= 0 or self._is_waiting(f):  # ours, written whole and renamed
            return False
        age = time.time() - f.path.stat().st_mtime
        if age >= self.settle_seconds:
            return False
        report.status = SETTLING
        report.note = (f"modified {max(age, 0):.0f} s ago, under the {self.settle_seconds:g} s settle time: it may "
                       "still be being written, so it is left for the next run (nothing read or recorded)")
        return True

    def _start(self, f: SourceFile) -> tuple[FileReport, _Clock]:
        report = FileReport(f.name, f.kind, LOADED)
        self.summary.files.append(report)
        return report, _Clock(report, self.summary.stage_seconds)

    def _read(self, f: SourceFile, report: FileReport, clock: _Clock) -> list:
        """Stage the file (CSV, or a Parquet file `files.parquet_staging` asks for, -> Parquet) and
        open the `src` view; returns the malformed rows (written to the reject file once the
        file is known to load)."""
        kind = c.KINDS[f.kind]
        malformed = []
        with clock("read"):
            staged = None
            if f.format == "csv":
                staged = self.engine.work / f"staged-{len(self.summary.files)}.parquet"
                rows, malformed = stage_csv(f, self.headers[f], staged,
                                            progress=running_total(self.tell, None, f"{f.name}: read"))
                report.rows_read = rows + len(malformed)
            elif (widen := parquet_staging(f, self.headers[f])) is not None:
                staged = self.engine.work / f"staged-{len(self.summary.files)}.parquet"
                report.rows_read = stage_parquet(f, staged, widen, progress=running_total(
                    self.tell, parquet_rows(f), f"{f.name}: read"))
            else:
                report.rows_read = parquet_rows(f)
                self.tell(report.rows_read, report.rows_read, f"{f.name}: read")
            extras = aggregate.kept_extras(kind, self.headers[f])
            report.kept_columns = list(extras)
            report.ignored_columns = [col for col in self.headers[f] if col not in kind.columns and col not in extras]
            self.engine.open_source(kind, f, self.headers[f], staged, extras)
        return malformed

    def _writer(self, f: SourceFile, report: FileReport, malformed: list) -> RejectWriter:
        links = c.KINDS[f.kind].links_account
        writer = RejectWriter(self.rejects_root, f.name, f.kind, waiting_dir=self.waiting_dir if links else None,
                              source_sha=report.sha256 or "")
        writer.write((m.row, f"{c.MALFORMED}: {m.reason}", m.text) for m in malformed)
        report.rows_rejected += len(malformed)
        if malformed:
            report.reject_reasons[c.MALFORMED] = len(malformed)
        return writer

    def _new_content(self, f: SourceFile, report: FileReport, clock: _Clock) -> bool:
        """False when the file's rows are already in the graph (another file's bytes held
        the same rows: a gzipped copy, a CRLF re-save, a Parquet export of the same CSV),
        or when this path of this world was loaded before with other rows (loading both
        would count the common rows twice). The report says why, in one line."""
        kind = c.KINDS[f.kind]
        with clock("read"):
            report.content, report.null_spellings = self.engine.profile(kind, aggregate.kept_extras(kind, self.headers[f]))
        if self._forced(f) or self._is_waiting(f):  # a waiting file may hold all of a loaded file's rows
            self.run_content.setdefault(report.content, report)
            return True
        earlier = self.run_content.get(report.content)
        entry = self.done_content.get(report.content)
        if earlier is not None or entry is not None:
            same_as = earlier.name if earlier is not None else entry["path"]
            when = "in this run" if earlier is not None else f"on {str(entry.get('finished_at') or '')[:10]}"
            report.status = SAME_ROWS
            report.note = (f"holds the same {report.rows_read:,} rows as {same_as} (loaded {when}), so it was skipped "
                           "to count them once; --force loads it again")
            self._record_duplicate(f, report, earlier.sha256 if earlier is not None else entry["sha256"])
            report.rows_read = 0
            return False
        before = self.done_at_path.get((self.world_key, f.name))
        # only kinds whose rows add up: a changed accounts or ip_intel file updates attributes
        if (before is not None and before["content"] != report.content and f.kind in ADDITIVE_KINDS
                and before["content"].split(":")[0] == report.content.split(":")[0]):  # same hash scheme
            report.status = CHANGED
            report.note = (f"was loaded on {str(before.get('finished_at') or '')[:10]} with other rows "
                           f"({before.get('rows_read') or 0:,} then, {report.rows_read:,} now); loading it too would count "
                           "rows common to both twice: give new data a new name (e.g. "
                           f"{f.kind}_2{f.path.name[len(f.path.name.split('.')[0]):]}) or reload into an empty database; "
                           f"`{self._force_command(f)}` loads it anyway, counting the rows loaded "
                           "before again")
            report.rows_read = 0
            return False
        grown = self._grown_from(f, report)
        if grown is not None:
            report.status = CHANGED
            report.note = (f"begins with the {grown.get('size_bytes') or 0:,} bytes of {grown['path']}, loaded on "
                           f"{str(grown.get('finished_at') or '')[:10]}, and has more: loading it would count those "
                           "rows twice; put only the rows added since in a file of a new name, or "
                           f"`{self._force_command(f)}` loads it anyway, counting them again")
            report.rows_read = 0
            return False
        self.run_content[report.content] = report
        return True

    def _grown_from(self, f: SourceFile, report: FileReport) -> dict | None:
        """The ledger entry of a loaded CSV file whose bytes `f` starts with, when `f` is
        longer: a copy of a loaded file that grew (a field report: a file copied under
        another name, skipped as the same bytes, loaded whole once a row was appended, its
        old rows counted twice). Plain CSV of the kinds whose counts add; one read of `f`."""
        if f.kind not in ADDITIVE_KINDS or f.path.name.endswith(".gz") or f.format != "csv":
            return None
        size = f.size
        candidates: dict[int, list[dict]] = {}
        for entry in self.seen.values():
            n = entry.get("size_bytes") or 0
            held_rows = entry.get("status") == "duplicate" or (entry.get("rows_loaded") or 0) > 0  # not a header alone
            if entry.get("kind") == f.kind and entry.get("status") in ("done", "duplicate") and held_rows and 0 < n < size:
                candidates.setdefault(int(n), []).append(entry)
        if not candidates:
            return None
        for n, digest in prefix_digests(f.path, set(candidates)).items():
            for entry in candidates[n]:
                if entry["sha256"] == digest:
                    return entry
        return None

    def _record_duplicate(self, f: SourceFile, report: FileReport, same_as: str) -> None:
        """Remember these bytes as a copy, so the next run skips them without reading."""
        self.sink.duplicate(f, sha=report.sha256, content=report.content, world=self.world_key, same_as=same_as)

    def _validate(self, f: SourceFile, report: FileReport, clock: _Clock, writer) -> None:
        kind = c.KINDS[f.kind]
        with clock("validate"):
            self.tell(0, report.rows_read, f"{f.name}: validate")
            rejected = find_rejects(self.engine, kind, writer)
            if rejected:
                for reason, n in self.engine.con.execute("SELECT reason, count(*) FROM rej GROUP BY reason").fetchall():
                    report.reject_reasons[reason] = report.reject_reasons.get(reason, 0) + n
            report.rows_rejected += rejected
            valid_rows_view(self.engine, rejected)
            self.tell(report.rows_read, report.rows_read, f"{f.name}: validate")

    def _load(self, f: SourceFile, report: FileReport, clock: _Clock, stages, batch_size: int) -> None:
        with clock("load"):
            report.rows_written += self.sink.load(f, self.world.files.index(f), stages, sha=report.sha256,
                                                  batch_size=batch_size, tell=self.tell)

    def _finish(self, report: FileReport, writer) -> None:
        writer.close()
        report.rows_waiting = getattr(writer, "waiting", 0)
        report.rows_loaded = report.rows_read - report.rows_rejected
        report.rejects_file = writer.path if writer.count else None
        f = next(x for x in self.world.files if x.name == report.name)
        self.sink.finish(f, sha=report.sha256, content=report.content, world=self.world_key, batch_size=self.batch_size,
                         rows_read=report.rows_read, rows_loaded=report.rows_loaded,
                         rows_rejected=report.rows_rejected, rejects_file=str(report.rejects_file or ""))

    def _hash_and_check(self, f: SourceFile, report: FileReport, clock: _Clock) -> bool:
        """True when the file must be read (its bytes are not in the ledger as loaded or
        as a copy, or --force); an empty file gets the status EMPTY."""
        with clock("read"):
            report.sha256 = sha256(f.path)
        if self._is_waiting(f):
            # a waiting file can hold, byte for byte, a whole file already in the ledger (all of
            # its rows waited): its ledger key is its own, so it is neither taken for that file
            # nor, once loaded, confused with it
            report.sha256 = hashlib.sha256(f"waiting:{f.name}:{report.sha256}".encode()).hexdigest()
        entry = self.seen.get(report.sha256)
        twin = self.run_bytes.setdefault(report.sha256, f.name)
        if twin != f.name and not self._forced(f):  # byte for byte another file of this run: one ledger entry
            report.status = SAME_ROWS
            report.note = f"holds the same bytes as {twin}, so it was skipped to count them once; --force loads it again"
            return False
        if entry and entry["status"] in ("done", "duplicate") and not self._forced(f):
            report.status = SKIPPED
            if entry["status"] == "duplicate":
                original = self.seen.get(entry.get("same_as") or "", {}).get("path") or "another file"
                report.note = f"holds the same rows as {original}, loaded before; --force loads it again"
            return False
        if is_empty(f):
            report.status = EMPTY
        return True

    def _begin(self, f: SourceFile, report: FileReport) -> int:
        return self.sink.begin(f, sha=report.sha256, content=report.content, world=self.world_key,
                               batch_size=self.batch_size, force=self._forced(f))

    def _damaged(self, f: SourceFile, exc: Exception) -> Exception:
        if isinstance(exc, duckdb.OutOfMemoryException):
            return exc  # not the file's fault: ingest_world says to raise --memory-limit
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return RingScopeError(
            f"{f.name}: cannot be read ({first[:200]}): the file is damaged or not what its name says; nothing from it "
            "was loaded (files before it were): export or copy it again and re-run"
        )

    def _placeholders(self, f: SourceFile, report: FileReport) -> None:
        """Identifiers that read like "no value" (canonical.looks_like_placeholder) and
        link at least PLACEHOLDER_ACCOUNTS accounts in this file."""
        tables = {"payment_instruments": [("instrument_id", "stage_instruments", "instrument_id")],
                  "logins": [("device_id", "stage_devices", "device_id"), ("ip", "stage_login_ips", "address")],
                  "exchanges": [("prompt_fingerprint", "stage_templates", "fingerprint"), ("ip", "stage_ips", "address")]}
        for col, table, key in tables.get(f.kind, []):
            rows = self.engine.con.execute(
                f"SELECT {key}, count(DISTINCT account_id) AS n FROM {table} GROUP BY {key} "
                f"HAVING count(DISTINCT account_id) >= {PLACEHOLDER_ACCOUNTS} ORDER BY n DESC, {key}"
            ).fetchall()
            report.placeholders += [(col, value, n) for value, n in rows if looks_like_placeholder(value)]

    def _repeated_accounts(self, f: SourceFile, report: FileReport) -> None:
        """An accounts file that declares an account on several rows keeps the last row's
        values (aggregate.accounts): say so, so the earlier rows' values do not vanish unseen."""
        if f.kind != "accounts":
            return
        ids, rows, example = self.engine.con.execute(
            "SELECT count(*), sum(n), min(account_id) FROM "
            "(SELECT account_id, count(*) AS n FROM valid GROUP BY account_id HAVING count(*) > 1)"
        ).fetchone()
        if ids:
            note = (f"{ids:,} account id(s) appear on more than one row ({rows:,} rows, e.g. {example!r}): "
                    "the last row of each gives the account's values")
            report.add_note(note)

    def _repeated_columns(self, f: SourceFile, report: FileReport) -> None:
        """Columns beyond the contract named twice in the header are ignored: say so."""
        repeated = aggregate.repeated_extras(c.KINDS[f.kind], self.headers[f])
        if repeated:
            note = f"column(s) {', '.join(map(repr, repeated))} appear more than once in the header: ignored"
            report.add_note(note)

    # ------------------------------------------------------------ ip_intel
    def ip_intel(self) -> None:
        """Build the longest-prefix table from every ip_intel file in the world (loaded
        before or not: intel is not stored apart from the IP nodes), and re-apply it to
        the IP nodes already in the graph when a file is new."""
        rows: list[dict] = []
        new: list[_IntelFile] = []
        for f in self.world.of_kind("ip_intel"):
            item = self._read_intel(f)
            if item is None:
                continue
            rows += self._intel_rows(item)
            if item.new:
                item.batch_size = self._begin(f, item.report)
                new.append(item)
            else:  # read only to build the table: counted when it was loaded
                _uncount(item.report)
        self.intel = IntelTable.build(rows)
        if new and self.sink.reapplies_intel:  # a bulk run starts empty: no IP node to re-apply to
            self._reapply_intel(new[0])
        for item in new:
            self._finish(item.report, item.writer)

    def _read_intel(self, f: SourceFile) -> "_IntelFile | None":
        """Read and validate one ip_intel file, new or loaded before; None when it has no
        rows (a new empty file is recorded as loaded)."""
        report, clock = self._start(f)
        if self._settling(f, report):
            return None
        new = self._hash_and_check(f, report, clock)
        if new and report.status == EMPTY:
            self._begin(f, report)
            self._finish(report, _NullWriter())
            return None
        if is_empty(f):
            return None
        try:
            malformed = self._read(f, report, clock)
            if new and not self._new_content(f, report, clock):
                new = False
            writer = self._writer(f, report, malformed) if new else _NullWriter()
            self._validate(f, report, clock, writer)
        except duckdb.Error as exc:
            raise self._damaged(f, exc) from None
        return _IntelFile(f, report, clock, writer, new)

    def _intel_rows(self, item: "_IntelFile") -> list[dict]:
        """The file's valid rows for the table; a row whose network does not parse is rejected."""
        rows, bad = [], []
        with item.clock("aggregate"):
            for r in aggregate.ip_intel_rows(self.engine):
                if parse_network(r["network"]) is None:
                    bad.append((r["__row"], f"{c.BAD_NETWORK}: network", r["network"]))
                else:
                    rows.append(r)
            item.writer.write(bad)
            if bad:
                item.report.rows_rejected += len(bad)
                item.report.reject_reasons[f"{c.BAD_NETWORK}: network"] = len(bad)
        return rows

    def _reapply_intel(self, first: "_IntelFile") -> None:
        """Write the table's properties onto every IP node already in the graph, in batches
        of the run's first new ip_intel file (its ledger entry and clock carry the writes)."""
        with first.clock("read"):
            addresses = [r["address"] for r in load.read_query("ingest_ip_addresses", self.settings)]
        intel = self.intel

        def batches(size: int):
            for i in range(0, len(addresses), size):
                chunk = addresses[i:i + size]
                yield [{"address": a, "intel": p} for a, p in zip(chunk, intel_properties(intel, chunk))]

        # named for what it writes: the table's own rows are kept in memory, not written, so a
        # first load's "load intel: 0/0" read as nothing loaded beside "1,575 loaded"
        stage = aggregate.Stage("intel onto the addresses in the graph", "ingest_ip_intel_apply", len(addresses),
                                batches)
        self._load(first.f, first.report, first.clock, [stage], first.batch_size)

    # ------------------------------------------------------------ every other kind
    def file(self, f: SourceFile) -> None:
        kind = c.KINDS[f.kind]
        report, clock = self._start(f)
        if kind.never_loaded:
            report.status = GROUND_TRUTH
            return
        if self._settling(f, report):
            return
        if not self._hash_and_check(f, report, clock):
            if report.status == SKIPPED:
                self._done_with_waiting(f)  # loaded by a run that stopped before removing it
            return
        if report.status == EMPTY:
            self._begin(f, report)
            self._finish(report, _NullWriter())
            return
        # Everything up to the load reads only: a file that turns out damaged or already
        # loaded leaves no ledger entry behind, and a re-run starts it afresh.
        try:
            malformed = self._read(f, report, clock)
            if report.rows_read == 0:
                # a header and no row (an exporter that has just opened the file writes this):
                # recorded as empty, like a file of no bytes, so the rows it gets later load as
                # new instead of being refused as "changed since loaded" (a field report)
                report.status = EMPTY
                self._begin(f, report)
                self._finish(report, _NullWriter())
                return
            if self._none_known_yet(f, report) or not self._new_content(f, report, clock):
                return
            writer = self._writer(f, report, malformed)
            self._validate(f, report, clock, writer)
            with clock("aggregate"):
                self.tell(0, None, f"{f.name}: aggregate")
                if f.kind not in STAGES_OF_KIND:  # pragma: no cover - contract and job out of step
                    raise RingScopeError(f"no loader for file kind {f.kind!r}")
                self._repeated_accounts(f, report)  # before the stages open their readers
                self._repeated_columns(f, report)
                stages = STAGES_OF_KIND[f.kind](self.engine, aggregate.kept_extras(kind, self.headers[f]), self.intel)
                self._placeholders(f, report)
                self.tell(report.rows_read, report.rows_read, f"{f.name}: aggregate")
        except duckdb.Error as exc:
            raise self._damaged(f, exc) from None
        batch_size = self._begin(f, report)
        self._load(f, report, clock, stages, batch_size)
        if f.kind == "accounts":
            self.engine.add_known(aggregate.known_account_ids(self.engine))
        self._finish(report, writer)
        self._done_with_waiting(f)


#: file kind -> its stages, from (engine, the extra columns kept, the IP intel table)
STAGES_OF_KIND = {
    "accounts": lambda engine, extras, intel: aggregate.accounts(engine, extras),
    "payment_instruments": lambda engine, extras, intel: aggregate.payment_instruments(engine, extras),
    "logins": lambda engine, extras, intel: aggregate.logins(engine, intel),
    "exchanges": lambda engine, extras, intel: aggregate.exchanges(engine, intel),
}

#: Kinds whose rows add to counts: the same rows loaded twice would count twice.
ADDITIVE_KINDS = ("payment_instruments", "logins", "exchanges")

#: How many accounts a placeholder-looking identifier must link before the summary
#: names it: two accounts sharing `unknown` may be chance, three is a pattern worth a look.
PLACEHOLDER_ACCOUNTS = 3


@dataclass
class _IntelFile:
    """An ip_intel file read and validated: `new` when its rows are not in the graph yet."""

    f: SourceFile
    report: FileReport
    clock: _Clock
    writer: "RejectWriter | _NullWriter"
    new: bool
    batch_size: int = 0


def _uncount(report: FileReport) -> None:
    """A file read only to build the intel table: its rows were counted when it was loaded."""
    report.rows_read = report.rows_rejected = 0
    report.reject_reasons.clear()
    report.null_spellings.clear()


class _NullWriter:
    """Stands in for a RejectWriter when rows are re-read but not reported again."""

    path = None
    count = 0

    def write(self, rows) -> None:
        for _ in rows:
            pass

    def close(self) -> None:
        pass
