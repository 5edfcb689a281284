"""Server-side timings of the app's script runs, for benchmarks (off unless asked for).

With `RINGSCOPE_APP_TIMINGS=<file>` (environment or .env), the app appends one JSON line
per timed run to that file: `{"what": "page", "page": "ring", "ms": 412.3, "cpu_ms": 120.5, ...}`
(wall time, and the CPU time the run's thread used) for a whole
page run (main.py, from the start of the script to the end of the page), and
`{"what": "expand", ...}` for a click on the graph (from the click's callback to the end
of the graph fragment's run). That is the server's share of a ring view or an expansion,
queueing for the interpreter included, without the network or the browser's drawing:
`benchmarks/bench_concurrency.py` reads it to split server time from client time.

With `RINGSCOPE_APP_PROFILE=<folder>` as well, each timed run is also run under cProfile
(that thread only) and its statistics written to `<folder>/<what>-<n>.prof`
(`bench_concurrency.py --profile` sums them per kind of run).
"""
from __future__ import annotations

import cProfile
import itertools
import json
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_local = threading.local()
_count = itertools.count()


@lru_cache(maxsize=1)
def _target() -> Path | None:
    from ringscope.config import load_settings

    value = (load_settings().extra.get("RINGSCOPE_APP_TIMINGS") or "").strip()
    return Path(value) if value else None


@lru_cache(maxsize=1)
def _profile_folder() -> Path | None:
    from ringscope.config import load_settings

    value = (load_settings().extra.get("RINGSCOPE_APP_PROFILE") or "").strip()
    return Path(value) if value else None


def enabled() -> bool:
    return _target() is not None


def profile_start() -> None:
    """Start profiling this thread's run (nothing unless RINGSCOPE_APP_PROFILE is set)."""
    if _profile_folder() is None or getattr(_local, "profile", None) is not None:
        return
    profile = cProfile.Profile(time.thread_time)  # CPU time: the run's own work, not its waits
    try:
        profile.enable()
    except ValueError:  # another profiler is active on this thread
        return
    _local.profile = profile


def profile_stop(what: str) -> None:
    """Stop this thread's profile and write it as `<what>-<n>.prof`."""
    profile = getattr(_local, "profile", None)
    _local.profile = None
    folder = _profile_folder()
    if profile is None or folder is None:
        return
    profile.disable()
    profile.dump_stats(str(folder / f"{what}-{next(_count)}.prof"))


def now() -> tuple[float, float]:
    """The start of a timed run: (wall clock, this thread's CPU time)."""
    return time.perf_counter(), time.thread_time()


def record(what: str, started: tuple[float, float], **fields: Any) -> None:
    """Append one timing line (nothing when timings are off): `ms`, the run's wall time (waiting
    for a core or for Neo4j included), and `cpu_ms`, the CPU time its thread used (the Python
    work of the run itself)."""
    target = _target()
    if target is None:
        return
    profile_stop(what)
    wall, cpu = started
    line = json.dumps({"what": what, "ms": round((time.perf_counter() - wall) * 1000, 1),
                       "cpu_ms": round((time.thread_time() - cpu) * 1000, 1), "at": round(time.time(), 3), **fields})
    with _lock, open(target, "a", encoding="utf-8") as out:
        out.write(line + "\n")


def session() -> str:
    """The Streamlit session the run belongs to (to tell investigators apart in the file)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""
