"""`ringscope cycle` day by day on the hand-made multi-day world (tests/worlds/multiday):
the daily export's split files arrive one day at a time in a folder, and the cycle is
run on that folder as cron would, against the real test Neo4j."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auth_people import person
from ringscope import alerts, db, tagging
from ringscope.auth import PermissionDenied, os_user
from ringscope.cli import cli
from ringscope.cycle import run_cycle
from ringscope.export.bundle import export_rings


WORLD = Path(__file__).parent / "worlds" / "multiday"
DAYS = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
PEOPLE = {f"p{i:03d}" for i in range(40)}
RING_A = {f"opA{i}" for i in range(6)}
GROWN = {"opA6", "opA7"}
RETURNING = {"retB0", "retB1", "retB2"}


def deliver(inbox: Path, day: str) -> None:
    """The daily export lands: that day's split files (and, with the first, ip_intel)."""
    inbox.mkdir(exist_ok=True)
    for f in WORLD.glob(f"*_{day}.csv"):
        shutil.copy(f, inbox / f.name)
    if day == DAYS[0]:
        shutil.copy(WORLD / "ip_intel.csv", inbox / "ip_intel.csv")


def snapshot(settings) -> dict:
    """What a cycle must not change when there is nothing new: rings, members, alerts."""
    rings = db.run_read(
        "MATCH (r:Ring) OPTIONAL MATCH (r)-[h:HAS_MEMBER]->(a:Account) WHERE NOT coalesce(h.removed, false) "
        "WITH r, a ORDER BY a.account_id "
        "RETURN r.ring_id AS ring_id, r.status AS status, coalesce(r.retired, false) AS retired, "
        "collect(a.account_id) AS members ORDER BY ring_id", settings=settings)
    alert_rows = db.run_read(
        "MATCH (x:Alert) RETURN x.alert_id AS id, x.kind AS kind, x.status AS status, x.account_ids AS accounts "
        "ORDER BY id", settings=settings)
    counts = db.run_read("MATCH (n) RETURN labels(n)[0] AS label, count(*) AS n ORDER BY label", settings=settings)
    return {"rings": rings, "alerts": alert_rows,
            "nodes": {r["label"]: r["n"] for r in counts if r["label"] not in ("CycleRun", "DetectionRun", "IngestedFile")}}


def ring_of(settings, account: str) -> str:
    rows = db.run_read("MATCH (r:Ring)-[h:HAS_MEMBER]->(:Account {account_id: $a}) WHERE NOT coalesce(h.removed, false) "
                       "RETURN r.ring_id AS id", {"a": account}, settings=settings)
    assert len(rows) == 1, f"{account} should be in exactly one ring, found {rows}"
    return rows[0]["id"]


