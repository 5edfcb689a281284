"""The one door to Neo4j: every driver and session in RingScope comes from here.

Reads go through read transactions, so the *server* refuses a write sent down a
read path (that is what makes the analysts' console read-only). Writes go
through managed write transactions, which the driver retries on transient
errors (leader switch, deadlock, a restarting server).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

import neo4j
from neo4j import GraphDatabase, Query
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from .config import Settings, load_settings
from .errors import RingScopeError


class DatabaseUnavailable(RingScopeError):
    """The server cannot be reached or refuses our credentials."""


class QueryFailed(RingScopeError):
    """The server rejected a query (syntax, constraint, access mode, timeout)."""


_lock = threading.Lock()
_drivers: dict[tuple, neo4j.Driver] = {}


def _key(settings: Settings) -> tuple:
    return (settings.uri, settings.user, settings.password)


def get_driver(settings: Settings | None = None) -> neo4j.Driver:
    """A shared, verified driver for these settings (one per URI and user)."""
    settings = settings or load_settings()
    key = _key(settings)
    with _lock:
        driver = _drivers.get(key)
        if driver is not None:
            return driver
        try:
            driver = GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                connection_timeout=10,
                max_transaction_retry_time=30,
                user_agent="ringscope",
                # Deprecation and performance hints are for query authors, not for
                # every CLI run's stderr; the console shows a query's notifications itself.
                notifications_min_severity="OFF",
            )
            driver.verify_connectivity()
        except AuthError:
            raise DatabaseUnavailable(
                f"Neo4j at {settings.uri} refused user {settings.user!r}: "
                "check NEO4J_USER / NEO4J_PASSWORD in .env"
            ) from None
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            hint = "run `ringscope db start`" if settings.uses_local_server else "check NEO4J_URI and that the server is up"
            raise DatabaseUnavailable(f"cannot reach Neo4j at {settings.uri}: {hint} ({_first_line(exc)})") from None
        except (ConfigurationError, ValueError) as exc:
            raise DatabaseUnavailable(f"NEO4J_URI={settings.uri!r} is not usable: {_first_line(exc)}") from None
        _drivers[key] = driver
        return driver


def close_all() -> None:
    with _lock:
        for driver in _drivers.values():
            driver.close()
        _drivers.clear()


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


@contextmanager
def session(settings: Settings | None = None, *, read_only: bool = False) -> Iterator[neo4j.Session]:
    settings = settings or load_settings()
    mode = neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS
    with get_driver(settings).session(database=settings.database, default_access_mode=mode) as s:
        yield s


def _translate(exc: Exception) -> RingScopeError:
    if isinstance(exc, (ServiceUnavailable, SessionExpired)):
        return DatabaseUnavailable(f"lost the connection to Neo4j: {_first_line(exc)}")
    if isinstance(exc, Neo4jError):
        code = exc.code or ""
        if code.endswith("AccessMode") or "WriteOnReadOnlyAccessDbException" in code:
            return QueryFailed("this query writes, and this path is read-only: run it as a declared write query")
        if "TransactionTimedOut" in code or "TransactionTimedOutClientConfiguration" in code:
            return QueryFailed("the query ran past its time limit: add a LIMIT or narrow it")
        return QueryFailed(f"{code.split('.')[-1] or 'query failed'}: {_first_line(exc)}")
    return QueryFailed(_first_line(exc))


def _read(cypher: str, params: dict[str, Any] | None, settings: Settings | None, timeout: float | None, collect):
    """Run `collect(result)` inside a read transaction; the server rejects any write in it."""
    params = params or {}

    def work(tx: neo4j.ManagedTransaction):
        result = tx.run(cypher, params)
        collected = collect(result)
        result.consume()
        return collected

    work = neo4j.unit_of_work(timeout=timeout)(work) if timeout else work
    try:
        with session(settings, read_only=True) as s:
            return s.execute_read(work)
    except RingScopeError:
        raise
    except Exception as exc:  # driver errors become one clear line
        raise _translate(exc) from None


def _first_rows(result: neo4j.Result, max_rows: int | None, row) -> list:
    rows = []
    for record in result:
        if max_rows is not None and len(rows) >= max_rows:
            break
        rows.append(row(record))
    return rows


def run_read(
    cypher: str,
    params: dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    timeout: float | None = None,
    max_rows: int | None = None,
) -> list[dict[str, Any]]:
    """Rows as dicts of plain values, from a read transaction (the server refuses writes)."""
    return _read(cypher, params, settings, timeout, lambda result: _first_rows(result, max_rows, lambda r: r.data()))


def run_read_graph(
    cypher: str,
    params: dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    timeout: float | None = None,
    max_rows: int | None = None,
) -> tuple[list[str], list[list[Any]]]:
    """Like run_read, but keeps driver values (Node, Relationship, Path) for graph views."""
    return _read(
        cypher,
        params,
        settings,
        timeout,
        lambda result: (list(result.keys()), _first_rows(result, max_rows, lambda r: list(r.values()))),
    )


def run_write(
    cypher: str,
    params: dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
) -> list[dict[str, Any]]:
    """Run a query in a managed write transaction (retried on transient errors)."""
    params = params or {}

    def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
        return [record.data() for record in tx.run(cypher, params)]

    try:
        with session(settings) as s:
            return s.execute_write(work)
    except RingScopeError:
        raise
    except Exception as exc:
        raise _translate(exc) from None


def run_auto_commit(cypher: str, params: dict[str, Any] | None = None, *, settings: Settings | None = None) -> list[dict[str, Any]]:
    """For statements that must not run inside a transaction function
    (schema commands, `CALL { } IN TRANSACTIONS`)."""
    try:
        with session(settings) as s:
            return [record.data() for record in s.run(Query(cypher), params or {})]
    except RingScopeError:
        raise
    except Exception as exc:
        raise _translate(exc) from None


def write_batches(
    cypher: str,
    rows: Iterable[dict[str, Any]],
    *,
    batch_size: int = 5000,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """`UNWIND $rows AS row ...` in batches, one managed transaction per batch.

    Returns the number of rows written. `progress(n)` is called after each batch
    with the rows that batch wrote.
    """
    written = 0
    batch: list[dict[str, Any]] = []

    def flush(s: neo4j.Session, chunk: Sequence[dict[str, Any]]) -> None:
        s.execute_write(lambda tx: tx.run(cypher, rows=list(chunk)).consume())

    try:
        with session(settings) as s:
            for row in rows:
                batch.append(row)
                if len(batch) >= batch_size:
                    flush(s, batch)
                    written += len(batch)
                    if progress:
                        progress(len(batch))
                    batch = []
            if batch:
                flush(s, batch)
                written += len(batch)
                if progress:
                    progress(len(batch))
    except RingScopeError:
        raise
    except Exception as exc:
        raise _translate(exc) from None
    return written


def server_info(settings: Settings | None = None) -> dict[str, Any]:
    """Version, edition and counts: what `ringscope db status` prints."""
    rows = run_read(
        "CALL dbms.components() YIELD name, versions, edition "
        "RETURN name, versions[0] AS version, edition",
        settings=settings,
    )
    counts = run_read(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships } "
        "RETURN nodes, relationships",
        settings=settings,
    )[0]
    info = {"version": rows[0]["version"] if rows else "?", "edition": rows[0]["edition"] if rows else "?"}
    info.update(counts)
    return info


__all__ = [
    "ClientError",
    "DatabaseUnavailable",
    "QueryFailed",
    "close_all",
    "get_driver",
    "run_auto_commit",
    "run_read",
    "run_read_graph",
    "run_write",
    "server_info",
    "session",
    "write_batches",
]
