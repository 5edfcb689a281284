"""The analysts' console: typed Cypher, read-only, planned and vetted before it runs.

A read transaction already makes the server refuse every write. It does not refuse
administration: `TERMINATE TRANSACTIONS` ends anyone's running ingest, detection or
tagging, `SHOW TRANSACTIONS` shows other sessions' query text and parameters, `SHOW
SETTINGS` and `dbms.listConfig()` the server's paths, and `db.clearQueryCaches()` or
`apoc.warmup.run()` load the whole server (a field report: all of these ran from the
console as a viewer). So every console query is first planned (`EXPLAIN`, which runs
nothing) and refused when its plan is not a plain read:

- the server's query type must not be "s" (schema and administration commands; a write,
  "w" or "rw", is left to the read transaction, which refuses it);
- no operator of an administration command (`SHOW TRANSACTIONS`, `TERMINATE ...`,
  `SHOW SETTINGS`, `SHOW USERS`, ...), except the catalog listings `SHOW INDEXES`,
  `SHOW CONSTRAINTS`, `SHOW PROCEDURES` and `SHOW FUNCTIONS`;
- no procedure of `REFUSED_PROCEDURES` (the server's own management, caches, store warm-up).

Then it runs in a read transaction with the server-side time limit and the row cap, and
a result holding more than MAX_VALUES values (one row can hold a list of millions) is
refused rather than kept in the page.
"""
from __future__ import annotations

from typing import Any

from . import db
from .config import Settings
from .db import QueryFailed

#: plan operators of commands an analyst may run: listings of the schema and the catalog
ALLOWED_COMMANDS = frozenset({"ShowIndexes", "ShowConstraints", "ShowProcedures", "ShowFunctions"})
#: operator-name starts of administration commands (SHOW ..., TERMINATE ..., the system database's)
COMMAND_PREFIXES = ("Show", "Terminate", "AdministrationCommand")
#: procedures the console refuses, by name prefix: the server's management (`dbms.*`),
#: its caches and statistics, index resampling, checkpoints, and APOC's store warm-up
#: (RingScope calls it itself, on its own schedule). The server runs `db.resample*` in a
#: read transaction, and a resample of every index rescans the store.
REFUSED_PROCEDURES = ("dbms.", "db.clearQueryCaches", "db.stats.", "db.checkpoint", "db.prepareForReplanning",
                      "db.resample", "apoc.warmup.")


class ConsoleRefused(QueryFailed):
    """The console's query is not a plain read (see the module doc)."""


def vet(query_type: str, operators: list[tuple[str, str]]) -> None:
    """Raise ConsoleRefused unless a plan (from `db.explain_plan`) is a plain read."""
    for name, details in operators:
        if name.startswith(COMMAND_PREFIXES) and name not in ALLOWED_COMMANDS:
            raise ConsoleRefused(f"the console runs reads of the graph, not administration commands ({name}): "
                                 "ask whoever runs the server")
        if name.startswith("ProcedureCall"):
            procedure = details.split("(", 1)[0].strip()
            if procedure.startswith(REFUSED_PROCEDURES):
                raise ConsoleRefused(f"the console does not call {procedure}: it manages the server, not the graph")
    if query_type == "s":
        raise ConsoleRefused("the console runs reads of the graph, and the server plans this one as a schema or "
                             "administration command: ask whoever runs the server")
    # a write ("w", "rw") goes on to the read transaction, where the server refuses it and
    # the console says what to do instead (change a ring on its page, or a stored write query)


def vet_saved(cypher: str, params: dict[str, Any] | None, *, settings: Settings | None = None) -> None:
    """Plan a query someone saves or imports for the team and raise ConsoleRefused unless it is
    a plain read: `vet`, and no write either. Saved queries run only in the console's read
    transactions, so a write would be saved only to fail for everyone who opens it."""
    query_type, operators = db.explain_plan(cypher, params, settings=settings, interactive=True)
    vet(query_type, operators)
    if query_type in ("w", "rw"):
        raise ConsoleRefused("this query writes, and saved queries only read: save the read part, or keep the "
                             "write as a stored query in cypher/ (ringscope query run NAME --write)")


def run_console(cypher: str, params: dict[str, Any] | None, *, timeout: float, max_rows: int,
                settings: Settings | None = None) -> tuple[list[str], list[list[Any]], bool]:
    """An analyst's query: planned and vetted (`vet`), then run in a READ transaction with
    a server-side time limit (seconds) and a row cap. Returns the column names, up to
    `max_rows` rows of driver values (nodes kept, for the graph view) and whether rows were
    cut. Raises ConsoleRefused or another RingScopeError, one line each."""
    query_type, operators = db.explain_plan(cypher, params, settings=settings, interactive=True)
    vet(query_type, operators)
    keys, rows = db.run_read_graph(cypher, params, settings=settings, timeout=timeout, max_rows=max_rows + 1,
                                   interactive=True)
    rows = rows[:max_rows + 1]
    if _values_beyond(rows, MAX_VALUES):
        # the row cap counts rows, and one row can hold a list of millions (a field report:
        # `RETURN range(1, 5000000)` grew the app by 270 MB and stayed in the session)
        raise ConsoleRefused(f"the result holds more than {MAX_VALUES:,} values, too many to show: "
                             "return fewer rows or smaller lists (size(), a slice [..100], a LIMIT)")
    return keys, rows[:max_rows], len(rows) > max_rows


#: the most values (list items, map entries, characters / 100 of a string) a console
#: result may hold: a screenful of tables many times over, far under what hurts the app
MAX_VALUES = 200_000


def _values_beyond(rows: list[list[Any]], limit: int) -> bool:
    """Whether the rows hold more than `limit` values, counted until the limit is passed."""
    count, stack = 0, [rows]
    while stack:
        value = stack.pop()
        if isinstance(value, (list, tuple)):
            count += len(value)
            stack.extend(value)
        elif isinstance(value, dict):
            count += len(value)
            stack.extend(value.values())
        elif isinstance(value, str):
            count += len(value) // 100
        if count > limit:
            return True
    return False
