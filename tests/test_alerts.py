"""Alert rules, statuses and outputs on small hand-built graphs (rings written the way
detection writes them), against the real test Neo4j."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auth_people import person
from ringscope import alerts, db, tagging
from ringscope.auth import PermissionDenied, local_identity
from ringscope.cli import cli
from test_webhook import Receiver, no_proxy_from_the_environment  # noqa: F401 (autouse: receivers are on 127.0.0.1)


HOSTILE = "evil\u202egnp.exe\nnext"


def graph(settings, *, members, ring_id="R-1", cards=None, devices=None, templates=None, extra_accounts=()):
    """Accounts, their cards/devices/templates, and a ring over `members` added by detection."""
    cards, devices, templates = cards or {}, devices or {}, templates or {}
    accounts = sorted(set(members) | set(extra_accounts) | set(cards) | set(devices) | set(templates))
    db.run_write("UNWIND $ids AS id MERGE (a:Account {account_id: id}) SET a.exchanges = coalesce(a.exchanges, 10)",
                 {"ids": accounts}, settings=settings)
    for rel, label, key, links in (("PAID_WITH", "PaymentInstrument", "instrument_id", cards),
                                   ("USED_DEVICE", "Device", "device_id", devices),
                                   ("SENT_TEMPLATE", "PromptTemplate", "fingerprint", templates)):
        rows = [{"a": a, "k": k} for a, ks in links.items() for k in ks]
        db.run_write(f"UNWIND $rows AS row MATCH (a:Account {{account_id: row.a}}) MERGE (n:{label} {{{key}: row.k}}) "
                     f"MERGE (a)-[:{rel}]->(n)", {"rows": rows}, settings=settings)
        db.run_write(f"MATCH (n:{label}) SET n.accounts = COUNT {{ (n)<-[:{rel}]-() }}", settings=settings)
    add_to_ring(settings, ring_id, members)


def add_to_ring(settings, ring_id, members):
    db.run_write("MERGE (r:Ring {ring_id: $rid}) ON CREATE SET r.status = 'new', r.labels = [], r.score = 0.9, "
                 "r.signals = ['instrument_fanout'], r.retired = false "
                 "WITH r UNWIND $ids AS id MATCH (a:Account {account_id: id}) "
                 "MERGE (r)-[h:HAS_MEMBER]->(a) ON CREATE SET h.added_by = 'detect', h.removed = false, h.added_at = datetime()",
                 {"rid": ring_id, "ids": list(members)}, settings=settings)


def kinds(run):
    return [(a.kind, a.ring_id, a.account_ids, a.severity) for a in run.raised]


def test_alert_id_is_stable_and_separates_its_parts():
    assert alerts.alert_id("new_ring", "R", ["b", "a"]) == alerts.alert_id("new_ring", "R", ["a", "b", "a"])
    assert alerts.alert_id("new_ring", "R", ["a", "bc"]) != alerts.alert_id("new_ring", "R", ["ab", "c"])
    assert alerts.alert_id("new_ring", "R", ["a"]) != alerts.alert_id("ring_grew", "R", ["a"])


def test_new_ring_once_then_growth_more_severe_once_confirmed(clean_db):
    graph(clean_db, members=["a1", "a2", "a3"])
    assert kinds(alerts.run_rules(clean_db)) == [("new_ring", "R-1", ("a1", "a2", "a3"), "medium")]
    assert alerts.run_rules(clean_db).raised == []

    graph(clean_db, members=["a4"], extra_accounts=["a4"])
    assert kinds(alerts.run_rules(clean_db)) == [("ring_grew", "R-1", ("a4",), "medium")]
    assert alerts.run_rules(clean_db).raised == []

    tagging.set_status("R-1", "confirmed", by=person("alice"), settings=clean_db)
    graph(clean_db, members=["a5"], extra_accounts=["a5"])
    # a5 shares nothing with the ring: not recidivism, but growth of a confirmed ring
    [grew] = alerts.run_rules(clean_db).raised
    assert (grew.kind, grew.account_ids, grew.severity) == ("ring_grew", ("a5",), "high")
    assert "(confirmed)" in grew.reason

    # an account an investigator adds is their decision, not an alert
    db.run_write("MERGE (a:Account {account_id: 'inv1'})", settings=clean_db)
    tagging.add_members("R-1", ["inv1"], by=person("alice"), settings=clean_db)
    assert alerts.run_rules(clean_db).raised == []
    # linked to the ring and its accounts
    row = db.run_read("MATCH (x:Alert {kind: 'new_ring'})-[:CONCERNS]->(n) RETURN collect(coalesce(n.ring_id, n.account_id)) AS ids",
                      settings=clean_db)[0]
    assert sorted(row["ids"]) == ["R-1", "a1", "a2", "a3"]


POPULAR = ["pop-1", "pop-2", "pop-3"]


def test_recidivism_on_cards_devices_and_a_template_set_not_on_supernodes(clean_db):
    """The ring's own identifiers count; a supernode card and templates mostly sent by
    others (the ring uses popular templates too) do not, nor a heavy user whose templates
    include a few of the ring's set (issue 16: 3 of 3,000 legitimate accounts at seed 22)."""
    ring = ["r1", "r2", "r3"]
    set_ = ["t-1", "t-2", "t-3", "t-4"]
    graph(clean_db, members=ring,
          cards={"r1": ["card-r"], "r2": ["card-r"], "r3": ["card-busy"], "new-card": ["card-r"], "busy": ["card-busy"]},
          devices={"r1": ["vm-1"], "r2": ["vm-1"], "new-dev": ["vm-1"]},
          templates={"r1": set_ + POPULAR, "r2": set_ + POPULAR, "r3": set_ + POPULAR, "new-3tpl": set_[:3],
                     "new-2tpl": set_[:2], "popular-user": POPULAR,
                     # a heavy user: three of the set among its thirteen templates (chance, not the set)
                     "power-user": set_[:3] + [f"own-{i}" for i in range(10)],
                     **{f"other{i}": POPULAR for i in range(5)}})
    # card-busy is on far more accounts than the supernode cap: sharing it says nothing
    db.run_write("MATCH (p:PaymentInstrument {instrument_id: 'card-busy'}) SET p.accounts = 5000", settings=clean_db)
    assert [a.kind for a in alerts.run_rules(clean_db).raised] == ["new_ring"]  # not confirmed yet: no watch

    tagging.set_status("R-1", "confirmed", by=person("alice"), settings=clean_db)
    [recid] = alerts.run_rules(clean_db).raised
    assert recid.kind == "recidivism" and recid.severity == "high"
    assert recid.account_ids == ("new-3tpl", "new-card", "new-dev")
    assert "new-card (instrument card-r)" in recid.reason and "new-dev (device vm-1)" in recid.reason
    assert "new-3tpl (3 of its prompt templates)" in recid.reason
    assert alerts.run_rules(clean_db).raised == []

    # detection later folds one of them into the confirmed ring: already reported, no ring_grew
    add_to_ring(clean_db, "R-1", ["new-card"])
    assert alerts.run_rules(clean_db).raised == []
    # an investigator took an account out of the case: their call, never alerted as recidivism
    db.run_write("MERGE (a:Account {account_id: 'cleared'}) WITH a MATCH (p:PaymentInstrument {instrument_id: 'card-r'}) "
                 "MERGE (a)-[:PAID_WITH]->(p)", settings=clean_db)
    add_to_ring(clean_db, "R-1", ["cleared"])
    tagging.remove_members("R-1", ["cleared"], by=person("alice"), settings=clean_db)
    assert alerts.run_rules(clean_db).raised == []


