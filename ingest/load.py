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


#: refresh_totals statements in file order, and the parameter each takes
TOTALS = ("fingerprints", "addresses", "device_ids", "instrument_ids")


def refresh_totals(keys: dict[str, set[str]], settings: Settings | None, batch_size: int = 5000,
                   progress: Callable[[int], None] | None = None) -> int:
    """Recompute the per-identifier totals of the identifiers a run touched."""
    query = get_query("ingest_refresh_totals")
    statements = query.statements()
    done = 0
    for statement, param in zip(statements, TOTALS):
        todo = sorted(keys.get(param, ()))
        for i in range(0, len(todo), batch_size):
            chunk = todo[i:i + batch_size]
            db.run_write(statement, {param: chunk}, settings=settings)
            done += len(chunk)
            if progress:
                progress(done)
    return done
