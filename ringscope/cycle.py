"""`ringscope cycle WORLD_DIR`: the daily job a scheduler runs (cron, a systemd timer).

One pass, each step the product's own function:

1. **watch** accounts of rings exported since the last run (`alerts.watch_actioned`),
   before new data arrives, so "active again" is measured from what was acted on;
2. **ingest** the world folder (`ringscope.ingest.ingest_world`): the daily export
   drops split files (`exchanges_2026-03-14.parquet`, `accounts_2026-03-14.csv`, ...)
   beside the old ones, and the ledger skips every file already loaded;
3. **detect** (`ringscope.detection.pipeline.detect`) when anything was loaded since
   the last cycle that detected; ring ids stay stable across runs (detection's Jaccard
   matching);
4. **alert**: the stored alert rules (`alerts.run_rules`), then the optional outputs
   (JSONL file, webhook) for alerts they have not received;
5. **record** a `(:CycleRun)` (the heartbeat) and print a one-screen summary.

Idempotent: a re-run on the same files loads nothing, skips detection (the ledger
digest matches the last detecting run) and raises nothing; a day whose data changes
no ring raises nothing. A file lock in `$RINGSCOPE_HOME` (`ringscope.writer_lock`, shared
with `ringscope ingest`) stops two overlapping runs
(cron does not wait for the previous one).
"""
from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from . import alerts, writer_lock
from .ingest.report import SETTLING
from .catalog import run_query
from .config import Settings, load_settings
from .errors import RingScopeError

#: `detect` choices: auto runs detection when something new was loaded since the last
#: detecting cycle; always / never force it.
DETECT_CHOICES = ("auto", "always", "never")


class CycleError(RingScopeError):
    """A cycle could not run (another one holds the lock, bad arguments)."""


