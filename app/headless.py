"""The headless Chromium that the browser tests and the app benchmarks drive through Playwright
(Debian's /usr/bin/chromium: Playwright cannot download its own here), with the arguments they
all use, and a way to run it at the lowest CPU priority.

This module imports nothing of Streamlit and nothing of the app's pages or caches: the tests
and `benchmarks/bench_app.py` / `benchmarks/bench_concurrency.py` import it without starting
any of the app.

Low priority (`low_priority_executable`): on a machine where the browsers share the CPU with
the app and Neo4j, a benchmark of the *server* wants the browsers to take only what the server
leaves, as if they ran on another machine. Playwright starts the browser detached, so it has a
session of its own and, with `kernel.sched_autogroup_enabled = 1` (Debian's default), a
scheduler group of its own: `nice` alone only orders processes *within* one group, so the
wrapper first sets that group's nice (`/proc/self/autogroup`, which every renderer inherits)
and then the processes' own (`nice -n 19`); optionally it pins them to some CPUs (`taskset`).
"""
from __future__ import annotations

import shlex
import stat
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")

#: Every headless run: no sandbox (containers), no GPU, no network but the app's.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: The nice value the low-priority wrapper gives the browser's scheduler group and processes.
LOW_NICE = 19


def wrapper_script(chromium: Path = CHROMIUM, nice: int = LOW_NICE, cpus: str | None = None) -> str:
    """The shell script that starts `chromium` at `nice` (its autogroup and its processes),
    pinned to `cpus` (a taskset list such as "1") when given."""
    pin = f"taskset -c {shlex.quote(cpus)} " if cpus else ""
    return ("#!/bin/sh\n"
            "# Written by ringscope.app.headless: Chromium at low priority (see that module).\n"
            f"echo {int(nice)} > /proc/self/autogroup 2>/dev/null\n"
            f"exec nice -n {int(nice)} {pin}{shlex.quote(str(chromium))} \"$@\"\n")


def low_priority_executable(folder: Path, nice: int = LOW_NICE, cpus: str | None = None,
                            chromium: Path = CHROMIUM) -> Path:
    """Write the wrapper (wrapper_script) into `folder` and return its path, to pass to
    Playwright as `executable_path`."""
    path = Path(folder) / "chromium-low-priority"
    path.write_text(wrapper_script(chromium, nice, cpus), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def describe(nice: int | None, cpus: str | None) -> str:
    """One line for a benchmark's report: how the browsers were prioritised."""
    if nice is None:
        return "browsers at normal priority (same as the app and Neo4j)"
    return (f"browsers at nice {nice} (their scheduler autogroup and their processes)"
            + (f", pinned to CPU(s) {cpus}" if cpus else "") + "; the app and Neo4j at nice 0")