def test_status_changes_are_audited_and_only_open_alerts_go_out(clean_db, tmp_path):
    graph(clean_db, members=["a1", "a2"], ring_id="R-1")
    graph(clean_db, members=["b1", "b2"], ring_id="R-2")
    run = alerts.run_rules(clean_db)
    one, two = sorted(run.raised, key=lambda a: a.ring_id)
    assert alerts.dismiss(one.alert_id, by=person("carol"), note="known test accounts", settings=clean_db).changed
    assert not alerts.dismiss(one.alert_id, by=person("carol"), settings=clean_db).changed
    assert alerts.reopen(one.alert_id, by=person("dave"), settings=clean_db).after == "open"
    assert alerts.dismiss(one.alert_id, by=person("dave"), settings=clean_db).after == "dismissed"
    trail = alerts.history(one.alert_id, settings=clean_db)
    assert [(e.seq, e.by, e.before["status"], e.after["status"]) for e in trail] == [
        (3, "dave", "open", "dismissed"), (2, "dave", "dismissed", "open"), (1, "carol", "open", "dismissed")]
    # ring histories are untouched (the alert's events are about the alert)
    assert tagging.history("R-1", settings=clean_db) == []
    with pytest.raises(alerts.AlertError, match="unknown alert status"):
        alerts.set_status(one.alert_id, "closed", by=person("x"), settings=clean_db)
    with pytest.raises(alerts.AlertError, match="no alert with id"):
        alerts.acknowledge("AL-missing", by=person("x"), settings=clean_db)

    assert [a.alert_id for a in alerts.list_alerts(status="open", settings=clean_db)] == [two.alert_id]
    path = tmp_path / "out" / "alerts.jsonl"
    assert alerts.notify(clean_db, jsonl=str(path), webhook_url="") == {"jsonl": 1}
    assert alerts.notify(clean_db, jsonl=str(path), webhook_url="") == {"jsonl": 0}
    [line] = path.read_text().splitlines()
    assert json.loads(line)["alert_id"] == two.alert_id


