"""Each stored detection signal on a tiny hand-built graph whose answer is known."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from ringscope.catalog import get_query, queries_in, run_query
from test_detect_support import PERSON, SCRIPT, T0, World, usage


def by_id(rows):
    return {r["identifier"]: r for r in rows}


def test_instrument_fanout_groups_and_supernode_cap(clean_db):
    w = World()
    for a in ("a1", "a2", "a3"):
        w.account(a)
        w.card(a, "shared")
    w.account("a4")
    w.card("a4", "own")
    for i in range(5):
        w.account(f"big{i}")
        w.card(f"big{i}", "corporate")
    w.write(clean_db)
    rows = by_id(run_query("instrument_fanout", {"max_accounts": 4}, settings=clean_db))
    assert set(rows) == {"shared"}  # own card: one account; corporate: above the cap
    assert sorted(rows["shared"]["accounts"]) == ["a1", "a2", "a3"]
    assert rows["shared"]["account_count"] == 3
    assert rows["shared"]["first_seen_s"] == [int(T0.timestamp())] * 3
    assert set(by_id(run_query("instrument_fanout", {"max_accounts": 5}, settings=clean_db))) == {"shared", "corporate"}


def test_device_fanout(clean_db):
    w = World()
    for a in ("a1", "a2"):
        w.account(a)
        w.device(a, "vm-image")
    w.account("a3")
    w.device("a3", "laptop")
    w.write(clean_db)
    rows = by_id(run_query("device_fanout", {}, settings=clean_db))
    assert set(rows) == {"vm-image"}
    assert sorted(rows["vm-image"]["accounts"]) == ["a1", "a2"]


def test_ip_cooccurrence_weights_by_kind_and_rarity(clean_db):
    w = World()
    for a in ("a1", "a2"):
        w.account(a)
        w.ip(a, "5.5.5.5", kind="residential", asn=1)
        w.ip(a, "6.6.6.6", kind="mobile", asn=2)
        w.ip(a, "7.7.7.7", kind=None)
    for a in ("b1", "b2", "b3"):
        w.account(a)
        w.ip(a, "8.8.8.8", kind="residential", asn=3, first=T0 + dt.timedelta(days=30))
    w.write(clean_db)
    rows = by_id(run_query("ip_cooccurrence", {}, settings=clean_db))
    assert set(rows) == {"5.5.5.5", "6.6.6.6", "7.7.7.7", "8.8.8.8"}
    two = 1 / math.log2(3)
    assert rows["5.5.5.5"]["weight"] == pytest.approx(two)
    assert rows["6.6.6.6"]["weight"] == pytest.approx(0.2 * two)  # carrier CGNAT counts for little
    assert rows["7.7.7.7"]["weight"] == pytest.approx(0.8 * two)  # intel does not know this one
    assert rows["8.8.8.8"]["weight"] == pytest.approx(1 / math.log2(4))  # rarer is stronger
    assert rows["8.8.8.8"]["first_seen_s"] == [int((T0 + dt.timedelta(days=30)).timestamp())] * 3
    # a floor on the weight drops the CGNAT address
    assert "6.6.6.6" not in by_id(run_query("ip_cooccurrence", {"min_weight": 0.2}, settings=clean_db))


def test_email_pattern_clusters(clean_db):
    w = World()
    for i in (1, 2, 3):
        w.account(f"seq{i}", email=f"anna.dev00{i}@gmail.com")
    w.account("plus1", email="Marco.Rossi+7@proton.me")
    w.account("plus2", email="marco.rossi+19@proton.me")
    w.account("name1", email="mary.smith@gmail.com")
    w.account("name2", email="mary.jones@gmail.com")
    w.account("short1", email="bob1@gmail.com")
    w.account("short2", email="bob2@gmail.com")
    w.account("other", email="anna.dev004@yahoo.com")  # same stem, another domain
    w.write(clean_db)
    rows = {(r["stem"], r["domain"]): r for r in run_query("email_pattern_clusters", {}, settings=clean_db)}
    assert set(rows) == {("anna.dev", "gmail.com"), ("marco.rossi", "proton.me")}
    assert sorted(rows[("anna.dev", "gmail.com")]["accounts"]) == ["seq1", "seq2", "seq3"]
    assert rows[("anna.dev", "gmail.com")]["counted"] == 3
    assert rows[("marco.rossi", "proton.me")]["plus_tagged"] == 2
    # a plain address with the same stem is not part of the pattern
    assert run_query("email_pattern_clusters", {"min_accounts": 4}, settings=clean_db) == []


def test_signup_bursts_need_something_shared(clean_db):
    w = World()
    burst_start = T0 + dt.timedelta(days=2)
    for i in range(4):  # four sign-ups 10 minutes apart on one card: a burst
        a = w.account(f"b{i}", created=burst_start + dt.timedelta(minutes=10 * i))
        w.card(a, "prepaid")
    for i in range(3):  # three on one card, hours apart: not a burst
        a = w.account(f"s{i}", created=burst_start + dt.timedelta(hours=3 * i))
        w.card(a, "family")
    for i in range(4):  # four unrelated sign-ups in the same minutes: nothing shared
        w.account(f"u{i}", created=burst_start + dt.timedelta(minutes=i), email=f"u{i}@mail{i}.com")
    w.write(clean_db)
    rows = run_query("signup_bursts", {"min_accounts": 3, "gap_minutes": 60}, settings=clean_db)
    bursts = {(r["via"], r["shared"]): r for r in rows}
    assert set(bursts) == {("instrument", "prepaid")}
    assert bursts[("instrument", "prepaid")]["accounts"] == ["b0", "b1", "b2", "b3"]
    assert bursts[("instrument", "prepaid")]["span_minutes"] == 30
    # a wider gap joins the family's sign-ups into one run
    wide = {(r["via"], r["shared"]) for r in run_query("signup_bursts", {"gap_minutes": 200}, settings=clean_db)}
    assert ("instrument", "family") in wide


def test_template_co_usage_keeps_heavy_shared_templates(clean_db):
    w = World()
    for a in ("op1", "op2", "op3"):
        w.account(a)
        w.template(a, "capability", 120)
    for i in range(5):
        w.account(f"p{i}")
        w.template(f"p{i}", "public", 1)
    w.account("solo")
    w.template("solo", "own", 500)
    w.write(clean_db)
    rows = by_id(run_query("template_co_usage", {"min_exchanges_per_account": 10.0}, settings=clean_db))
    assert set(rows) == {"capability"}
    assert rows["capability"]["exchanges"] == [120, 120, 120]
    assert set(by_id(run_query("template_co_usage", {"min_exchanges_per_account": 1.0}, settings=clean_db))) == {"capability", "public"}


def test_automation_signature_separates_scripts_from_people(clean_db):
    w = World()
    w.account("script", use=usage(**SCRIPT))
    w.account("person", use=usage(**PERSON))
    w.account("idle")
    w.write(clean_db)
    rows = {r["account_id"]: r for r in run_query("automation_signature", {"account_ids": ["script", "person", "idle"]}, settings=clean_db)}
    assert set(rows) == {"script", "person", "idle"}
    s, p = rows["script"], rows["person"]
    assert s["quiet_ratio"] == pytest.approx(1.0)  # as busy at 4am as at 4pm
    assert p["quiet_ratio"] == pytest.approx(0.0)  # sleeps
    assert s["coverage"] == pytest.approx(1.0) and s["steadiness"] == pytest.approx(1.0)
    assert s["automation_score"] == pytest.approx(1.0)
    assert p["automation_score"] < 0.1
    assert s["exchanges_per_active_day"] == pytest.approx(300.0)
    assert s["output_per_exchange"] == pytest.approx(2400.0)
    assert rows["idle"]["exchanges"] == 0
    # without ids: every account above the thresholds
    listed = [r["account_id"] for r in run_query("automation_signature", {"min_exchanges": 10, "min_score": 0.5}, settings=clean_db)]
    assert listed == ["script"]
    base = run_query("behaviour_baseline", {}, settings=clean_db)[0]
    assert base["accounts"] == 3 and base["active_accounts"] == 2


def test_every_detection_query_is_documented_and_read_only_where_declared():
    detection = queries_in("detection") + queries_in("evaluation")
    assert len(detection) >= 10
    for q in detection:
        assert q.mode == "read", q.name
        assert len(q.description) > 40, q.name
        for p in q.params:
            assert p.help, f"{q.name}: parameter {p.name} lacks help"
            assert f":param {p.name} =>" in q.path.read_text() or p.required, f"{q.name}: no :param line for {p.name}"
    writes = queries_in("detection-write")
    assert {q.name for q in writes} >= {"write_rings", "retire_rings"}
    assert all(q.is_write for q in writes)
    assert get_query("detected_ring_members").category == "detection"