def test_four_days_raise_new_ring_nothing_grown_ring_then_recidivism(clean_db, tmp_path):
    settings = clean_db
    inbox = tmp_path / "export"
    jsonl = tmp_path / "siem" / "alerts.jsonl"

    # day 1: the first export; ring A is found and reported once
    deliver(inbox, DAYS[0])
    day1 = run_cycle(inbox, settings, jsonl=str(jsonl), webhook_url="")
    assert day1.detection == "ran" and day1.files_loaded >= 5
    assert [a.kind for a in day1.raised] == ["new_ring"]
    # the run's (:DetectionRun) counts reach the report and its summary
    assert (day1.ring_changes["created"], day1.ring_changes["new"], day1.ring_changes["weakened"]) == (1, 1, 0)
    assert "1 new, 0 kept their id (0 grew, 0 weakened, 0 found again); 0 no longer found" in day1.summary()
    first = day1.raised[0]
    assert set(first.account_ids) == RING_A
    ring_a = first.ring_id
    assert ring_of(settings, "opA0") == ring_a
    assert day1.outputs == {"jsonl": 1}
    assert [json.loads(line)["alert_id"] for line in jsonl.read_text().splitlines()] == [first.alert_id]

    # the same day again (cron fired twice): nothing loaded, detection skipped, nothing changes
    before = snapshot(settings)
    again = run_cycle(inbox, settings, jsonl=str(jsonl), webhook_url="")
    assert again.files_loaded == 0 and again.detection.startswith("nothing loaded")
    assert again.raised == [] and again.outputs == {"jsonl": 0}
    assert snapshot(settings) == before
    assert len(jsonl.read_text().splitlines()) == 1

    # day 2: more of the same traffic, no new account: detection runs, raises nothing
    deliver(inbox, DAYS[1])
    day2 = run_cycle(inbox, settings, jsonl=str(jsonl), webhook_url="")
    assert day2.files_loaded >= 1 and day2.detection == "ran"
    assert day2.raised == []
    assert ring_of(settings, "opA0") == ring_a

    # day 3: two more accounts on ring A's cards and VM image: one ring_grew alert, same ring id
    deliver(inbox, DAYS[2])
    day3 = run_cycle(inbox, settings, jsonl=str(jsonl), webhook_url="")
    assert [(a.kind, a.ring_id, set(a.account_ids)) for a in day3.raised] == [("ring_grew", ring_a, GROWN)]
    assert day3.raised[0].severity == "medium"  # nobody has confirmed the ring yet

    # investigators confirm ring A and export it for enforcement
    tagging.set_status(ring_a, "confirmed", by=person("alice"), settings=settings)
    export_rings(tmp_path / "bundles", ring_id=ring_a, by=person("alice"), settings=settings)

    # day 4: the operator returns with fresh accounts on an old VM image and the same prompt
    # set, and one enforced account is still in use
    deliver(inbox, DAYS[3])
    day4 = run_cycle(inbox, settings, jsonl=str(jsonl), webhook_url="")
    assert day4.watched == len(RING_A | GROWN)
    kinds = {a.kind: a for a in day4.raised}
    assert set(kinds) == {"recidivism", "actioned_active"}, day4.summary()
    assert set(kinds["recidivism"].account_ids) == RETURNING
    assert kinds["recidivism"].ring_id == ring_a and kinds["recidivism"].severity == "high"
    assert "device vm-img-a-0" in kinds["recidivism"].reason
    assert kinds["actioned_active"].account_ids == ("opA2",)

    # over the four days no ordinary person was ever alerted on
    everyone = {acc for a in alerts.list_alerts(settings=settings) for acc in a.account_ids}
    assert everyone == RING_A | GROWN | RETURNING
    assert not everyone & PEOPLE
    # every alert reached the JSONL file exactly once
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert sorted(x["alert_id"] for x in lines) == sorted(a.alert_id for a in alerts.list_alerts(settings=settings))

    # and re-running day 4 changes nothing
    before = snapshot(settings)
    rerun = run_cycle(inbox, settings, jsonl=str(jsonl), webhook_url="")
    assert rerun.raised == [] and rerun.files_loaded == 0
    assert snapshot(settings) == before


def test_forced_redetection_on_unchanged_data_raises_nothing(clean_db, tmp_path):
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    first = run_cycle(inbox, clean_db, jsonl="", webhook_url="")
    assert [a.kind for a in first.raised] == ["new_ring"]
    before = snapshot(clean_db)
    forced = run_cycle(inbox, clean_db, detect="always", jsonl="", webhook_url="")
    assert forced.detection == "ran" and forced.raised == []
    assert snapshot(clean_db) == before


