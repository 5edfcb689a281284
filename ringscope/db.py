"""The one door to Neo4j: every driver and session in RingScope comes from here.

A stored query (a `.cypher` file of the catalog) reaches the server through the
runner below, in the spirit of the GDS Python client's
`QueryRunner.run_cypher(query, params, mode)` and Cartography's `GraphStatement`:

    run(name, params, mode=READ|WRITE)        one stored query, its parameters bound
    run_graph(name, params)                   a read that keeps Node/Relationship values
    run_batched(name, batches, ledger_key=..) a write per batch of rows, one transaction each
    run_until_done(name, params)              a write repeated until it reports 0 rows done

The caller states the mode and the catalog states the query's; a mismatch is refused
before anything is sent. Reads go through read transactions, so the *server* refuses
a write sent down a read path (that is what makes the analysts' console read-only).
Writes go through managed write transactions, which the driver retries on transient
errors (leader switch, deadlock, a restarting server); a file whose header says
`transaction: auto` (schema commands, `CALL { } IN TRANSACTIONS`) runs as auto-commit
statements instead. Every transaction carries the query's name as metadata, so
`SHOW TRANSACTIONS` on the server names what RingScope is running.

`run_read`/`run_read_graph`/`run_write` take Cypher text: the analysts' console (typed
Cypher in a read transaction; tests/test_one_door.py holds every other product module to
the runner), benchmarks, and tests that build small graphs.
"""
from __future__ import annotations

import enum
import re
import threading
from contextlib import contextmanager
from contextvars import ContextVar
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

from .catalog import CatalogError, StoredQuery, get_query
from .config import Settings, load_settings
from .errors import RingScopeError


class DatabaseUnavailable(RingScopeError):
    """The server cannot be reached or refuses our credentials."""


class QueryFailed(RingScopeError):
    """The server rejected a query (syntax, constraint, access mode, timeout)."""


_lock = threading.Lock()
_drivers: dict[tuple, neo4j.Driver] = {}


#: Driver settings of the two kinds of work. A long write (ingest, detect) keeps the driver's
#: patience: 10 s to connect, transient errors retried for 30 s. An interactive read (a page,
#: a search, the console) must fail fast instead, so the app shows "cannot reach Neo4j"
#: within a few seconds rather than a spinner for half a minute (issue 14, item 8).
PATIENT = {"connection_timeout": 10.0, "connection_acquisition_timeout": 60.0, "max_transaction_retry_time": 30.0}
INTERACTIVE = {"connection_timeout": 3.0, "connection_acquisition_timeout": 5.0, "max_transaction_retry_time": 2.0}


#: Set for the app's script runs (`fail_fast_reads`): every read of the run is interactive,
#: also those the pages make through the package's own functions (`alerts.list_alerts`, the
#: console's saved queries, `tagging.comments`, marks), which pass no `interactive`. With
#: Neo4j stopped, the Alert inbox said so after 31 s and the Cypher console after 61 s (the
#: patient driver retried each read for 30 s), where the pages reading through app/data.py
#: said it within seconds.
_FAIL_FAST_READS: ContextVar[bool] = ContextVar("ringscope_fail_fast_reads", default=False)


def fail_fast_reads() -> None:
    """From now on, in this thread's context, every read is interactive (INTERACTIVE): what
    the app's entry file calls at the start of each script run. Writes keep their patience."""
    _FAIL_FAST_READS.set(True)


def _key(settings: Settings, interactive: bool = False) -> tuple:
    return (settings.uri, settings.user, settings.password, interactive)


def _unreachable(settings: Settings, exc: BaseException) -> DatabaseUnavailable:
    hint = ("start it with `ringscope db start`, or check NEO4J_URI" if settings.uses_local_server
            else "check NEO4J_URI and that the server is up")
    return DatabaseUnavailable(f"cannot reach Neo4j at {settings.uri}: {hint} ({_first_line(exc)})")


