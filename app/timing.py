"""Server-side timings of the app's script runs, for benchmarks (off unless asked for).

With `RINGSCOPE_APP_TIMINGS=<file>` (environment or .env), the app appends one JSON line
per timed run to that file: `{"what": "page", "page": "ring", "ms": 412.3, ...}` for a whole
page run (main.py, from the start of the script to the end of the page), and
`{"what": "expand", ...}` for a click on the graph (from the click's callback to the end
of the graph fragment's run). That is the server's share of a ring view or an expansion,
queueing for the interpreter included, without the network or the browser's drawing:
`benchmarks/bench_concurrency.py` reads it to split server time from client time.
"""
from __future__ import annotations

import json
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _target() -> Path | None:
    from ringscope.config import load_settings

    value = (load_settings().extra.get("RINGSCOPE_APP_TIMINGS") or "").strip()
    return Path(value) if value else None


def enabled() -> bool:
    return _target() is not None


def now() -> float:
    return time.perf_counter()


def record(what: str, started: float, **fields: Any) -> None:
    """Append one timing line (nothing when timings are off)."""
    target = _target()
    if target is None:
        return
    line = json.dumps({"what": what, "ms": round((time.perf_counter() - started) * 1000, 1),
                       "at": round(time.time(), 3), **fields})
    with _lock, open(target, "a", encoding="utf-8") as out:
        out.write(line + "\n")


def session() -> str:
    """The Streamlit session the run belongs to (to tell investigators apart in the file)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""