@dataclass
class CycleReport:
    run_id: str
    world: str
    started_at: str
    finished_at: str = ""
    files_loaded: int = 0
    files_skipped: int = 0
    #: (file, why) for files ingest refused (e.g. changed since loaded): their rows are not in
    #: the graph until someone acts, so the summary names them
    files_refused: list[tuple[str, str]] = field(default_factory=list)
    #: files left for the next run because they were modified within the settle time (the
    #: export may still be writing them)
    files_settling: list[str] = field(default_factory=list)
    settle_seconds: float = 0.0
    rows_loaded: int = 0
    rows_rejected: int = 0
    #: of the rejected rows, those that went to wait for their account this run
    rows_newly_waiting: int = 0
    #: rows waiting for their account (ingest.rejects: waiting files), and where
    rows_waiting: int = 0
    waiting_dir: str = ""
    rejects_dir: str = ""
    #: "ran", or why it did not ("nothing new since the last detecting cycle", "--detect never")
    detection: str = ""
    rings: int | None = None
    #: created / kept / retired / deleted counts from detection's write-back, and the
    #: run's (:DetectionRun) counts: new, grew, weakened, no_longer_found, found_again
    ring_changes: dict[str, int] = field(default_factory=dict)
    watched: int = 0
    raised: list[alerts.Alert] = field(default_factory=list)
    open_alerts: int = 0
    #: output -> alerts delivered, or its one-line error
    outputs: dict[str, int | str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def output_errors(self) -> list[str]:
        return [f"{k} output failed: {v}" for k, v in self.outputs.items() if isinstance(v, str)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "world": self.world, "started_at": self.started_at, "finished_at": self.finished_at,
            "ingest": {"files_loaded": self.files_loaded, "files_skipped": self.files_skipped,
                       "files_refused": [{"file": name, "why": why} for name, why in self.files_refused],
                       "files_settling": self.files_settling,
                       "rows_loaded": self.rows_loaded, "rows_rejected": self.rows_rejected,
                       "rejects_dir": self.rejects_dir, "rows_waiting": self.rows_waiting,
                       "waiting_dir": self.waiting_dir},
            "detection": self.detection, "rings": self.rings, "ring_changes": self.ring_changes,
            "watched": self.watched, "alerts_raised": [a.as_dict() for a in self.raised],
            "open_alerts": self.open_alerts, "outputs": self.outputs,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }

    def summary(self, max_alerts: int = 12) -> str:
        """One screen of plain text: what was loaded, detected, raised and sent."""
        safe = alerts.terminal_safe
        total = sum(self.seconds.values())
        lines = [f"ringscope cycle {self.started_at}  world {safe(self.world)}  ({total:.1f}s)"]
        waiting_part = f" ({self.rows_newly_waiting:,} of them wait for their account)" if self.rows_newly_waiting else ""
        lines.append(f"  ingest   {self.files_loaded} new file(s), {self.rows_loaded:,} rows loaded, "
                     f"{self.rows_rejected:,} rejected{waiting_part}; {self.files_skipped} file(s) already loaded")
        if self.files_settling:
            shown = ", ".join(safe(name) for name in self.files_settling[:5]) + (" ..." if len(self.files_settling) > 5 else "")
            lines.append(f"  settling {len(self.files_settling)} file(s) modified in the last {self.settle_seconds:g} s, "
                         f"left for the next run (the export may still be writing them): {shown}")
        if self.rows_rejected and self.rejects_dir:
            lines.append(f"           rejects: {safe(self.rejects_dir)}")
        if self.rows_waiting:
            lines.append(f"  waiting  {self.rows_waiting:,} row(s) name accounts not loaded yet: they load in the run that "
                         f"brings their accounts ({safe(self.waiting_dir)})")
        for name, why in self.files_refused:
            lines.append(f"  refused  {safe(name)}: {safe(why)}")
        if self.detection == "ran":
            ch = self.ring_changes
            lines.append(f"  detect   {self.rings} ring(s): {ch.get('created', 0)} new, {ch.get('kept', 0)} kept their id "
                         f"({ch.get('grew', 0)} grew, {ch.get('weakened', 0)} weakened, {ch.get('found_again', 0)} found again); "
                         f"{ch.get('retired', 0)} no longer found (kept as weakened)")
        else:
            lines.append(f"  detect   skipped: {self.detection}")
        if self.watched:
            lines.append(f"  watch    {self.watched} actioned account(s) now watched for renewed activity")
        counts = {k: v for k, v in alerts.RulesRun(self.run_id, self.raised).by_kind().items() if v}
        lines.append(f"  alerts   {len(self.raised)} raised"
                     + (f" ({', '.join(f'{k} {v}' for k, v in counts.items())})" if counts else "")
                     + f"; {self.open_alerts} open in all")
        for alert in self.raised[:max_alerts]:
            lines.append(f"    {alert.severity:<6} {alert.kind:<15} {safe(alert.alert_id)}  {safe(alert.reason)[:110]}")
        if len(self.raised) > max_alerts:
            lines.append(f"    ... and {len(self.raised) - max_alerts} more: ringscope alerts --status open")
        for name, value in self.outputs.items():
            lines.append(f"  output   {name}: " + (f"{value} alert(s) sent" if isinstance(value, int) else f"FAILED: {safe(value)}"))
        if self.open_alerts:
            lines.append("  next     ringscope alerts --status open   (ack: ringscope alerts ack ALERT_ID --by NAME)")
        return "\n".join(lines)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _ledger(settings: Settings) -> tuple[str, str | None, bool]:
    """(digest of the done files now, digest the last detecting cycle saw, whether any file
    is loaded at all)."""
    row = run_query("cycle_state", {}, settings=settings)[0]
    digest = hashlib.sha256("\n".join(row["done_files"] or []).encode()).hexdigest()
    return digest, row["detected_digest"], bool(row["done_files"])


def _detect(settings: Settings, progress) -> tuple[int, dict[str, int]]:
    """Run detection with its defaults and write rings back; (rings, write-back counts)."""
    from .detection.pipeline import detect

    result = detect(settings, progress=progress, write=True)
    write = getattr(result, "write", None)
    changes = {k: int(getattr(write, k, 0) or 0) for k in ("created", "kept", "retired", "deleted")} if write else {}
    changes.update(getattr(result, "changes", None) or {})
    return len(result.rings), changes


def run_cycle(
    world_dir: str | Path,
    settings: Settings | None = None,
    *,
    detect: str = "auto",
    jsonl: str | Path | None = None,
    webhook_url: str | None = None,
    bulk: str = "auto",
    rejects_dir: str | Path | None = None,
    memory_limit: str = "1GB",
    workers: int | None = None,
    settle_seconds: float = 0.0,
    progress: Callable[[int, int | None, str], None] | None = None,
) -> CycleReport:
    """One idempotent pass: watch, ingest, detect, alert, notify, record (module docstring).

    `jsonl` / `webhook_url`: None takes RINGSCOPE_ALERT_JSONL / RINGSCOPE_ALERT_WEBHOOK_URL
    from `.env`; "" turns the output off. `bulk`, `rejects_dir`, `memory_limit`, `workers`
    and `settle_seconds` are ingest's (`ingest_world`; the CLI waits 60 s by default). An output that fails is reported in
    `CycleReport.outputs` (the alerts stay stored and pending); anything else that fails
    raises a RingScopeError with one line saying what to do.
    """
    from .ingest import ingest_world

    if detect not in DETECT_CHOICES:
        raise CycleError(f"--detect must be one of {', '.join(DETECT_CHOICES)}, not {detect!r}")
    settings = settings or load_settings()
    world = Path(world_dir).expanduser()
    if not world.is_dir():
        raise CycleError(f"world directory {world} does not exist: pass the folder the daily export lands in")
    report = CycleReport(run_id=uuid.uuid4().hex, world=str(world), started_at=_now())
    clock = time.perf_counter

    with writer_lock.exclusive(settings, "cycle"):
        t0 = clock()
        report.watched = alerts.watch_actioned(settings)
        report.seconds["watch"] = clock() - t0

        t0 = clock()
        summary = ingest_world(world, settings, progress, rejects_dir=rejects_dir, memory_limit=memory_limit, bulk=bulk,
                               workers=workers, settle_seconds=settle_seconds)
        loaded = [f for f in summary.files if f.status == "loaded"]
        report.files_loaded = len(loaded)
        report.files_skipped = sum(1 for f in summary.files if f.status.startswith("skipped"))
        report.files_refused = [(f.name, f.note or f.status) for f in summary.files if f.status.startswith("refused")]
        report.rows_loaded = summary.rows_loaded
        report.rows_rejected = summary.rows_rejected
        report.rejects_dir = str(summary.rejects_dir) if summary.rows_rejected else ""
        report.rows_waiting = summary.rows_waiting
        report.rows_newly_waiting = sum(f.rows_waiting for f in summary.files if f.status == "loaded")
        report.files_settling = [f.name for f in summary.files if f.status == SETTLING]
        report.settle_seconds = settle_seconds
        report.waiting_dir = str(summary.waiting_dir) if summary.rows_waiting else ""
        report.seconds["ingest"] = clock() - t0

        t0 = clock()
        digest, detected_digest, loaded_any = _ledger(settings)
        if detect == "never":
            report.detection = "--detect never"
        elif detect != "always" and not loaded_any:
            report.detection = "nothing loaded yet"
        elif detect == "always" or digest != detected_digest:
            report.rings, report.ring_changes = _detect(settings, progress)
            report.detection = "ran"
        else:
            report.detection = "nothing loaded since the last detecting cycle"
        report.seconds["detect"] = clock() - t0

        t0 = clock()
        rules = alerts.run_rules(settings, run_id=report.run_id)
        report.raised = rules.raised
        report.seconds["alerts"] = clock() - t0

        t0 = clock()
        report.outputs = alerts.notify(settings, jsonl=jsonl, webhook_url=webhook_url)
        report.open_alerts = len(alerts.list_alerts(status="open", limit=1_000_000, settings=settings))
        report.seconds["outputs"] = clock() - t0

        report.finished_at = _now()
        run_query("record_cycle", {"run": {
            "run_id": report.run_id, "started_at": report.started_at, "finished_at": report.finished_at,
            "world": report.world, "files_loaded": report.files_loaded, "rows_loaded": report.rows_loaded,
            "rows_rejected": report.rows_rejected, "detected": report.detection == "ran",
            "ledger_digest": digest if report.detection == "ran" else None, "rings": report.rings,
            "alerts_raised": len(report.raised),
            "outputs": [f"{k}={v}" for k, v in report.outputs.items()],
        }}, settings=settings, allow_write=True)
    return report


__all__ = ["CycleError", "CycleReport", "DETECT_CHOICES", "run_cycle"]