def test_a_failed_webhook_leaves_alerts_pending_for_the_next_run(clean_db):
    graph(clean_db, members=["a1", "a2"])
    [alert] = alerts.run_rules(clean_db).raised
    with Receiver([(503, 0)] * 5) as rx:
        report = alerts.notify(clean_db, jsonl="", webhook_url=rx.url)
        assert report["webhook"].startswith("webhook http://127.0.0.1:")
        assert "token" not in report["webhook"]
        assert [a.alert_id for a in alerts.pending("webhook", clean_db)] == [alert.alert_id]
    with Receiver([]) as rx:
        assert alerts.notify(clean_db, jsonl="", webhook_url=rx.url) == {"webhook": 1}
        assert json.loads(rx.requests[0]["body"])["alerts"][0]["alert_id"] == alert.alert_id
        assert alerts.notify(clean_db, jsonl="", webhook_url=rx.url) == {"webhook": 0}
    assert len(rx.requests) == 1


def test_hostile_account_ids_are_shown_inert(clean_db):
    graph(clean_db, members=[HOSTILE, "=cmd|' /C calc'!A0", "ok"])
    alerts.run_rules(clean_db)
    runner = CliRunner()
    table = runner.invoke(cli, ["alerts"])
    assert table.exit_code == 0
    assert "\u202e" not in table.output
    assert len(table.output.strip().splitlines()) == 2  # header + one alert: the newline stayed inside the row
    rows = runner.invoke(cli, ["alerts", "--format", "csv"]).output
    # CSV is data: the ids stay as stored, so they join back to the graph (a field report:
    # an id with a bidi control came out with `?` in it), and a formula is quoted
    [row] = csv.DictReader(io.StringIO(rows))
    assert row["accounts"].split(";") == ["'=cmd|' /C calc'!A0", HOSTILE, "ok"]  # a formula: quoted
    lines = runner.invoke(cli, ["alerts", "--format", "jsonl"]).output.splitlines()
    assert HOSTILE in json.loads(lines[0])["account_ids"]  # JSON keeps the data exact for machines


