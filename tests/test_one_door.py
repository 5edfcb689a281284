"""Only ringscope/db.py talks to the driver, and stored queries reach it through the runner.

Only the analysts' console (ringscope/console.py `run_console`, typed Cypher planned, vetted
and run in a read transaction) may pass Cypher text to `db.run_read_graph`; every other product module reaches the server
through `db.run` / `run_graph` / `run_batched` / `run_until_done` (README, Code map).
A new module that opens its own session or runs catalog text directly fails here.
"""
from __future__ import annotations

import re

from ringscope.config import PROJECT_ROOT

SOURCE_FOLDERS = ("ringscope", "ingest", "app", "seed_data")

#: Driver use outside db.py. server/local.py probes a server it is still starting, before
#: Settings-driven sessions can work (with its own short time-outs); that stays.
DRIVER = re.compile(r"GraphDatabase|\.execute_(read|write)\(|\btx\.run\(|\bdb\._translate\b|\bdb\.session\(")
DRIVER_ALLOWED = {"ringscope/db.py", "ringscope/server/local.py"}

#: Stored-query text handed past the runner (parameters not bound, mode not checked).
BYPASS = re.compile(r"\bdb\.(run_read|run_write|run_read_graph)\(")
BYPASS_ALLOWED = {
    # The analysts' console runs typed Cypher in a read transaction: that is its job.
    "ringscope/console.py",
}


def _sources():
    for folder in SOURCE_FOLDERS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            yield path.relative_to(PROJECT_ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_only_the_db_module_opens_sessions_or_transactions():
    offenders = sorted(name for name, text in _sources() if DRIVER.search(text) and name not in DRIVER_ALLOWED)
    assert not offenders, f"run stored queries through ringscope.db.run / run_batched instead: {offenders}"


def test_no_new_module_passes_query_text_past_the_runner():
    offenders = sorted(name for name, text in _sources() if BYPASS.search(text) and name not in BYPASS_ALLOWED)
    assert not offenders, f"use db.run(name, params, mode=...) instead of db.run_read/run_write: {offenders}"


def test_the_allow_lists_name_only_files_that_still_need_them():
    texts = dict(_sources())
    stale = sorted(name for name in DRIVER_ALLOWED - {"ringscope/db.py", "ringscope/server/local.py"}
                   if name in texts and not DRIVER.search(texts[name]))
    stale += sorted(name for name in BYPASS_ALLOWED if name in texts and not BYPASS.search(texts[name]))
    assert not stale, f"these files moved to the runner: take them off the allow-list in {__file__}: {stale}"


def test_typed_cypher_passes_the_runner_only_in_the_console_after_its_plan_is_vetted():
    """ringscope/console.py is on the list for the console alone (every page read is a stored
    query), and it runs nothing it has not planned and vetted first."""
    text = dict(_sources())["ringscope/console.py"]
    calls = BYPASS.findall(text)
    assert len(calls) == 1 and "def run_console(" in text, \
        f"ringscope/console.py should run typed Cypher once, in run_console; found {calls}"
    body = text.split("def run_console(", 1)[1]
    assert body.index("vet(") < body.index("db.run_read_graph("), "run_console must vet the plan before it runs"


def test_the_integration_marker_is_set_in_one_place():
    """conftest.py marks exactly the tests that use the live server; a test module that
    marks itself could mark a test needing no database (issue 13, part 5)."""
    tests = PROJECT_ROOT / "tests"
    mark = "mark." + "integration"  # spelt apart so that this file does not match itself
    marking = sorted(p.name for p in tests.glob("test_*.py") if mark in p.read_text(encoding="utf-8"))
    assert not marking, f"drop the integration marks (conftest.py sets them from the fixtures used): {marking}"


#: Benchmarks that still hold Cypher text of their own (a synthetic world written and removed
#: by the benchmark itself); every other benchmark reads through stored queries.
INLINE_CYPHER_ALLOWED = {"benchmarks/bench_export.py"}
#: A Cypher clause inside a Python string literal.
INLINE_CYPHER = re.compile(r"""["'](?:[^"'\n]*\s)?(?:MATCH|MERGE|CREATE|UNWIND|OPTIONAL MATCH|CALL)\s*[\(\{]""")


def test_the_benchmarks_read_through_stored_queries_not_inline_cypher():
    """bench_app.py and bench_concurrency.py each held the same inline `largest_ring` text:
    it is cypher/evaluation/largest_ring.cypher now, with its header, run by db.run."""
    offenders = []
    for path in sorted((PROJECT_ROOT / "benchmarks").glob("*.py")):
        name = path.relative_to(PROJECT_ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if name not in INLINE_CYPHER_ALLOWED and INLINE_CYPHER.search(text):
            offenders.append(name)
    assert not offenders, f"move this Cypher into a .cypher file with a header and run it by name: {offenders}"
    stale = sorted(name for name in INLINE_CYPHER_ALLOWED
                   if not INLINE_CYPHER.search((PROJECT_ROOT / name).read_text(encoding="utf-8")))
    assert not stale, f"take these off INLINE_CYPHER_ALLOWED: {stale}"


def test_the_chromium_arguments_are_declared_once():
    """The browser tests and both app benchmarks launch Chromium with ringscope.app.headless.ARGS
    (a module that imports nothing of Streamlit), not a copy each."""
    needle = '"--disable' + '-gpu"'  # not spelled out here, or this file would count
    copies = []
    for folder in ("tests", "benchmarks", "app"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if needle in path.read_text(encoding="utf-8"):
                copies.append(path.relative_to(PROJECT_ROOT).as_posix())
    assert copies == ["app/headless.py"], copies
