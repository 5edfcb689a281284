"""`ringscope ingest WORLD_DIR`: load a world's interchange files into Neo4j."""
from __future__ import annotations

import sys

import click

from ..config import load_settings
from ..display import terminal
from ..progress import ProgressBars
from .report import refused_files_line


@click.command()
@click.argument("world_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--batch-size", default=5000, show_default=True,
              help="Rows per write transaction (a file resumed after a crash keeps the size it started with).")
@click.option("--rejects-dir", type=click.Path(file_okay=False), default=None,
              help="Where reject files go [default: $RINGSCOPE_HOME/rejects/<UTC timestamp>, i.e. .ringscope/rejects/...].")
@click.option("--memory-limit", default="1GB", show_default=True,
              help="Memory the aggregation engine (DuckDB) may use before it spills to disk.")
@click.option("--bulk", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Initial load through neo4j-admin import (local server, empty database; the server is stopped "
                   "while it runs). auto: when possible and the world is at least 100 MB.")
@click.option("--force", is_flag=True,
              help="Load every file even when the ledger holds its bytes or its rows already (a deliberate re-load: "
                   "its counts add again).")
@click.option("--force-file", "force_files", multiple=True, metavar="NAME",
              help="Load this file (its name as the summary shows it) even when the ledger holds it or refused it "
                   "as changed since loaded: its rows count again; repeatable. Safer than --force, which loads every file.")
@click.option("--settle", "settle_seconds", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Leave files modified fewer than this many seconds ago for the next run (an exporter may still "
                   "be writing them); `ringscope cycle` waits 60 s by default.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Sessions writing a link stage's batches at once on the Bolt path [default: 1, one session, "
                   "batches in order; more only helps a server with cores to spare].")
@click.option("--quiet", is_flag=True, help="No progress bars; print only the summary.")
def ingest(world_dir: str, batch_size: int, rejects_dir: str | None, memory_limit: str, bulk: str, force: bool,
           force_files: tuple[str, ...], settle_seconds: float, workers: int | None, quiet: bool) -> None:
    """Load every interchange file in WORLD_DIR (CSV, CSV.gz or Parquet) into Neo4j.

    Files are validated against the contract (docs/interchange.md): bad rows go to
    reject files and are counted, a file lacking a required column stops the run before
    anything is written. Exchanges are aggregated (per account, account x template,
    account x IP) before loading. Safe to re-run: files already in the ledger are skipped,
    so are files holding the same rows as one loaded before (a .csv.gz copy, a re-save),
    and a run interrupted half-way resumes without adding anything twice. One ingest or
    cycle at a time per RINGSCOPE_HOME (a lock). Exit status 0 on success, 1 when it
    failed, 2 on a usage error, 3 when it ran but refused a file (e.g. changed since
    loaded: its rows are not in the graph until someone acts).
    """
    from .job import ingest_world

    settings = load_settings()
    bars = ProgressBars(not quiet)
    try:
        summary = ingest_world(world_dir, settings, bars, batch_size=batch_size,
                               rejects_dir=rejects_dir, memory_limit=memory_limit, bulk=bulk, force=force,
                               force_files=force_files, settle_seconds=settle_seconds, workers=workers)
    finally:
        bars.close()
    click.echo(summary.table())
    refused = [f.name for f in summary.files if f.status.startswith("refused")]
    if refused:
        # the rest loaded, but a scheduler must not read this run as a success: those
        # files' rows are not in the graph until someone acts (the table says why)
        click.echo(f"error: {terminal(refused_files_line(refused, 'see the table above for why and what to do'))}",
                   err=True)
        sys.exit(3)  # 2 is a usage error (click's): a scheduler must tell "ran, look" from "never ran"