def test_the_inbox_page_filters_acknowledges_and_opens_the_ring(clean_db, request):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    graph(clean_db, members=["a1", "a2"], ring_id="R-1")
    graph(clean_db, members=[HOSTILE, "b2"], ring_id="R-2")
    raised = {a.ring_id: a for a in alerts.run_rules(clean_db).raised}
    st.cache_data.clear()
    # served as `ringscope app` serves it by default (127.0.0.1): without sign-in configured
    # the app acts as the single local user (see test_app_pages.served_on_loopback)
    before = st.get_option("server.address")
    st.config.set_option("server.address", "127.0.0.1")
    request.addfinalizer(lambda: st.config.set_option("server.address", before))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app" / "main.py"), default_timeout=90)
    at.switch_page("app_pages/alerts.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Alert inbox"
    options = at.selectbox(key="alerts_pick").options
    assert sorted(o.rsplit(" · ", 1)[1] for o in options) == sorted(a.alert_id for a in raised.values())
    # attacker-chosen ids are shown as inert text: with R-2's alert open, its hostile account id
    # is on the page in its neutralised form, and no raw bidi override reaches the markdown
    from ringscope.app import ui

    at.selectbox(key="alerts_pick").set_value(raised["R-2"].alert_id).run()
    assert not at.exception, [e.value for e in at.exception]
    [accounts] = [m.value for m in at.markdown if m.value.startswith("**Accounts:**")]
    assert ui.md(HOSTILE) == "evil\u27e8U\\+202E\u27e9gnp\\.exe next"  # the override shown as its code point
    assert ui.md(HOSTILE) in accounts.split(", ")
    assert all("\u202e" not in m.value for m in at.markdown)
    # an alert the webhook set aside says so, and an investigator sends it again from here
    assert not at.warning
    alerts.set_aside("webhook", [(raised["R-2"].alert_id, "HTTP 400")], clean_db)
    at.run()
    assert [w.value for w in at.warning if w.value.startswith(ui.md("Set aside: webhook: HTTP 400 at "))], \
        [w.value for w in at.warning]
    at.button(key=f"alert_retry::{raised['R-2'].alert_id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert alerts.refused_alerts(clean_db) == [] and not at.warning
    assert [(e.action, e.by) for e in alerts.history(raised["R-2"].alert_id, settings=clean_db)] == [
        ("retry_refused", local_identity().label), ("set_aside", "ringscope")]

    # the app without a provider acts as the single local user, recorded as such
    at.selectbox(key="alerts_pick").set_value(raised["R-1"].alert_id).run()
    at.text_input(key=f"alert_note::{raised['R-1'].alert_id}").input("seen in the queue")
    at.button[0].click().run()  # Acknowledge (the form's first button)
    assert not at.exception, [e.value for e in at.exception]
    stored = alerts.get_alert(raised["R-1"].alert_id, clean_db)
    assert (stored.status, stored.status_by) == ("acknowledged", local_identity().label)
    [event] = alerts.history(stored.alert_id, settings=clean_db)
    assert event.after == {"status": "acknowledged", "note": "seen in the queue"}
    # the open filter no longer lists it
    assert [o.rsplit(" · ", 1)[1] for o in at.selectbox(key="alerts_pick").options] == [raised["R-2"].alert_id]
    # and a status filter shows it again
    at.selectbox(key="alerts_status").set_value("acknowledged").run()
    assert [o.rsplit(" · ", 1)[1] for o in at.selectbox(key="alerts_pick").options] == [raised["R-1"].alert_id]
    # "Open the ring" goes to the ring view with the ring's id
    at.button(key=f"alert_open::{raised['R-1'].alert_id}").click().run()
    assert at.query_params.get("ring") in ("R-1", ["R-1"])


def test_a_reported_ring_detection_no_longer_finds_raises_ring_weakened_once(clean_db):
    graph(clean_db, members=["a1", "a2", "a3"])
    alerts.run_rules(clean_db)
    tagging.set_status("R-1", "confirmed", by=person("alice"), settings=clean_db)
    # what detection's retire step does to a ring it no longer finds
    db.run_write("MATCH (r:Ring {ring_id: 'R-1'}) SET r.retired = true, r.detection_status = 'stale', "
                 "r.retired_at = datetime('2026-03-05T06:00:00Z'), r.weakened = true, "
                 "r.weakened_at = datetime('2026-03-05T06:00:00Z'), r.lost_members = ['a1', 'a2', 'a3'], "
                 "r.weakened_reason = 'no longer found by detection: of its 3 detected accounts, 3 in no ring'",
                 settings=clean_db)
    [weak] = alerts.run_rules(clean_db).raised
    assert (weak.kind, weak.ring_id, weak.account_ids, weak.severity) == ("ring_weakened", "R-1", ("a1", "a2", "a3"), "high")
    assert "no longer found" in weak.reason and "3 in no ring" in weak.reason
    assert alerts.run_rules(clean_db).raised == []


def weaken(settings, ring_id, at, lost, reason):
    """What detection's write-back does to a ring it finds again with less support."""
    db.run_write("MATCH (r:Ring {ring_id: $rid}) SET r.weakened = true, r.detection_status = 'weakened', "
                 "r.weakened_at = datetime($at), r.lost_members = $lost, r.weakened_reason = $why",
                 {"rid": ring_id, "at": at, "lost": lost, "why": reason}, settings=settings)


def test_a_ring_found_with_less_support_raises_ring_weakened_once_per_weakening(clean_db):
    # never reported, never touched: still a flagged ring whose change someone must see
    graph(clean_db, members=["a1", "a2", "a3", "a4"])
    weaken(clean_db, "R-1", "2026-03-05T06:00:00Z", ["a4"], "lost 1 of its 5 accounts (a4)")
    raised = alerts.run_rules(clean_db).raised
    weak = [a for a in raised if a.kind == "ring_weakened"]
    assert [(a.ring_id, a.account_ids, a.severity) for a in weak] == [("R-1", ("a4",), "medium")]
    assert "weakened: lost 1 of its 5 accounts (a4)" in weak[0].reason
    assert alerts.run_rules(clean_db).raised == []
    # found whole, then weakened again later with the same account lost: a new finding
    db.run_write("MATCH (r:Ring {ring_id: 'R-1'}) SET r.weakened = false", settings=clean_db)
    assert alerts.run_rules(clean_db).raised == []
    weaken(clean_db, "R-1", "2099-01-01T00:00:00Z", ["a4"], "lost 1 of its 5 accounts (a4)")
    [again] = alerts.run_rules(clean_db).raised
    assert again.kind == "ring_weakened" and again.alert_id != weak[0].alert_id
    # evidence lost, no account: the alert names the ring's case
    graph(clean_db, members=["b1", "b2"], ring_id="R-2")
    alerts.run_rules(clean_db)
    weaken(clean_db, "R-2", "2099-01-02T00:00:00Z", [], "signals no longer seen: device_fanout")
    [ev] = alerts.run_rules(clean_db).raised
    assert (ev.ring_id, ev.account_ids) == ("R-2", ("b1", "b2")) and "device_fanout" in ev.reason


def stored_alerts(settings, n, prefix="AL-many"):
    """`n` open alerts written by the rules' own stored write (no ring or account needed)."""
    rows = [{"alert_id": f"{prefix}-{i:04d}", "kind": "new_ring", "severity": "medium", "ring_id": f"R-{i}",
             "account_ids": [f"acc-{i}"], "reason": f"ring R-{i}"} for i in range(n)]
    db.run("write_alerts", {"alerts": rows, "now": "2026-03-01T06:00:00Z", "run_id": "test"}, mode=db.WRITE,
           settings=settings)
    return [r["alert_id"] for r in rows]


def test_each_accepted_batch_is_marked_at_once(clean_db):
    """150 pending, the receiver accepts the first batch (100) then stays down: the next run
    used to send the first 100 again (nothing was marked); now only the 50 remain."""
    ids = stored_alerts(clean_db, 150)
    with Receiver([(200, 0)] + [(503, 0)] * 10) as rx:
        report = alerts.notify(clean_db, jsonl="", webhook_url=rx.url)
    assert "100 of 150 alert(s) delivered, 50 stay pending for the next run" in report["webhook"]
    assert "\n" not in report["webhook"] and "token" not in report["webhook"]
    assert [a.alert_id for a in alerts.pending("webhook", clean_db)] == ids[100:]
    with Receiver([]) as rx:
        assert alerts.notify(clean_db, jsonl="", webhook_url=rx.url) == {"webhook": 50}
    assert [a["alert_id"] for a in json.loads(rx.requests[0]["body"])["alerts"]] == ids[100:]


def test_an_alert_the_receiver_refuses_is_set_aside_listed_and_retried_on_purpose(clean_db):
    """One alert the receiver refuses (HTTP 400) held back every alert after it and was sent
    again, with the batch before it, every day (exit 2 daily). Now the rest is delivered,
    the refused one is set aside once, reported, listed, and sent again only on request."""
    ids = stored_alerts(clean_db, 150)
    bad = ids[120]
    judge = lambda batch: 400 if any(a["alert_id"] == bad for a in batch) else 200  # noqa: E731
    with Receiver([], judge=judge) as rx:
        report = alerts.notify(clean_db, jsonl="", webhook_url=rx.url)
        assert f"refused 1 alert(s) on their own (HTTP 400: {bad})" in report["webhook"]
        assert "149 of 150 alert(s) delivered" in report["webhook"] and "\n" not in report["webhook"]
        assert alerts.pending("webhook", clean_db) == []
        sent = len(rx.requests)
        # the next run sends nothing: nothing re-sent, nothing failing
        assert alerts.notify(clean_db, jsonl="", webhook_url=rx.url) == {"webhook": 0}
        assert len(rx.requests) == sent
    runner = CliRunner()
    listed = runner.invoke(cli, ["alerts", "refused"])
    assert listed.exit_code == 0, listed.output
    [row] = [line for line in listed.stdout.splitlines() if line.startswith("AL-")]
    assert row.startswith(bad) and "webhook: HTTP 400" in row
    [refused] = alerts.refused_alerts(clean_db)
    assert (refused.alert.alert_id, refused.refused, refused.why) == (bad, ("webhook",), "webhook: HTTP 400")
    # the JSONL file is another output: it still receives the alert
    assert bad in [a.alert_id for a in alerts.pending("jsonl", clean_db, limit=200)]

    unknown = runner.invoke(cli, ["alerts", "retry", "AL-nope", "--by", "bob"])
    assert isinstance(unknown.exception, alerts.AlertError) and "not set aside" in str(unknown.exception)
    # sending again is an investigator's decision, checked where it is written
    with pytest.raises(PermissionDenied, match="viewer role"):
        alerts.retry_refused([bad], by=person("vic", role="viewer"), settings=clean_db)
    assert [r.alert.alert_id for r in alerts.refused_alerts(clean_db)] == [bad]
    again = runner.invoke(cli, ["alerts", "retry", bad, "--by", "bob"])
    assert again.exit_code == 0 and "1 alert(s) put back" in again.output, again.output
    assert [a.alert_id for a in alerts.pending("webhook", clean_db)] == [bad]
    assert alerts.refused_alerts(clean_db) == []
    # both steps are in the alert's audit trail, newest first (before, neither was)
    trail = alerts.history(bad, settings=clean_db)
    assert [(e.action, e.by.split(" ")[0]) for e in trail] == [("retry_refused", "bob"), ("set_aside", "ringscope")]
    assert [alerts.describe(e) for e in trail] == [
        "sent again to webhook (was webhook: HTTP 400)", "set aside by webhook: HTTP 400"]
    shown = runner.invoke(cli, ["alerts", "history", bad]).output
    assert "set_aside: set aside by webhook: HTTP 400" in shown and "retry_refused: sent again to webhook" in shown
    with Receiver([]) as rx:  # the receiver takes it now
        assert alerts.notify(clean_db, jsonl="", webhook_url=rx.url) == {"webhook": 1}


def test_every_pending_alert_goes_out_not_only_the_first_thousand(clean_db, tmp_path):
    """1,200 pending: each output said "1000 alert(s) sent", exit 0, and 200 waited a day."""
    ids = stored_alerts(clean_db, 1200)
    path = tmp_path / "alerts.jsonl"
    with Receiver([]) as rx:
        report = alerts.notify(clean_db, jsonl=str(path), webhook_url=rx.url)
    assert report == {"jsonl": 1200, "webhook": 1200}
    assert [json.loads(line)["alert_id"] for line in path.read_text().splitlines()] == ids
    posted = [a["alert_id"] for r in rx.requests for a in json.loads(r["body"])["alerts"]]
    assert posted == ids and len(rx.requests) == 12
    assert alerts.pending("jsonl", clean_db) == [] and alerts.pending("webhook", clean_db) == []


def test_a_failed_append_leaves_the_jsonl_file_as_it_was(clean_db, tmp_path):
    """`ulimit -f` (File too large) cut the file mid-line, and the next append glued two
    alerts into one invalid line. A real file size limit on a real `ringscope alerts run`."""
    import resource

    ids = stored_alerts(clean_db, 40)
    path = tmp_path / "alerts.jsonl"
    old = "".join(json.dumps({"alert_id": f"AL-old-{i}"}) + "\n" for i in range(100)).encode()
    path.write_bytes(old)
    limit = len(old) + 700  # room for a few alerts, not forty: the write stops mid-line

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    ringscope = Path(sys.executable).parent / "ringscope"
    run = subprocess.run([str(ringscope), "alerts", "run", "--jsonl", str(path), "--no-webhook"],
                         capture_output=True, text=True, preexec_fn=small_files, timeout=120)
    assert run.returncode == 3, run.stdout + run.stderr
    [error] = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert "File too large; the file was left as it was and the alerts stay pending" in error, run.stderr
    assert path.read_bytes() == old
    assert len(alerts.pending("jsonl", clean_db)) == 40

    assert alerts.notify(clean_db, jsonl=str(path), webhook_url="") == {"jsonl": 40}
    lines = [json.loads(line) for line in path.read_text().splitlines()]  # every line valid JSON
    assert [x["alert_id"] for x in lines[100:]] == ids


def test_an_append_after_a_cut_line_starts_on_a_new_line(clean_db, tmp_path):
    """A file whose last line was cut (a crash the append could not undo) gets a new line
    first: the cut line stays alone and the next alert is whole on its own line."""
    [alert_id] = stored_alerts(clean_db, 1)
    path = tmp_path / "alerts.jsonl"
    path.write_text('{"alert_id": "AL-1"}\n{"alert_id": "AL-cu')
    assert alerts.notify(clean_db, jsonl=str(path), webhook_url="") == {"jsonl": 1}
    lines = path.read_text().splitlines()
    assert lines[:2] == ['{"alert_id": "AL-1"}', '{"alert_id": "AL-cu'] and json.loads(lines[2])["alert_id"] == alert_id


TERMINAL_ATTACK = "\x1b]0;pwned\x07\x1b[2Jacc\u2067x\u2069\u2028y"


def test_jsonl_is_ascii_and_decodes_to_the_stored_ids(clean_db, tmp_path):
    """U+202E, U+2067 and U+2028 went out raw: U+2028 splits the line for a Unicode-aware
    reader and the bidi controls reorder what a person tailing the file sees."""
    graph(clean_db, members=[HOSTILE, TERMINAL_ATTACK, "ok"])
    alerts.run_rules(clean_db)
    path = tmp_path / "alerts.jsonl"
    assert alerts.notify(clean_db, jsonl=str(path), webhook_url="") == {"jsonl": 1}
    listed = CliRunner().invoke(cli, ["alerts", "--format", "jsonl"]).output
    for text in (path.read_text(encoding="utf-8"), listed):
        assert text.isascii(), text
        [line] = text.splitlines()  # str.splitlines splits on U+2028 too: one line means none is raw
        assert sorted(json.loads(line)["account_ids"]) == sorted([HOSTILE, TERMINAL_ATTACK, "ok"])


def test_csv_on_a_terminal_shows_control_and_bidi_characters_inert(clean_db):
    """`alerts --format csv` on a terminal wrote an attacker's escape sequences raw (clear the
    screen, set the window title). A real terminal: the command runs on a pseudo-terminal."""
    from test_cli import on_a_terminal

    graph(clean_db, members=[TERMINAL_ATTACK, HOSTILE, "ok"])
    alerts.run_rules(clean_db)
    text = on_a_terminal("alerts", "--format", "csv")
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\u2067" not in text, repr(text)
    assert "\u2028" not in text
    assert "?]0;pwned??[2Jacc\u27e8U+2067\u27e9x\u27e8U+2069\u27e9?y" in text, repr(text)
    assert "evil\u27e8U+202E\u27e9gnp.exe?next" in text
    # to a pipe or a file the ids stay as stored (they join back to the graph)
    ringscope = Path(sys.executable).parent / "ringscope"
    piped = subprocess.run([str(ringscope), "alerts", "--format", "csv"], capture_output=True, timeout=60)
    [row] = csv.DictReader(io.StringIO(piped.stdout.decode("utf-8")))
    assert row["accounts"] == ";".join(sorted([TERMINAL_ATTACK, HOSTILE, "ok"]))


def test_the_webhook_deadline_from_env_bounds_alerts_run(clean_db, monkeypatch):
    """A 200 answer trickling a byte every 0.4 s held `alerts run` for as long as it
    trickled; RINGSCOPE_ALERT_WEBHOOK_DEADLINE bounds the whole webhook step."""
    import time

    from test_webhook import Receiver as Slow

    stored_alerts(clean_db, 3)
    with Slow([], trickle=("body", 0.4)) as rx:
        monkeypatch.setenv("RINGSCOPE_ALERT_WEBHOOK_URL", rx.url)
        monkeypatch.setenv("RINGSCOPE_ALERT_WEBHOOK_DEADLINE", "2")
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["alerts", "run", "--jsonl", ""])
        elapsed = time.monotonic() - started
    assert result.exit_code == 3, result.output
    assert elapsed < 8, f"a 2 s deadline took {elapsed:.1f} s"
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert "the delivery deadline of 2 s passed (RINGSCOPE_ALERT_WEBHOOK_DEADLINE in .env)" in line
    assert "0 of 3 alert(s) delivered, 3 stay pending for the next run" in line and "token" not in line
    assert len(alerts.pending("webhook", clean_db)) == 3

    monkeypatch.setenv("RINGSCOPE_ALERT_WEBHOOK_DEADLINE", "soon")
    from ringscope.config import load_settings

    report = alerts.notify(load_settings(), jsonl="")  # the settings as .env and the environment give them now
    assert report["webhook"] == ("RINGSCOPE_ALERT_WEBHOOK_DEADLINE must be a number of seconds between 0 and 86400, "
                                 "not 'soon': fix it in .env")
