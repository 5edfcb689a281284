"""`ringscope cycle WORLD_DIR`: the scheduler's command (see ringscope.cycle)."""
from __future__ import annotations

import json
import sys

import click

from .config import load_settings
from .cycle import DETECT_CHOICES, run_cycle
from .display import terminal
from .ingest.report import refused_files_line
from .progress import ProgressBars


@click.command()
@click.argument("world_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--detect", "detect_mode", type=click.Choice(DETECT_CHOICES), default="auto", show_default=True,
              help="auto: re-detect only when a file was loaded since the last cycle that detected; "
                   "always: re-detect anyway; never: ingest and alert only.")
@click.option("--jsonl", metavar="PATH", default=None,
              help="Append alerts not yet written there to this JSONL file, one object a line "
                   "[default: RINGSCOPE_ALERT_JSONL from .env; '' turns it off].")
@click.option("--webhook/--no-webhook", default=True, show_default=True,
              help="POST alerts not yet sent to RINGSCOPE_ALERT_WEBHOOK_URL from .env (when set), with retries.")
@click.option("--bulk", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Passed to ingest: neo4j-admin import for a first large load into an empty local database.")
@click.option("--rejects-dir", type=click.Path(file_okay=False), default=None,
              help="Where ingest writes reject files [default: $RINGSCOPE_HOME/rejects/<UTC timestamp>].")
@click.option("--memory-limit", default="1GB", show_default=True,
              help="Memory ingest's aggregation engine (DuckDB) may use before it spills to disk.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Passed to ingest: sessions writing a link stage's batches at once on the Bolt path [default: 1; "
                   "more helps a server with cores to spare (README, Fast Bolt path)].")
@click.option("--settle", "settle_seconds", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Leave files modified fewer than this many seconds ago for the next run: the export may still be "
                   "writing them (an exporter that writes `.NAME.partial` and renames it when done needs 0).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary as one JSON object instead of text.")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr [default: only when stderr is a terminal, so cron mail stays short].")
def cycle(world_dir: str, detect_mode: str, jsonl: str | None, webhook: bool, bulk: str, rejects_dir: str | None,
          memory_limit: str, workers: int | None, settle_seconds: float, as_json: bool, progress: bool | None) -> None:
    """Ingest what is new in WORLD_DIR, re-detect, raise alerts, print a summary.

    Made for cron or a systemd timer (README, Continuous operation): idempotent (a
    re-run on the same files loads nothing, skips detection and raises nothing) and
    one loader at a time (a lock in $RINGSCOPE_HOME, shared with ingest). Exit status 0
    on success, 1 when the cycle failed, 2 on a usage error, 3 when it ran but an alert
    output (JSONL, webhook) failed (those alerts stay pending and the next run sends them)
    or ingest refused a file (e.g. changed since loaded: its rows are not in the graph
    until someone acts).
    """
    settings = load_settings()
    show = sys.stderr.isatty() if progress is None else progress
    bars = ProgressBars(show, unit="", leave=False)
    try:
        report = run_cycle(world_dir, settings, detect=detect_mode, jsonl=jsonl,
                           webhook_url=None if webhook else "", bulk=bulk, rejects_dir=rejects_dir,
                           memory_limit=memory_limit, workers=workers, settle_seconds=settle_seconds,
                           progress=bars if show else None)
    finally:
        bars.close()
    click.echo(json.dumps(report.as_dict(), indent=2, sort_keys=True) if as_json else report.summary())
    problems = list(report.output_errors)
    if report.files_refused:
        problems.append(refused_files_line([name for name, _ in report.files_refused],
                                           "the summary above says why and what to do"))
    if problems:
        for line in problems:
            click.echo(f"error: {terminal(line)}", err=True)
        sys.exit(3)  # 2 is a usage error (click's): a scheduler must tell "ran, look" from "never ran"
