"""The ring builder end to end on a hand-built graph: which groups become rings, why,
and what a re-run does to ring ids and investigators' work."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from auth_people import person
from ringscope import alerts, db, tagging
from ringscope.catalog import run_query
from ringscope.cli import cli
from ringscope.detection.pipeline import detect
from test_detect_support import PERSON, SCRIPT, T0, World, add_population, usage


OPERATOR = [f"op{i}" for i in range(8)]
FRONT = [f"hub{i}" for i in range(6)]
HOUSEHOLD = ["home0", "home1", "home2"]
TEAM = [f"team{i}" for i in range(6)]


def operator_ring(w: World, members, tag: str = "x", created: dt.datetime = T0 - dt.timedelta(days=20)) -> None:
    """Prepaid cards shared four by four, residential-proxy exits on three ISPs,
    five capability templates rotated by every account, script-like usage."""
    for i, a in enumerate(members):
        w.account(a, created=created + dt.timedelta(minutes=7 * i), email=f"{a}.{tag}@bigmail.com", use=usage(**SCRIPT))
        w.card(a, f"prepaid-{tag}-{i // 4}")
        for k in range(6):
            w.ip(a, f"77.{k}.{ord(tag[0]) % 200}.9", kind="residential", asn=65100 + k % 3)
        for t in range(5):
            w.template(a, f"cap-{tag}-{t}", 800)


def front_ring(w: World, members) -> None:
    """Hub-and-spoke behind an org-looking front: one corporate-looking card, the hub's
    laptop on every spoke, datacenter proxies, a declared org -- and script traffic."""
    for i, a in enumerate(members):
        w.account(a, created=T0 - dt.timedelta(days=60 - i), email=f"{a}@front-labs.io", org_id="org-front", use=usage(**SCRIPT))
        w.card(a, "front-corporate-card")
        w.device(a, "hub-laptop")
        w.ip(a, f"203.1.1.{10 + i % 3}", kind="hosting", asn=64999)
        for t in range(4):
            w.template(a, f"front-cap-{t}", 1000)


def household(w: World) -> None:
    for i, a in enumerate(HOUSEHOLD):
        w.account(a, email=f"{a}@homemail.net", use=usage(**PERSON))
        w.card(a, "family-card")
        w.device(a, "family-pc")
        w.ip(a, "88.1.1.1", kind="residential", asn=65500)


def team(w: World) -> None:
    """A company team: corporate card, office NAT, internal templates, onboarded in one burst."""
    onboarding = T0 - dt.timedelta(days=40)
    for i, a in enumerate(TEAM):
        w.account(a, created=onboarding + dt.timedelta(minutes=5 * i), email=f"{a}@acme-analytics.com",
                  org_id="org-acme", use=usage(**PERSON))
        w.card(a, "acme-corporate-card")
        w.ip(a, "99.9.9.1", kind="corporate", asn=65600)
        w.ip(a, "99.9.9.2", kind="corporate", asn=65600)
        w.template(a, "acme-internal-0", 3, output_per_exchange=700)


def build(settings, *, with_front: bool = True) -> None:
    w = World()
    add_population(w)
    operator_ring(w, OPERATOR)
    if with_front:
        front_ring(w, FRONT)
    household(w)
    team(w)
    w.write(settings)


def members_by_ring(settings) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in run_query("detected_ring_members", {}, settings=settings):
        out.setdefault(row["ring_id"], set()).add(row["account_id"])
    return out


def ring_of(rings: dict[str, set[str]], account: str) -> str:
    [rid] = [r for r, m in rings.items() if account in m]
    return rid


def test_operator_rings_found_households_and_teams_not(clean_db):
    build(clean_db)
    result = detect(clean_db, progress=None)
    found = sorted(sorted(r.members) for r in result.rings)
    assert found == [sorted(FRONT), sorted(OPERATOR)]
    by_first = {r.members[0]: r for r in result.rings}
    op = by_first["op0"]
    assert {"instrument_fanout", "ip_cooccurrence", "template_co_usage", "automation_signature"} <= set(op.signals)
    ev = op.evidence["signals"]
    assert {x["id"] for x in ev["instrument_fanout"]["top"]} == {"prepaid-x-0", "prepaid-x-1"}
    assert ev["instrument_fanout"]["top"][0]["members"] == 4
    assert ev["template_co_usage"]["identifiers"] == 5
    assert op.evidence["behaviour"]["median_operator_likeness"] >= 0.8
    # the front's declared org is reported as context; it does not clear the ring
    front = by_first["hub0"]
    assert front.evidence["summary"]["declared_orgs"] == {"org-front": 6}
    assert "device_fanout" in front.signals
    # written: one Ring per ring, evidence as JSON text, members with added_by detect
    rows = db.run_read(
        "MATCH (r:Ring)-[h:HAS_MEMBER]->(a) RETURN r.ring_id AS id, r.status AS status, r.evidence AS ev, "
        "r.signals AS signals, r.size AS size, collect(h.added_by) AS by, r.detection_version AS v",
        settings=clean_db)
    assert len(rows) == 2
    for r in rows:
        assert r["status"] == "new" and set(r["by"]) == {"detect"} and r["v"]
        assert json.loads(r["ev"])["summary"]["members"] == r["size"]


def test_rerun_is_idempotent_and_keeps_ring_ids_when_membership_barely_changes(clean_db):
    build(clean_db, with_front=False)
    detect(clean_db)
    first = members_by_ring(clean_db)
    detect(clean_db)
    assert members_by_ring(clean_db) == first
    [(rid, members)] = first.items()
    assert members == set(OPERATOR)
    # op7 goes quiet (its links are gone); a new account joins the same infrastructure
    db.run_write("MATCH (:Account {account_id: 'op7'})-[r:PAID_WITH|USED_IP|SENT_TEMPLATE]->() DELETE r", settings=clean_db)
    w = World()
    w.account("op8", created=T0 - dt.timedelta(days=20), email="op8.x@bigmail.com", use=usage(**SCRIPT))
    w.card("op8", "prepaid-x-1")
    for k in range(6):
        w.ip("op8", f"77.{k}.{ord('x') % 200}.9", kind="residential", asn=65100 + k % 3)
    for t in range(5):
        w.template("op8", f"cap-x-{t}", 800)
    w.write(clean_db)
    result = detect(clean_db)
    assert result.write.kept == 1 and result.write.created == 0
    after = members_by_ring(clean_db)
    assert after == {rid: set(OPERATOR) - {"op7"} | {"op8"}}
    # still found, but it lost an account: marked weakened with what changed, and it grew
    ring = db.run_read("MATCH (r:Ring {ring_id: $rid}) RETURN r.weakened AS weakened, r.detection_status AS ds, "
                       "r.lost_members AS lost, r.gained_members AS gained, r.weakened_reason AS why, "
                       "r.weakened_at = r.detected_at AS now", {"rid": rid}, settings=clean_db)[0]
    assert (ring["weakened"], ring["ds"], ring["lost"], ring["gained"], ring["now"]) == (True, "weakened", ["op7"], ["op8"], True)
    assert ring["why"].startswith("lost 1 of its 8 accounts (op7)")
    assert result.changes == {"new": 0, "grew": 1, "weakened": 1, "no_longer_found": 0, "found_again": 0}
    # the run's history: one (:DetectionRun) per run, this one linked to what it changed
    runs = db.run_read("MATCH (d:DetectionRun) OPTIONAL MATCH (d)-[c:CHANGED]->(r:Ring) "
                       "WITH d, c ORDER BY c.change RETURN d.new AS new, d.grew AS grew, d.weakened AS weakened, "
                       "collect(c.change) AS changes, d.detected_at AS at ORDER BY at", settings=clean_db)
    assert [{k: v for k, v in r.items() if k != "at"} for r in runs] == [{"new": 1, "grew": 0, "weakened": 0, "changes": ["new"]},
                    {"new": 0, "grew": 0, "weakened": 0, "changes": []},
                    {"new": 0, "grew": 1, "weakened": 1, "changes": ["grew", "weakened"]}]
    # a run that finds it whole again clears the mark (its history stays on the runs)
    detect(clean_db)
    assert db.run_read("MATCH (r:Ring {ring_id: $rid}) RETURN r.weakened AS w, r.detection_status AS ds",
                       {"rid": rid}, settings=clean_db)[0] == {"w": False, "ds": "active"}


def test_investigator_tags_survive_redetection(clean_db):
    build(clean_db, with_front=False)
    detect(clean_db)
    [rid] = members_by_ring(clean_db)
    tagging.set_status(rid, "investigating", by=person("alice"), settings=clean_db)
    tagging.add_labels(rid, ["distillation", "wave-2"], by=person("alice"), settings=clean_db)
    tagging.set_note(rid, "cards bought in one batch", by=person("alice"), settings=clean_db)
    tagging.remove_members(rid, ["op3"], by=person("alice"), settings=clean_db)
    tagging.add_members(rid, ["person001"], by=person("alice"), settings=clean_db)
    events_before = db.run_read("MATCH (e:AuditEvent) RETURN count(e) AS n", settings=clean_db)[0]["n"]

    result = detect(clean_db)
    assert result.ring_ids == [rid]
    tags = tagging.ring_tags(rid, settings=clean_db)
    assert tags.status == "investigating"
    assert set(tags.labels) == {"distillation", "wave-2"}
    assert tags.note == "cards bought in one batch"
    edges = {r["a"]: r for r in db.run_read(
        "MATCH (:Ring {ring_id: $rid})-[h:HAS_MEMBER]->(a) RETURN a.account_id AS a, h.added_by AS by, h.removed AS removed",
        {"rid": rid}, settings=clean_db)}
    assert edges["op3"]["removed"] is True  # detection found it again; the investigator's removal stands
    assert edges["person001"]["by"] == "alice" and edges["person001"]["removed"] is False
    assert db.run_read("MATCH (e:AuditEvent) RETURN count(e) AS n", settings=clean_db)[0]["n"] == events_before
    current = members_by_ring(clean_db)[rid]
    assert "op3" not in current and "person001" in current


def test_rings_no_longer_found_are_kept_as_weakened_touched_or_not(clean_db):
    # a ring once flagged never vanishes without an investigator's decision: touched or
    # not, reported or not, a ring the next run no longer finds is kept, marked weakened
    # with where its accounts went, and raises ring_weakened
    build(clean_db)
    detect(clean_db)
    rings = members_by_ring(clean_db)
    touched, untouched = ring_of(rings, "op0"), ring_of(rings, "hub0")
    tagging.set_status(touched, "confirmed", by=person("bob"), settings=clean_db)
    # both rings' shared infrastructure disappears from the graph
    db.run_write(
        "MATCH (a:Account)-[r:PAID_WITH|USED_IP|SENT_TEMPLATE|USED_DEVICE]->() "
        "WHERE a.account_id STARTS WITH 'op' OR a.account_id STARTS WITH 'hub' DELETE r", settings=clean_db)
    result = detect(clean_db)
    assert result.rings == []
    assert (result.write.retired, result.write.deleted) == (2, 0)
    assert result.changes["no_longer_found"] == 2
    rows = db.run_read("MATCH (r:Ring) RETURN r.ring_id AS id, r.retired AS retired, r.detection_status AS ds, "
                       "r.status AS status, r.weakened AS weakened, r.weakened_reason AS why, "
                       "size(r.lost_members) AS lost ORDER BY id", settings=clean_db)
    expected = {touched: ("confirmed", len(OPERATOR)), untouched: ("new", len(FRONT))}
    assert [(r["id"], r["retired"], r["ds"], r["status"], r["weakened"], r["lost"]) for r in rows] == sorted(
        (rid, True, "stale", status, True, n) for rid, (status, n) in expected.items())
    for r in rows:
        assert r["why"] == f"no longer found by detection: of its {r['lost']} detected accounts, {r['lost']} in no ring"
    assert members_by_ring(clean_db) == {}  # retired rings are not in the scored output
    listed = run_query("detected_rings", {"include_retired": True}, settings=clean_db)
    assert sorted(r["ring_id"] for r in listed) == sorted([touched, untouched])
    # nobody had reported either ring (no alert ran): both still raise ring_weakened, once
    raised = alerts.run_rules(clean_db).raised
    weak = {a.ring_id: a for a in raised if a.kind == "ring_weakened"}
    assert set(weak) == {touched, untouched}
    assert (weak[touched].severity, weak[untouched].severity) == ("high", "medium")
    assert set(weak[untouched].account_ids) == set(FRONT) and "no longer found by detection" in weak[untouched].reason
    assert [a for a in alerts.run_rules(clean_db).raised if a.kind == "ring_weakened"] == []
    # the run history counts each ring's flip once
    history = run_query("weakened_ring_history", {}, settings=clean_db)
    assert sorted((h["ring_id"], h["no_longer_found"], h["weakened"], h["retired"]) for h in history) == sorted(
        [(touched, 1, 0, True), (untouched, 1, 0, True)])
    # another run on the same graph changes nothing and raises nothing
    again = detect(clean_db)
    assert (again.write.retired, again.changes["no_longer_found"]) == (0, 0)
    assert alerts.run_rules(clean_db).raised == []


def test_rings_cli_csv_is_the_scored_interface(clean_db):
    build(clean_db)
    runner = CliRunner()
    out = runner.invoke(cli, ["detect", "--no-progress"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "2 rings" in out.output
    out = runner.invoke(cli, ["rings", "--format", "csv"], catch_exceptions=False)
    assert out.exit_code == 0
    lines = out.output.splitlines()
    assert lines[0] == "ring_id,account_id,score"
    rows = [line.split(",") for line in lines[1:]]
    assert {r[1] for r in rows} == set(OPERATOR) | set(FRONT)
    assert len(rows) == len(OPERATOR) + len(FRONT)
    assert all(0.0 < float(r[2]) <= 1.0 for r in rows)
    table = runner.invoke(cli, ["rings"], catch_exceptions=False)
    assert table.exit_code == 0 and "template_co_usage" in table.output


def test_dry_run_writes_nothing(clean_db):
    build(clean_db, with_front=False)
    out = CliRunner().invoke(cli, ["detect", "--dry-run", "--no-progress"], catch_exceptions=False)
    assert out.exit_code == 0 and "dry run" in out.output
    assert db.run_read("MATCH (r:Ring) RETURN count(r) AS n", settings=clean_db)[0]["n"] == 0


def test_a_ring_absorbed_by_another_says_where_its_accounts_went(clean_db):
    build(clean_db, with_front=False)
    detect(clean_db)
    [(old, _)] = members_by_ring(clean_db).items()
    # the operator's infrastructure now also carries twelve more accounts: the old ring is a
    # minority of the ring found now, which gets a new id
    w = World()
    extra = [f"opx{i}" for i in range(12)]
    operator_ring(w, extra)
    w.write(clean_db)
    result = detect(clean_db)
    [(new, members)] = members_by_ring(clean_db).items()
    assert new != old and set(OPERATOR) <= members
    assert (result.write.retired, result.changes["no_longer_found"], result.changes["new"]) == (1, 1, 1)
    why = db.run_read("MATCH (r:Ring {ring_id: $id}) RETURN r.weakened_reason AS why", {"id": old}, settings=clean_db)[0]["why"]
    assert why == f"no longer found by detection: of its 8 detected accounts, some are now in ring {new} (8), 0 in no ring"


def test_write_back_cuts_batches_by_members_through_the_runner(clean_db):
    """write_rings hands rings to db.run_batched in batches of about `batch_members`
    members (a ring never split), each batch a transaction named by the query, and reports
    progress in members; a second write keeps every id."""
    from ringscope.detection.rings import DetectedRing
    from ringscope.detection.writeback import write_rings

    for i in range(12):
        db.run_write("CREATE (:Account {account_id: $id})", {"id": f"w{i}"}, settings=clean_db)
    rings = [DetectedRing(members=[f"w{3 * k + j}" for j in range(3)], member_scores={}, score=0.5 + k / 10,
                          behaviour=0.5, coordination=0.5, signals=["shared_device"]) for k in range(4)]
    seen: list[tuple[int, int]] = []
    summary = write_rings(rings, settings=clean_db, batch_members=5,
                          progress=lambda done, total, _what: seen.append((done, total)))
    assert seen == [(6, 12), (12, 12)]  # two rings (6 members) a batch, never a ring split
    assert (summary.created, summary.kept) == (4, 0)
    members = db.run_read("MATCH (r:Ring)-[:HAS_MEMBER]->(a) RETURN r.ring_id AS r, count(a) AS n", settings=clean_db)
    assert sorted(m["n"] for m in members) == [3, 3, 3, 3]
    again = write_rings(rings, settings=clean_db, batch_members=5)
    assert again.ring_ids == summary.ring_ids and (again.created, again.kept) == (0, 4)


def test_an_account_on_a_card_the_ring_owns_joins_it_a_resident_on_its_exit_does_not(clean_db):
    w = World()
    add_population(w)
    operator_ring(w, OPERATOR)
    household(w)
    # human-looking, shares only the ring's prepaid card (four of its five users are members)
    w.account("late0", email="late0@homemail.net", use=usage(**PERSON))
    w.card("late0", "prepaid-x-0")
    # lives on one of the ring's proxy exits: an address never brings anyone in
    w.account("resident", email="resident@homemail.net", use=usage(**PERSON))
    w.ip("resident", "77.0.120.9", kind="residential", asn=65100)
    w.write(clean_db)
    result = detect(clean_db, progress=None)
    [op] = [r for r in result.rings if "op0" in r.members]
    assert sorted(op.members) == sorted(OPERATOR + ["late0"])
    assert op.evidence["attached"] == {"late0": {"family": "instrument", "identifier": "prepaid-x-0",
                                                 "inside": 4, "accounts": 5}}
    assert op.evidence["summary"]["attached_members"] == 1
    assert op.member_scores["late0"] < min(op.member_scores[a] for a in OPERATOR)
    from ringscope.detection.why import explain
    got = {x["account_id"]: x for x in explain(["late0", "resident"], result)}
    assert got["late0"]["verdict"] == "attached" and "prepaid-x-0" in got["late0"]["reason"]
    assert got["resident"]["verdict"] != "attached" and "resident" not in op.members


CREW = [f"crew{i}" for i in range(6)]


def crew(w: World) -> None:
    """Six human-looking accounts on one VM image, paying with three cards shared in
    threes and a pair: one family beyond ordinary (cards, 0.75), under the threshold."""
    names = ["amelia.r", "bruno_k", "chen.wei", "dana.m", "emeka.o", "fatima.z"]
    for i, a in enumerate(CREW):
        w.account(a, created=T0 - dt.timedelta(days=30 + 9 * i), email=f"{names[i]}@homemail.net", use=usage(**PERSON))
        w.device(a, "crew-vm")
        w.card(a, "crew-card-a" if i < 3 else "crew-card-b")
    w.card("crew2", "crew-card-c")
    w.card("crew3", "crew-card-c")


def test_investigators_marks_feed_detection(clean_db):
    from ringscope import marks
    from ringscope.detection.why import explain

    w = World()
    add_population(w)
    operator_ring(w, OPERATOR)
    team(w)
    crew(w)
    w.write(clean_db)
    lead = person("lead", role="investigator")

    def crew_group(result):
        return [j for j in result.judged if "crew0" in j.ids]

    before = detect(clean_db, write=False)
    [group] = crew_group(before)
    assert not group.evidence.is_ring and group.evidence.marks == 0
    assert 0.7 < group.evidence.structure < 1.0

    # a known-bad verdict on what the group shares is evidence of its own kind ...
    marks.set_mark("device", "crew-vm", "known_bad", "VM image of an enforced ring", by=lead, settings=clean_db)
    # ... and never makes a ring alone: the team's corporate card counts nothing more
    marks.set_mark("instrument", "acme-corporate-card", "known_bad", "chargebacks", by=lead, settings=clean_db)
    marked = detect(clean_db, write=False)
    [ring] = [r for r in marked.rings if "crew0" in r.members]
    assert sorted(ring.members) == CREW
    assert ring.evidence["decision"]["marked"] == ["device:crew-vm"] and "marks" in ring.evidence["decision"]["kinds"]
    assert not any("team0" in r.members for r in marked.rings)
    [team_group] = [j for j in marked.judged if "team0" in j.ids]
    assert team_group.evidence.marks == 1.0 and not team_group.evidence.is_ring

    # known-good: the device links no one, and a cleared account is never a member
    marks.set_mark("device", "crew-vm", "known_good", "shared lab machine", by=lead, settings=clean_db)
    marks.set_mark("account", "op3", "known_good", "our red team", by=lead, settings=clean_db)
    cleared = detect(clean_db, write=False)
    assert not crew_group(cleared) and not [g for g in cleared.groups if g.identifier == "crew-vm"]
    [op] = [r for r in cleared.rings if "op0" in r.members]
    assert sorted(op.members) == sorted(set(OPERATOR) - {"op3"})
    [why] = explain(["op3"], cleared)
    assert why["verdict"] == "known_good" and "lead" in why["reason"]
    assert cleared.stats["marks"] == {"known_bad": 1, "known_good": 2, "accounts_cleared": 1}


def test_a_declared_orgs_own_templates_are_not_systematic_behaviour(clean_db):
    """Field report: replaying `ringscope seed --preset demo --seed 3 --accounts 8000 --days
    28` without its operators, a company of six employees and three service accounts was a
    ring on days 5-7 (9 legitimate accounts in a new_ring alert): on a few days of data two
    employees working mostly on the company's internal templates counted as script-like,
    five script-like accounts were more than an org's own automation, and the org's
    identifiers counted. Templates only one declared org's accounts send are the org's
    workflow, not a systematic set: they add nothing to `systematic`. A ring's private
    set still does, and a front org made of the ring is still a ring on the rest of its
    behaviour."""
    w = World()
    add_population(w)
    operator_ring(w, OPERATOR)
    front_ring(w, FRONT)
    staff = [f"pilot{i}" for i in range(9)]
    for i, a in enumerate(staff):
        service = i < 3
        w.account(a, email=f"{a}@pilot-works.com", org_id="org-pilot", use=usage(**(SCRIPT if service else PERSON)))
        w.card(a, "pilot-corporate-card")
        w.ip(a, "99.7.7.1", kind="corporate", asn=65601)
        for t in range(4):
            w.template(a, f"pilot-internal-{t}", 1000 if service else 3, output_per_exchange=700)
    w.write(clean_db)
    result = detect(clean_db, write=False, progress=None)
    systematic = {a: parts["systematic"] for a, (_score, parts) in result.behaviour.items()}
    assert {systematic[a] for a in staff} == {0.0}
    assert min(systematic[a] for a in OPERATOR) > 0.5
    assert {systematic[a] for a in FRONT} == {0.0}
    assert sorted(sorted(r.members) for r in result.rings) == [sorted(FRONT), sorted(OPERATOR)]


@pytest.mark.parametrize("argv", [
    ["--threshold", "0", "--dry-run"], ["--threshold", "-1"], ["--threshold", "nan"], ["--threshold", "inf"],
    ["--min-size", "1"], ["--min-size", "-5"],
])
def test_detect_refuses_a_threshold_or_size_that_makes_no_sense(clean_db, argv, capsys):
    """Break-it pass: `detect --threshold 0 --dry-run` ended in a ZeroDivisionError traceback,
    `--threshold -1` wrote every candidate group as a ring with no evidence, `--threshold nan`
    silently found 0 rings, and `--min-size 1` or `-5` were taken. A strong link ties two
    accounts, so 2 is the smallest group there is."""
    from ringscope.cli import main

    build(clean_db)
    with pytest.raises(SystemExit) as stop:
        main(["detect", "--no-progress", *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Invalid value for '{argv[0]}'") and err.count("\n") == 1, err
    assert db.run_read("MATCH (r:Ring) RETURN count(r) AS n", settings=clean_db)[0]["n"] == 0


def test_detect_takes_a_min_size_of_two(clean_db):
    build(clean_db, with_front=False)
    out = CliRunner().invoke(cli, ["detect", "--min-size", "2", "--threshold", "1.5", "--dry-run", "--no-progress"],
                             catch_exceptions=False)
    assert out.exit_code == 0 and "dry run: nothing written" in out.output and "1 rings" in out.output, out.output


def test_rings_says_when_its_filters_left_none_and_refuses_a_negative_limit(clean_db):
    """Break-it pass: `rings --limit 0` and `rings --min-score 2` said "no rings: run
    `ringscope detect` first" about a graph holding rings, and `--limit -3` printed the
    server's ArgumentError."""
    build(clean_db)
    runner = CliRunner()
    assert runner.invoke(cli, ["rings"], catch_exceptions=False).stderr.strip() == "no rings: run `ringscope detect` first"
    assert runner.invoke(cli, ["detect", "--no-progress"], catch_exceptions=False).exit_code == 0
    for argv, says in ((["--min-score", "2"], "no rings listed: 2 rings exist, but --min-score 2 left none: lower --min-score"),
                       (["--limit", "0"], "no rings listed: 2 rings exist, but --limit 0 left none: raise --limit")):
        out = runner.invoke(cli, ["rings", *argv], catch_exceptions=False)
        assert out.exit_code == 0 and out.stdout == "" and out.stderr.strip() == says, out.output
    negative = runner.invoke(cli, ["rings", "--limit", "-3"])
    assert negative.exit_code == 2 and "Invalid value for '--limit'" in negative.output
    db.run_write("MATCH (r:Ring) SET r.retired = true", settings=clean_db)
    out = runner.invoke(cli, ["rings"], catch_exceptions=False)
    assert out.stderr.strip() == "no rings the latest detection finds: 2 retired rings, --include-retired lists them"
    assert len(runner.invoke(cli, ["rings", "--include-retired"], catch_exceptions=False).stdout.splitlines()) == 3