def get_driver(settings: Settings | None = None, *, interactive: bool = False) -> neo4j.Driver:
    """A shared, verified driver for these settings (one per URI, user and kind of work:
    `interactive` drivers use the short time-outs of INTERACTIVE, others those of PATIENT).
    Raises DatabaseUnavailable (one line) when the server cannot be reached or refuses us."""
    settings = settings or load_settings()
    key = _key(settings, interactive)
    with _lock:
        driver = _drivers.get(key)
        if driver is not None:
            return driver
        try:
            driver = GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                user_agent="ringscope",
                # Deprecation and performance hints are for query authors, not for
                # every CLI run's stderr; the console shows a query's notifications itself.
                notifications_min_severity="OFF",
                **(INTERACTIVE if interactive else PATIENT),
            )
            driver.verify_connectivity()
        except AuthError:
            raise DatabaseUnavailable(
                f"Neo4j at {settings.uri} refused user {settings.user!r}: "
                "check NEO4J_USER / NEO4J_PASSWORD in .env"
            ) from None
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise _unreachable(settings, exc) from None
        except Neo4jError as exc:
            if "AuthenticationRateLimit" not in (exc.code or ""):
                raise
            raise DatabaseUnavailable(
                f"Neo4j at {settings.uri} refuses user {settings.user!r} for a few seconds after several wrong "
                "passwords: check NEO4J_USER / NEO4J_PASSWORD in .env, then retry"
            ) from None
        except (ConfigurationError, ValueError) as exc:
            raise DatabaseUnavailable(f"NEO4J_URI={settings.uri!r} is not usable: {_first_line(exc)}") from None
        _drivers[key] = driver
        return driver


def reachable(settings: Settings | None = None) -> bool:
    """Whether the server answers now (a Bolt handshake on the fail-fast interactive driver;
    no query): how a page that could not reach Neo4j knows it is back."""
    try:
        get_driver(settings, interactive=True).verify_connectivity()
    except Exception:  # noqa: BLE001 - any failure means "not yet"
        return False
    return True


def close_all() -> None:
    with _lock:
        for driver in _drivers.values():
            driver.close()
        _drivers.clear()


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


@contextmanager
def session(settings: Settings | None = None, *, read_only: bool = False,
            interactive: bool = False) -> Iterator[neo4j.Session]:
    """A session on the shared driver; `interactive` picks the fail-fast one (see INTERACTIVE)."""
    settings = settings or load_settings()
    mode = neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS
    with get_driver(settings, interactive=interactive).session(database=settings.database, default_access_mode=mode) as s:
        yield s


def _translate(exc: Exception, settings: Settings | None = None) -> RingScopeError:
    if isinstance(exc, (ServiceUnavailable, SessionExpired)):
        if settings is not None:
            return _unreachable(settings, exc)
        return DatabaseUnavailable(f"lost the connection to Neo4j: {_first_line(exc)}")
    if isinstance(exc, Neo4jError):
        code = exc.code or ""
        if code.endswith("AccessMode") or "WriteOnReadOnlyAccessDbException" in code:
            return QueryFailed("this query writes, and this path is read-only: run it as a declared write query")
        if code.endswith("DatabaseNotFound"):
            return DatabaseUnavailable(f"Neo4j has no such database ({_first_line(exc)}): fix NEO4J_DATABASE in .env "
                                       "(Community edition serves one database, neo4j)")
        if "TransactionTimedOut" in code or "TransactionTimedOutClientConfiguration" in code:
            return QueryFailed("the query ran past its time limit: add a LIMIT or narrow it")
        return QueryFailed(f"{code.split('.')[-1] or 'query failed'}: {_first_line(exc)}")
    return QueryFailed(_first_line(exc))


def _read(cypher: str, params: dict[str, Any] | None, settings: Settings | None, timeout: float | None, collect,
          metadata: dict[str, Any] | None = None, interactive: bool = False):
    """Run `collect(result)` inside a read transaction; the server rejects any write in it."""
    params = params or {}
    settings = settings or load_settings()
    interactive = interactive or _FAIL_FAST_READS.get()

    def work(tx: neo4j.ManagedTransaction):
        result = tx.run(cypher, params)
        collected = collect(result)
        result.consume()
        return collected

    if timeout or metadata:
        work = neo4j.unit_of_work(timeout=timeout, metadata=metadata)(work)
    try:
        with session(settings, read_only=True, interactive=interactive) as s:
            return s.execute_read(work)
    except RingScopeError:
        raise
    except Exception as exc:  # driver errors become one clear line
        raise _translate(exc, settings if interactive else None) from None


