"""One writer of interchange data at a time per RINGSCOPE_HOME.

`ringscope ingest` and `ringscope cycle` both load files into the graph, and two loads of
one folder at once both find a file missing from the ledger and both add its rows (a field
report: an `ingest` started while a cycle ran left 14,911 exchanges in the graph for 9,926
in the files). Each takes this lock where it writes (`ingest.ingest_world`, `cycle.run_cycle`):
a non-blocking flock on `$RINGSCOPE_HOME/writer.lock`, released by the kernel even when the
process is killed, so no stale lock survives a crash. A process that holds it may take it
again (the cycle's ingest runs inside the cycle's lock).

The lock is per machine (per RINGSCOPE_HOME): loads into one database from two machines, or
from two homes, are not serialised by it; run the scheduler in one place.
"""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .config import Settings
from .errors import RingScopeError

LOCK_NAME = "writer.lock"

#: lock path -> how many times this process holds it (it is re-entrant within a process)
_held: dict[Path, int] = {}


class WriterBusy(RingScopeError):
    """Another ingest or cycle holds the writer lock."""


@contextmanager
def exclusive(settings: Settings, command: str) -> Iterator[None]:
    """Hold the writer lock of `settings`' home while the block runs; raise WriterBusy (one
    line, naming the pid and command holding it) when another process holds it."""
    home = settings.local.home.parent
    home.mkdir(parents=True, exist_ok=True)
    path = (home / LOCK_NAME).resolve()
    if _held.get(path):
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = " ".join(handle.read().split()) or "?"
            raise WriterBusy(f"another ringscope ingest or cycle is loading data (pid and command: {holder[:80]}; "
                             f"lock {path}): let it finish, then run again (a scheduler's next run picks up what "
                             "it missed)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {command}")
        handle.flush()
        _held[path] = 1
        try:
            yield
        finally:
            _held.pop(path, None)
    finally:
        handle.close()
