"""Writing stages to Neo4j: `UNWIND $rows` batches through the runner.

Each batch is one managed write transaction (the driver retries transient
errors) running a stored query from `cypher/ingest/` with the file's sha256 and
the batch key `stage:n` (`db.run_batched(..., ledger_key=stage)`), so the ledger
guard in the query makes the batch apply at most once (see ledger.py).
"""
from __future__ import annotations

from typing import Callable

from .. import db
from ..config import Settings
from .aggregate import Stage


def write_stage(
    stage: Stage,
    *,
    sha: str,
    batch_size: int,
    settings: Settings | None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every batch of a stage; returns the rows handed to Neo4j."""
    return db.run_batched(stage.query, stage.rows(batch_size), params={"sha": sha}, ledger_key=stage.name,
                          settings=settings, progress=progress)


def read_query(name: str, settings: Settings | None, params: dict | None = None) -> list[dict]:
    """The rows of the stored read query `name`."""
    return db.run(name, params, mode=db.READ, settings=settings)


def refresh_totals(settings: Settings | None, batch_size: int = 10_000,
                   progress: Callable[[int], None] | None = None) -> int:
    """Recompute every per-identifier total, label by label in key order, one
    transaction per `batch_size` nodes (a whole label at once could exceed the
    server's transaction memory on a large graph). Whole labels, not only what a
    run touched: a run that resumes after a crash must also refresh what the
    crashed run wrote. `progress(n)` gets the running total of nodes refreshed."""
    done = 0

    def counted(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done)

    return db.run_until_done("ingest_refresh_totals", {"after": "", "limit": batch_size}, cursor=("after", "last"),
                             settings=settings, progress=counted)