def test_acknowledging_in_the_cli_writes_the_audit_trail(clean_db, tmp_path, capsys, monkeypatch):
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    runner = CliRunner()
    result = runner.invoke(cli, ["cycle", str(inbox), "--no-webhook", "--jsonl", "", "--no-progress", "--settle", "0"])
    assert result.exit_code == 0, result.output
    assert "1 raised (new_ring 1)" in result.output

    listed = runner.invoke(cli, ["alerts", "--status", "open", "--format", "jsonl"])
    assert listed.exit_code == 0, listed.output
    [alert] = [json.loads(line) for line in listed.output.splitlines()]
    assert alert["kind"] == "new_ring" and alert["status"] == "open"

    acked = runner.invoke(cli, ["alerts", "ack", alert["alert_id"], "--by", "bob", "--note", "looking at it"])
    assert acked.exit_code == 0, acked.output
    assert "open -> acknowledged" in acked.output
    twice = runner.invoke(cli, ["alerts", "ack", alert["alert_id"], "--by", "bob"])
    assert "already acknowledged" in twice.output

    assert runner.invoke(cli, ["alerts", "--status", "open", "--format", "jsonl"]).output.strip() == ""
    csv_out = runner.invoke(cli, ["alerts", "--format", "csv"]).output.splitlines()
    assert csv_out[0].startswith("alert_id,created_at,severity,kind,status") and ",acknowledged," in csv_out[1]

    # the CLI records the typed name with the OS user running it
    who = f"bob (os user {os_user()})"
    [event] = alerts.history(alert["alert_id"], settings=clean_db)
    assert (event.by, event.action, event.before, event.after) == (
        who, "set_alert_status", {"status": "open"}, {"status": "acknowledged", "note": "looking at it"})
    stored = alerts.get_alert(alert["alert_id"], settings=clean_db)
    assert stored.status == "acknowledged" and stored.status_by == who and stored.status_at
    shown = runner.invoke(cli, ["alerts", "history", alert["alert_id"]])
    assert f"{who} set_alert_status: open -> acknowledged (looking at it)" in shown.output

    # one line, non-zero, for an unknown alert or a missing name
    from ringscope.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["alerts", "ack", "AL-nope", "--by", "bob"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.endswith("\n") and "\n" not in err[:-1] and "AL-nope" in err, err
    monkeypatch.delenv("RINGSCOPE_INVESTIGATOR", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["alerts", "ack", alert["alert_id"]])  # no --by, no RINGSCOPE_INVESTIGATOR
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert err == "error: no name for the audit trail: pass --by NAME or set RINGSCOPE_INVESTIGATOR in .env\n", err
    with pytest.raises(alerts.AlertError, match="needs the identity"):
        alerts.dismiss(alert["alert_id"], by="bob", settings=clean_db)  # a typed name proves nothing
    with pytest.raises(PermissionDenied):
        alerts.dismiss(alert["alert_id"], by=person("vic", role="viewer"), settings=clean_db)
    assert alerts.get_alert(alert["alert_id"], settings=clean_db).status == "acknowledged"


def test_a_second_cycle_at_the_same_time_is_refused(clean_db, tmp_path):
    from test_ingest_landing import lock_held_elsewhere
    from ringscope.writer_lock import WriterBusy

    with lock_held_elsewhere(clean_db):
        with pytest.raises(WriterBusy, match="another ringscope ingest or cycle is loading data"):
            run_cycle(tmp_path, clean_db, jsonl="", webhook_url="")


def test_a_failing_webhook_exits_3_keeps_the_alert_pending_and_never_prints_the_url(clean_db, tmp_path, monkeypatch):
    from test_webhook import PATH_SECRET, SECRET, Receiver

    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    with Receiver([(503, 0)] * 10) as rx:
        monkeypatch.setenv("RINGSCOPE_ALERT_WEBHOOK_URL", rx.url)
        result = CliRunner().invoke(cli, ["cycle", str(inbox), "--jsonl", "", "--no-progress", "--settle", "0"])
        assert len(rx.requests) == 4  # the first attempt and three retries
    assert result.exit_code == 3, result.output
    text = result.output  # stdout and stderr as a terminal shows them
    assert "webhook: FAILED: webhook http://127.0.0.1:" in text
    assert "error: webhook output failed:" in text
    assert SECRET not in text and PATH_SECRET not in text
    [pending] = alerts.pending("webhook", clean_db)
    assert pending.kind == "new_ring"

    # the receiver is back: the next cycle (nothing new to load) delivers it
    with Receiver([]) as rx:
        report = run_cycle(inbox, clean_db, jsonl="", webhook_url=rx.url)
        assert report.outputs == {"webhook": 1} and report.raised == []
        assert json.loads(rx.requests[0]["body"])["alerts"][0]["alert_id"] == pending.alert_id


def test_a_world_without_operators_raises_no_alert(clean_db, tmp_path):
    """The same four days with only the ordinary people: the cycle must stay silent."""
    import csv

    inbox = tmp_path / "export"
    inbox.mkdir()
    for day in DAYS:
        for source in WORLD.glob(f"*_{day}.csv"):
            with source.open() as fh, (inbox / source.name).open("w", newline="") as out:
                reader = csv.reader(fh)
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(next(reader))
                writer.writerows(row for row in reader if row[0] in PEOPLE)
        if day == DAYS[0]:
            shutil.copy(WORLD / "ip_intel.csv", inbox / "ip_intel.csv")
        report = run_cycle(inbox, clean_db, jsonl="", webhook_url="")
        assert report.rows_loaded > 0
        assert report.raised == [], report.summary()
    assert alerts.list_alerts(settings=clean_db) == []


def test_the_replay_benchmark_cuts_a_world_into_days_without_losing_a_row(tmp_path):
    import importlib.util

    import duckdb

    spec = importlib.util.spec_from_file_location("bench_replay", Path(__file__).parent.parent / "benchmarks" / "bench_replay.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_replay"] = bench  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    out = tmp_path / "daily"
    slices = bench.slice_world(WORLD, out)
    assert [d.isoformat() for d in slices.days][0] == "2026-02-23" and slices.days[-1].isoformat() == "2026-03-04"
    assert slices.rings == {"ring-A": RING_A | GROWN | RETURNING} and slices.legit == PEOPLE
    for kind, column in (("exchanges", "ts"), ("logins", "ts"), ("accounts", "created_at")):
        src = duckdb.sql(f"SELECT count(*) FROM read_csv('{WORLD}/{kind}_*.csv', all_varchar=true)").fetchall()[0][0]
        cut = duckdb.sql(f"SELECT count(*) FROM read_csv('{out}/{kind}_*.csv', all_varchar=true)").fetchall()[0][0]
        assert cut == src, kind
    # every exchange arrives with the export of its own day
    for day in slices.days[1:]:
        days = duckdb.sql(f"SELECT DISTINCT CAST(ts AS TIMESTAMPTZ)::DATE FROM read_csv('{out}/exchanges_{day}.csv', "
                          f"all_varchar=true)").fetchall()
        assert [d for (d,) in days] in ([day], [])
    # an account arrives no later than its first row of any kind
    late = duckdb.sql(
        f"SELECT count(*) FROM read_csv('{out}/exchanges_*.csv', all_varchar=true, filename=true) e "
        f"JOIN read_csv('{out}/accounts_*.csv', all_varchar=true, filename=true) a USING (account_id) "
        f"WHERE a.filename > e.filename.replace('exchanges_', 'accounts_')").fetchall()[0][0]
    assert late == 0


def test_the_replay_benchmark_without_operators_delivers_every_legitimate_row_and_no_operator_row(tmp_path):
    """`bench_replay.py --without-operators`: the control world is the same people alone."""
    import importlib.util

    import duckdb

    spec = importlib.util.spec_from_file_location("bench_replay", Path(__file__).parent.parent / "benchmarks" / "bench_replay.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_replay"] = bench
    spec.loader.exec_module(bench)
    out = tmp_path / "daily"
    slices = bench.slice_world(WORLD, out, without_operators=True)
    assert slices.rings == {} and slices.legit == PEOPLE
    operators = RING_A | GROWN | RETURNING
    for kind in ("exchanges", "logins", "accounts", "payment_instruments"):
        src = duckdb.sql(f"SELECT account_id FROM read_csv('{WORLD}/{kind}_*.csv', all_varchar=true)").fetchall()
        cut = duckdb.sql(f"SELECT account_id FROM read_csv('{out}/{kind}_*.csv', all_varchar=true)").fetchall()
        assert not {a for (a,) in cut} & operators, kind
        assert len(cut) == sum(1 for (a,) in src if a not in operators) > 0, kind


def test_a_file_changed_since_it_was_loaded_is_named_in_the_cycle_summary(clean_db, tmp_path):
    """A day's file exported again with other rows is refused by ingest ("changed since
    loaded"); the cycle's screen said only "0 new file(s) ... N already loaded" and the file
    fell out of the count, so a scheduler's log never showed that its rows were left out."""
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    run_cycle(inbox, clean_db, jsonl="", webhook_url="")
    logins = inbox / f"logins_{DAYS[0]}.csv"
    logins.write_text(logins.read_text() + "p000,2026-03-01T23:59:00Z,198.51.100.99,,\n")
    report = run_cycle(inbox, clean_db, jsonl="", webhook_url="")
    assert report.files_loaded == 0 and [name for name, _ in report.files_refused] == [logins.name]
    assert f"  refused  {logins.name}: was loaded on " in report.summary()
    assert report.as_dict()["ingest"]["files_refused"][0]["file"] == logins.name
    # and the commands say so to a scheduler: exit status 3, not 0 (a field report: cron saw
    # success while a day's rows were left out) nor 2 (a usage error: the command never ran),
    # with a hint that names a real command and only that file
    for command in (["cycle", str(inbox), "--jsonl", "", "--no-webhook", "--no-progress", "--settle", "0"],
                    ["ingest", str(inbox), "--quiet"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 3, (command, result.output)
        assert f"error: 1 file(s) refused, their rows not loaded: {logins.name}" in result.stderr
        assert f"`ringscope ingest {inbox.resolve()} --force-file {logins.name}` loads it anyway" in result.stdout


def test_the_cli_passes_workers_to_ingest_and_finds_the_same_ring(clean_db, tmp_path):
    """`cycle --workers 2` (two sessions per link stage, for a server with cores to spare)
    loads the same day as one session and raises the same alert; `--workers 0` is refused."""
    inbox = tmp_path / "export"
    deliver(inbox, DAYS[0])
    refused = CliRunner().invoke(cli, ["cycle", str(inbox), "--workers", "0", "--no-progress"])
    assert refused.exit_code == 2 and "--workers" in refused.output
    result = CliRunner().invoke(cli, ["cycle", str(inbox), "--workers", "2", "--jsonl", "", "--no-webhook",
                                      "--no-progress", "--json", "--settle", "0"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ingest"]["files_loaded"] >= 5 and report["ingest"]["rows_rejected"] == 0
    [raised] = report["alerts_raised"]
    assert raised["kind"] == "new_ring" and set(raised["account_ids"]) == RING_A