def explain_plan(cypher: str, params: dict[str, Any] | None = None, *, settings: Settings | None = None,
                 interactive: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """Plan `cypher` without running it (`EXPLAIN`, in a read session): the server's query
    type ("r", "rw", "w" or "s" for schema and administration) and every operator of the
    plan as (name without its `@database` suffix, its Details text). A leading EXPLAIN or
    PROFILE of the text itself is planned as the statement after it. Raises
    RingScopeError (one line) when the server refuses to plan it."""
    body = _PLAN_PREFIX.sub("", cypher, count=1)
    summary = _read("EXPLAIN " + body, params, settings, None, lambda result: result.consume(), interactive=interactive)
    operators: list[tuple[str, str]] = []
    stack = [summary.plan] if summary.plan else []
    while stack:
        node = stack.pop()
        operators.append((str(node.get("operatorType", "")).split("@")[0], str(node.get("args", {}).get("Details", ""))))
        stack.extend(node.get("children", []))
    return str(summary.query_type or ""), operators


#: comments and white space before the statement, then an EXPLAIN or PROFILE of its own
_PLAN_PREFIX = re.compile(r"^(?:\s+|//[^\n]*(?:\n|$)|/\*.*?\*/)*(?:(?:EXPLAIN|PROFILE)\b)?", re.I | re.S)


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
    interactive: bool = False,
) -> tuple[list[str], list[list[Any]]]:
    """Like run_read, but keeps driver values (Node, Relationship, Path) for graph views;
    `interactive` as for run()."""
    return _read(
        cypher,
        params,
        settings,
        timeout,
        lambda result: (list(result.keys()), _first_rows(result, max_rows, lambda r: list(r.values()))),
        interactive=interactive,
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


class Mode(str, enum.Enum):
    """What the caller means to do; it must match the stored query's `mode:` header."""

    READ = "read"
    WRITE = "write"


READ = Mode.READ
WRITE = Mode.WRITE


def _metadata(query: StoredQuery) -> dict[str, Any]:
    return {"app": "ringscope", "query": query.name, "version": query.version}


def _checked(name: str, mode: Mode | str) -> StoredQuery:
    query = get_query(name)
    wanted = Mode(mode)
    if query.mode != wanted.value:
        raise CatalogError(
            f"query {name!r} is declared {query.mode} but was run as {wanted.value}: "
            f"run it with mode={query.mode.upper()}" + (" where writes are allowed" if query.is_write else "")
        )
    return query


def _execute(query: StoredQuery, s: neo4j.Session, params: dict[str, Any], timeout: float | None,
             statements: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every statement of a write query (or the `statements` given) in `s`; the rows of the last one."""
    rows: list[dict[str, Any]] = []
    for statement in query.statements() if statements is None else statements:
        if query.auto_commit:
            rows = [r.data() for r in s.run(Query(statement, metadata=_metadata(query), timeout=timeout), params)]
        else:
            def work(tx: neo4j.ManagedTransaction, text: str = statement) -> list[dict[str, Any]]:
                return [record.data() for record in tx.run(text, params)]

            rows = s.execute_write(neo4j.unit_of_work(metadata=_metadata(query), timeout=timeout)(work))
    return rows


def run(
    name: str,
    params: dict[str, Any] | None = None,
    *,
    mode: Mode | str,
    settings: Settings | None = None,
    timeout: float | None = None,
    max_rows: int | None = None,
    interactive: bool = False,
) -> list[dict[str, Any]]:
    """Run the stored query `name` with `params` bound against its header (defaults filled,
    unknown or missing ones refused) and return its rows as dicts of driver values.

    `mode` (READ or WRITE) must match the query's declared mode, else CatalogError.
    READ: one read transaction, at most `max_rows` rows, `timeout` seconds (server-side).
    WRITE: each statement of the file in turn, in a managed write transaction (retried on
    transient errors) or auto-commit when the header says `transaction: auto`; returns the
    last statement's rows. Driver errors become DatabaseUnavailable or QueryFailed (one line).

    `interactive=True` is for work a person waits on (the app's pages, search, console): a
    short connect time-out and about 2 s of retries (INTERACTIVE), and a server that cannot
    be reached raises DatabaseUnavailable "cannot reach Neo4j at URI: ..." within seconds.
    The default (PATIENT) suits long writes such as ingest and detection, which keep the
    driver's usual retries through a restarting server.
    """
    query = _checked(name, mode)
    bound = query.bind(params)
    if not query.is_write:
        # a query whose rows hold only values needs no conversion (catalog.ROWS)
        row = dict if query.values_only else (lambda r: r.data())
        return _read(query.cypher, bound, settings, timeout, lambda result: _first_rows(result, max_rows, row),
                     metadata=_metadata(query), interactive=interactive)
    settings = settings or load_settings()
    try:
        with session(settings, interactive=interactive) as s:
            return _execute(query, s, bound, timeout)
    except RingScopeError:
        raise
    except Exception as exc:
        raise _translate(exc, settings if interactive else None) from None


def run_graph(
    name: str,
    params: dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    timeout: float | None = None,
    max_rows: int | None = None,
    interactive: bool = False,
) -> tuple[list[str], list[list[Any]]]:
    """A stored read query's (column names, rows of values), keeping driver Node,
    Relationship and Path values for graph views; `interactive` as for run()."""
    query = _checked(name, READ)
    return _read(
        query.cypher,
        query.bind(params),
        settings,
        timeout,
        lambda result: (list(result.keys()), _first_rows(result, max_rows, lambda r: list(r.values()))),
        metadata=_metadata(query),
        interactive=interactive,
    )


def batched(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """`rows` cut into lists of `size` (the last may be shorter), in order."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_batched(
    name: str,
    batches: Iterable[Sequence[dict[str, Any]]],
    *,
    params: dict[str, Any] | None = None,
    ledger_key: str | None = None,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Run the stored write query `name` once per batch, one managed transaction each
    (`UNWIND $rows AS row ...`): `$rows` is the batch, the other parameters come from
    `params`. With `ledger_key`, `$batch` is `"<ledger_key>:<n>"` (n counts batches from
    0), so the query can record the key in the same transaction as the batch's writes and
    skip a batch already recorded: a re-run that cuts the same batches applies exactly the
    missing ones (see ingest/ledger.py). Returns the rows handed to the server;
    `progress(k)` is called after each batch with its row count.
    """
    query = _checked(name, WRITE)
    fixed = dict(params or {})
    statements = query.statements()  # parsed once, not once per batch
    written = 0
    try:
        with session(settings) as s:
            for number, batch in enumerate(batches):
                rows = list(batch)
                if not rows:
                    continue
                given = {**fixed, "rows": rows}
                if ledger_key is not None:
                    given["batch"] = f"{ledger_key}:{number}"
                _execute(query, s, query.bind(given), None, statements)
                written += len(rows)
                if progress:
                    progress(len(rows))
    except RingScopeError:
        raise
    except Exception as exc:
        raise _translate(exc) from None
    return written


def run_until_done(
    name: str,
    params: dict[str, Any] | None = None,
    *,
    count: str = "n",
    cursor: tuple[str, str] | None = None,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
    max_rounds: int = 1_000_000,
) -> int:
    """Run each statement of the stored write query `name` again and again until its column
    `count` (of the first row) is 0 or absent, then the next statement: Cartography's cleanup
    rhythm (`WITH n LIMIT $limit`, repeated), which keeps each round's transaction small.
    With `cursor=(param, column)`, each round passes the previous round's `column` as the
    parameter `param` (keyset paging: `WHERE key > $after ... RETURN max(key) AS last`), and
    every statement starts from the value given in `params`. Returns the sum of the counts;
    `progress(k)` is called after each round that did something, with that round's count."""
    query = _checked(name, WRITE)
    bound = query.bind(params)
    total = 0
    try:
        with session(settings) as s:
            for statement in query.statements():
                given = dict(bound)
                for _ in range(max_rounds):
                    rows = _execute(query, s, given, None, [statement])
                    done = int(rows[0].get(count) or 0) if rows else 0
                    if done == 0:
                        break
                    total += done
                    if cursor is not None:
                        given[cursor[0]] = rows[0][cursor[1]]
                    if progress:
                        progress(done)
                else:
                    raise QueryFailed(f"query {name!r} still reported work after {max_rounds} rounds: check its LIMIT")
    except RingScopeError:
        raise
    except Exception as exc:
        raise _translate(exc) from None
    return total


def server_info(settings: Settings | None = None) -> dict[str, Any]:
    """Version, edition and counts: what `ringscope db status` prints.
    {"version": str, "edition": str, "nodes": int, "relationships": int}"""
    rows = run("admin_server_components", mode=READ, settings=settings)
    counts = run("admin_graph_size", mode=READ, settings=settings)[0]
    info = {"version": rows[0]["version"] if rows else "?", "edition": rows[0]["edition"] if rows else "?"}
    info.update(counts)
    return info


__all__ = [
    "READ",
    "WRITE",
    "ClientError",
    "DatabaseUnavailable",
    "Mode",
    "QueryFailed",
    "batched",
    "close_all",
    "reachable",
    "get_driver",
    "run",
    "run_batched",
    "run_graph",
    "run_read",
    "run_read_graph",
    "run_until_done",
    "run_write",
    "server_info",
    "session",
]
