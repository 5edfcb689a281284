"""Writing stages to Neo4j: `UNWIND $rows` batches in managed transactions.

Each batch is one managed write transaction (the driver retries transient
errors) running a stored query from `cypher/ingest/`, with the file's sha256
and the batch key, so the ledger guard in the query makes the batch apply at
most once (see ledger.py).
"""
from __future__ import annotations

from typing import Callable

from .. import db
from ..catalog import get_query
from ..config import Settings
from ..errors import RingScopeError
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
    cypher = get_query(stage.query).cypher
    written = 0

    def work(tx, rows, key):
        tx.run(cypher, sha=sha, batch=key, rows=rows).consume()

    try:
        with db.session(settings) as session:
            for number, rows in enumerate(stage.rows(batch_size)):
                session.execute_write(work, rows, f"{stage.name}:{number}")
                written += len(rows)
                if progress:
                    progress(len(rows))
    except RingScopeError:
        raise
    except Exception as exc:  # a driver error becomes one line, as everywhere else
        raise db._translate(exc) from None
    return written


def read_query(name: str, settings: Settings | None, params: dict | None = None) -> list[dict]:
    return db.run_read(get_query(name).cypher, params or {}, settings=settings)


def refresh_totals(settings: Settings | None, batch_size: int = 10_000,
                   progress: Callable[[int], None] | None = None) -> int:
    """Recompute every per-identifier total, label by label in key order, one
    transaction per `batch_size` nodes (a whole label at once could exceed the
    server's transaction memory on a large graph). Whole labels, not only what a
    run touched: a run that resumes after a crash must also refresh what the
    crashed run wrote."""
    done = 0
    for statement in get_query("ingest_refresh_totals").statements():
        after = ""
        while True:
            rows = db.run_write(statement, {"after": after, "limit": batch_size}, settings=settings)
            if not rows or not rows[0]["n"]:
                break
            after = rows[0]["last"]
            done += rows[0]["n"]
            if progress:
                progress(done)
    return done
