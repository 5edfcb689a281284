"""What an ingest run reports: per file (`FileReport`), for the run (`IngestSummary`), and
the closing summary the CLI prints (`IngestSummary.table()`). Data and formatting only:
the run itself is ingest/job.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..display import BIDI_CONTROLS

STAGES = ("read", "validate", "aggregate", "load")

LOADED = "loaded"
SKIPPED = "skipped: already in the ledger"
SAME_ROWS = "skipped: same rows as loaded"
CHANGED = "refused: changed since loaded"
EMPTY = "empty"
SETTLING = "waiting: modified just now"
WAITING_ROWS = "waiting: accounts not loaded"
GROUND_TRUTH = "not loaded: ground truth"


@dataclass
class FileReport:
    name: str
    kind: str
    status: str
    sha256: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    #: of the rejected rows, those whose account is not loaded yet: they wait in a waiting
    #: file and load in a later run (ingest.rejects); for a waiting file none of whose
    #: accounts is loaded yet, its rows
    rows_waiting: int = 0
    #: aggregated rows handed to Neo4j (one per account, account x template, ...)
    rows_written: int = 0
    rejects_file: Path | None = None
    seconds: dict[str, float] = field(default_factory=lambda: {s: 0.0 for s in STAGES})
    reject_reasons: dict[str, int] = field(default_factory=dict)
    #: why a file was skipped or refused, in one line (the table's status is short)
    note: str = ""
    #: fingerprint of the rows as the contract reads them (Engine.content_fingerprint)
    content: str | None = None
    #: column -> cells holding a null spelling (`NULL`, `\\N`, `N/A`, ...) read as missing
    null_spellings: dict[str, int] = field(default_factory=dict)
    #: header columns the contract does not know: kept as properties, or ignored
    kept_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    #: (column, value, accounts): identifiers that read like "no value" yet link many accounts
    placeholders: list[tuple[str, str, int]] = field(default_factory=list)

    def add_note(self, note: str) -> None:
        """Append one more remark to `note` ("; " between remarks)."""
        self.note = f"{self.note}; {note}" if self.note else note


@dataclass
class IngestSummary:
    world: Path
    files: list[FileReport]
    missing: list[str]
    ignored: list[str]
    rejects_dir: Path
    nodes_created: dict[str, int] = field(default_factory=dict)
    relationships_created: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0
    #: "transactional" (batched UNWIND + MERGE) or "bulk" (neo4j-admin import into the empty database)
    path: str = "transactional"
    bulk: dict = field(default_factory=dict)
    #: lookup indexes dropped before a Bolt load into an empty database and re-created after it
    #: (load.defer_lookup_indexes), and the seconds their re-creation took (counted as load)
    deferred_indexes: list[str] = field(default_factory=list)
    deferred_indexes_seconds: float = 0.0
    #: which per-identifier totals the run refreshed: "all", "touched" (those its rows named) or ""
    totals_refreshed: str = ""
    #: Bolt path: (file, stage, rows, seconds) of every stage written
    load_stages: list[tuple[str, str, int, float]] = field(default_factory=list)
    #: where rows waiting for their account are kept for this world (ingest.rejects)
    waiting_dir: Path | None = None

    @property
    def rows_waiting(self) -> int:
        """Rows that wait for their account after this run (new and still waiting)."""
        return sum(f.rows_waiting for f in self.files)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def rows_written(self) -> int:
        return sum(f.rows_written for f in self.files)

    def stage_rates(self) -> dict[str, float]:
        """Rows per second of each stage over the files loaded: source rows for
        read/validate/aggregate, aggregated rows written for load."""
        loaded = [f for f in self.files if f.status == LOADED]
        rates = {}
        for stage in STAGES:
            secs = self.stage_seconds.get(stage, 0.0)
            rows = sum(f.rows_written if stage == "load" else f.rows_read for f in loaded)
            rates[stage] = rows / secs if secs > 0 else 0.0
        return rates

    def file(self, name: str) -> FileReport:
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)

    def table(self) -> str:
        """The closing summary as plain text (the CLI prints it)."""
        lines = [f"world {_printable(self.world)}"]
        head = f"{'file':<34} {'status':<30} {'read':>11} {'loaded':>11} {'rejected':>9} {'seconds':>8}"
        lines += [head, "-" * len(head)]
        for f in self.files:
            secs = sum(f.seconds.values())
            lines.append(
                f"{_cut(_printable(f.name), 34):<34} {_cut(f.status, 30):<30} {f.rows_read:>11,} {f.rows_loaded:>11,} "
                f"{f.rows_rejected:>9,} {secs:>8.1f}"
            )
        lines.append("-" * len(head))
        lines.append(
            f"{'total':<34} {'':<30} {self.rows_read:>11,} {self.rows_loaded:>11,} {self.rows_rejected:>9,} {self.wall_seconds:>8.1f}"
        )
        for f in self.files:
            if f.note:
                lines.append(f"  {_printable(f.name)}: {_printable(f.note)}")
        if self.missing:
            lines.append(f"missing (no file found): {', '.join(self.missing)}")
        for label, attr in (("columns kept as properties", "kept_columns"), ("columns ignored (not in the contract)", "ignored_columns")):
            per_file = [f"{_printable(f.name)}: {', '.join(_printable(c) for c in getattr(f, attr))}" for f in self.files if getattr(f, attr)]
            if per_file:
                lines.append(f"{label}: " + "; ".join(per_file))
        spelled = [f"{_printable(f.name)}: " + ", ".join(f"{_printable(col)} {n:,}" for col, n in f.null_spellings.items())
                   for f in self.files if f.null_spellings]
        if spelled:
            lines.append("null spellings read as missing (NULL, \\N, None, nan, N/A, blank): " + "; ".join(spelled))
        for f in self.files:
            for col, value, n in f.placeholders:
                lines.append(f"possible placeholder: {_printable(f.name)} {col} {_printable(value)!r} links {n:,} accounts; "
                             "if the exporter wrote it for 'no value', export an empty cell instead and reload")
        if self.ignored:
            lines.append(f"ignored (not an interchange file): {', '.join(_printable(name) for name in self.ignored)}")
        created = ", ".join(f"{k} {v:,}" for k, v in sorted(self.nodes_created.items()) if v) or "none"
        lines.append(f"nodes created: {created}")
        created = ", ".join(f"{k} {v:,}" for k, v in sorted(self.relationships_created.items()) if v) or "none"
        lines.append(f"relationships created: {created}")
        rates = self.stage_rates()
        lines.append("time per stage: " + ", ".join(
            f"{k} {v:.1f}s" + (f" ({rates[k]:,.0f} rows/s)" if rates.get(k) else "") for k, v in self.stage_seconds.items()))
        lines.append(f"rows written to Neo4j after aggregation: {self.rows_written:,} ({self.path} path"
                     + (f": import files {self.bulk['write_csv_s']:.1f}s, neo4j-admin import {self.bulk['import_s']:.1f}s" if self.bulk else "")
                     + ")")
        if self.rows_waiting:
            lines.append(f"{self.rows_waiting:,} row(s) name accounts not loaded yet: they wait in "
                         f"{_printable(self.waiting_dir)}/ and load in the run whose files bring their accounts "
                         "(each run tries them again; delete a file there to give up on its rows)")
        if self.rows_rejected:
            lines.append(f"rejected rows: {_printable(self.rejects_dir)}/")
            for f in self.files:
                for reason, n in sorted(f.reject_reasons.items()):
                    lines.append(f"  {_printable(f.name)}: {n:,} x {_printable(reason)}")
            lines.append("  each file's rejected rows are kept whole as <kind>_rejected-<file>.csv there: fix them "
                         "and move the file into the world folder, and the next run loads them")
        return "\n".join(lines)


def refused_files_line(names: list[str], where: str) -> str:
    """The error line `ingest` and `cycle` end with when files were refused (exit 3): how
    many, the first five names, and where the reasons are (`where`)."""
    more = " …" if len(names) > 5 else ""
    return f"{len(names)} file(s) refused, their rows not loaded: {', '.join(names[:5])}{more}; {where}"


def _printable(text: str) -> str:
    """Attacker-chosen text for the terminal: control and bidi characters shown as escapes
    (the bidi set is the one `ringscope.display` neutralises everywhere)."""
    return "".join(ch if ch.isprintable() and ch not in BIDI_CONTROLS else ch.encode("unicode_escape").decode()
                   for ch in str(text))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
