"""Files landing in a daily export folder while ingest or the cycle runs, against the real
test Neo4j. Field reports (continuous-operation pass): a logins file cron caught half-written
was loaded in part and recorded, and the rest of it was refused on every later run; a file
holding only its header was recorded with no rows, and refused once it had them; the
refusal's advice, `ingest --force`, re-loaded every file of the folder and doubled every
count; and an `ingest` started while a cycle ran loaded the same files twice."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from ringscope import db
from ringscope.cli import cli
from ringscope.cycle import run_cycle
from ringscope.ingest import ingest_world
from ringscope.writer_lock import LOCK_NAME, WriterBusy, exclusive
from test_cycle import DAYS, deliver

LONG_AGO = time.time() - 3600


def landed_long_ago(inbox: Path) -> None:
    for f in inbox.iterdir():
        os.utime(f, (LONG_AGO, LONG_AGO))


def logins_in_graph(settings) -> int:
    return db.run_read("MATCH (:Account)-[u:USED_DEVICE]->() RETURN coalesce(sum(u.logins), 0) AS n",
                       settings=settings)[0]["n"]


def file_status(summary, name: str) -> str:
    return summary.file(name).status


def test_a_file_modified_within_the_settle_time_waits_for_the_next_run(clean_db, tmp_path):
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    landed_long_ago(inbox)
    logins = inbox / f"logins_{DAYS[0]}.csv"
    full = logins.read_text()
    logins.write_text("".join(full.splitlines(keepends=True)[:4]))  # the exporter is still writing it

    first = ingest_world(inbox, clean_db, settle_seconds=60)
    assert file_status(first, logins.name).startswith("waiting")
    assert "left for the next run" in first.file(logins.name).note
    assert file_status(first, f"accounts_{DAYS[0]}.csv") == "loaded"
    assert logins_in_graph(clean_db) == 0

    logins.write_text(full)  # done; the next run (after the settle time) loads all of it, once
    os.utime(logins, (LONG_AGO, LONG_AGO))
    second = ingest_world(inbox, clean_db, settle_seconds=60)
    assert file_status(second, logins.name) == "loaded"
    assert second.file(logins.name).rows_loaded == len(full.splitlines()) - 1
    with_device = sum(1 for line in full.splitlines()[1:] if line.split(",")[3].strip())
    assert logins_in_graph(clean_db) == with_device > 0


def test_a_file_holding_only_its_header_loads_its_rows_when_they_come(clean_db, tmp_path):
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    logins = inbox / f"logins_{DAYS[0]}.csv"
    full = logins.read_text()
    logins.write_text(full.splitlines(keepends=True)[0])
    assert file_status(ingest_world(inbox, clean_db), logins.name) == "empty"
    logins.write_text(full)
    later = ingest_world(inbox, clean_db)
    assert file_status(later, logins.name) == "loaded", later.file(logins.name).note
    assert later.file(logins.name).rows_loaded == len(full.splitlines()) - 1


def test_force_file_loads_the_one_file_named_not_the_folder(clean_db, tmp_path):
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    ingest_world(inbox, clean_db)
    exchanges_before = db.run_read("MATCH (a:Account) RETURN sum(a.exchanges) AS n", settings=clean_db)[0]["n"]
    logins = inbox / f"logins_{DAYS[0]}.csv"
    logins.write_text(logins.read_text() + "p000,2026-03-01T23:59:00Z,198.51.100.99,dev-late,\n")

    refused = CliRunner().invoke(cli, ["ingest", str(inbox), "--quiet"])
    assert refused.exit_code == 3, refused.output
    # the hint is a command that runs as printed (a field report: it left out the folder)
    [hint] = re.findall(r"`(ringscope ingest [^`]*--force-file [^`]*)` loads it anyway", refused.stdout)
    assert hint == f"ringscope ingest {inbox.resolve()} --force-file {logins.name}"
    forced = CliRunner().invoke(cli, [*shlex.split(hint)[1:], "--quiet"])
    assert forced.exit_code == 0, forced.output
    lines = {line.split()[0]: line for line in forced.stdout.splitlines() if line.startswith(("logins_", "exchanges_"))}
    assert "loaded" in lines[logins.name] and "skipped" in lines[f"exchanges_{DAYS[0]}.csv"]
    # only that file counted again: the exchanges are as they were
    assert db.run_read("MATCH (a:Account) RETURN sum(a.exchanges) AS n", settings=clean_db)[0]["n"] == exchanges_before
    unknown = CliRunner().invoke(cli, ["ingest", str(inbox), "--quiet", "--force-file", "logins_1999.csv"])
    assert unknown.exit_code == 1 and "--force-file logins_1999.csv: no such interchange file" in str(unknown.exception)


@contextmanager
def lock_held_elsewhere(settings, command: str = "cycle"):
    """Another process holding the writer lock of `settings`' home, as a running cycle does."""
    path = settings.local.home.parent / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    code = ("import fcntl, os, sys, time\n"
            f"h = open({str(path)!r}, 'a+'); fcntl.flock(h, fcntl.LOCK_EX); h.seek(0); h.truncate()\n"
            f"h.write(f'{{os.getpid()}} {command}'); h.flush(); print('held', flush=True); time.sleep(120)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_ingest_and_cycle_load_one_at_a_time(clean_db, tmp_path):
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    with lock_held_elsewhere(clean_db) as pid:
        for load in (lambda: ingest_world(inbox, clean_db),
                     lambda: run_cycle(inbox, clean_db, jsonl="", webhook_url="")):
            with pytest.raises(WriterBusy) as busy:
                load()
            assert f"another ringscope ingest or cycle is loading data (pid and command: {pid} cycle" in str(busy.value)
            assert "\n" not in str(busy.value)
        result = CliRunner().invoke(cli, ["ingest", str(inbox), "--quiet"])
        assert result.exit_code == 1 and isinstance(result.exception, WriterBusy)
    assert logins_in_graph(clean_db) == 0
    # the cycle's own ingest runs inside the cycle's lock (re-entrant within one process)
    with exclusive(clean_db, "cycle"):
        assert file_status(ingest_world(inbox, clean_db), f"logins_{DAYS[0]}.csv") == "loaded"
    assert logins_in_graph(clean_db) > 0


def test_rows_that_arrive_before_their_account_wait_and_load_once_it_comes(clean_db, tmp_path):
    """Field report: a day's logins, cards and exchanges landed before its accounts file (or a
    late day after the next one), and their rows for the day's new accounts were rejected as
    "link to unknown account" with exit 0; once the accounts came, the cards were never
    linked, and no later run tried again."""
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    run_cycle(inbox, clean_db, jsonl="", webhook_url="")
    deliver(inbox, DAYS[2])
    accounts = inbox / f"accounts_{DAYS[2]}.csv"
    held_back = accounts.read_text()
    accounts.unlink()  # day 3's accounts (opA6, opA7) land last
    early = run_cycle(inbox, clean_db, jsonl="", webhook_url="")
    assert early.rows_waiting == 100 and "row(s) name accounts not loaded yet" in early.summary()  # 2 + 2 + 96
    # counted among the rejected rows of their files, and said to wait (a field report: "15
    # rejected" beside "15 waiting" left the reader guessing whether that was 30 rows)
    assert "100 rejected (100 of them wait for their account)" in early.summary()
    waiting = sorted(Path(early.waiting_dir).glob("*_waiting-*.csv"))
    assert sorted(p.name.split("_waiting-")[0] for p in waiting) == ["exchanges", "logins", "payment_instruments"]
    again = ingest_world(inbox, clean_db)  # nothing new: the waiting rows stay, unread and unrecorded
    assert again.rows_waiting == 100 and sorted(Path(early.waiting_dir).glob("*.csv")) == waiting
    accounts.write_text(held_back)
    late = run_cycle(inbox, clean_db, jsonl="", webhook_url="")
    assert late.rows_waiting == 0 and not list(Path(early.waiting_dir).glob("*.csv"))
    got = graph_dump(clean_db)
    assert any(row["a"] == "opA6" and row["t"] == "PAID_WITH" for row in got)
    # the same days in order, into an empty graph, give the same graph
    db.run_write("MATCH (n) DETACH DELETE n", settings=clean_db)
    in_order = tmp_path / "in-order"
    for day in (DAYS[0], DAYS[2]):
        deliver(in_order, day)
    ingest_world(in_order, clean_db)
    assert graph_dump(clean_db) == got


def graph_dump(settings) -> list:
    """Every account's links and counts (the ledger, runs and rings aside)."""
    return db.run_read(
        "MATCH (a:Account)-[r]->(x) WHERE NOT x:Ring AND NOT x:AuditEvent "
        "RETURN a.account_id AS a, type(r) AS t, coalesce(x.instrument_id, x.device_id, x.address, x.fingerprint, "
        "x.org_id, x.domain, '') AS x, r.logins AS logins, r.exchanges AS exchanges ORDER BY a, t, x",
        settings=settings)


def test_the_cycle_names_the_files_it_leaves_to_settle(clean_db, tmp_path):
    """Field report (newcomer pass): a cycle that held back every file of a day that had just
    landed said "0 new file(s)" and nothing else, and ran detection on an empty graph."""
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    report = run_cycle(inbox, clean_db, jsonl="", webhook_url="", settle_seconds=60)
    assert sorted(report.files_settling) == sorted(p.name for p in inbox.iterdir())
    assert f"settling {len(report.files_settling)} file(s) modified in the last 60 s, left for the next run" in \
        report.summary()
    assert report.as_dict()["ingest"]["files_settling"] == report.files_settling
    assert report.detection == "nothing loaded yet" and report.rings is None
    landed_long_ago(inbox)
    later = run_cycle(inbox, clean_db, jsonl="", webhook_url="", settle_seconds=60)
    assert later.files_settling == [] and later.files_loaded == len(report.files_settling) and later.detection == "ran"
