"""Tagging on a live Neo4j: every operation changes the graph and appends exactly one
audit event with the right before/after, in the same transaction."""
from __future__ import annotations

import getpass
import json
import threading

import pytest
from click.testing import CliRunner

from auth_people import person
from ringscope import db, tagging
from ringscope.catalog import queries_in
from ringscope.cli import cli
from ringscope.auth import PermissionDenied
from ringscope.tagging import TaggingError


# A ring as detection writes it (README graph model), built by hand until detection lands.
MAKE_RING = """
CREATE (r:Ring {ring_id: $ring_id, score: 0.91, size: size($members), signals: ['shared_instrument', 'signup_burst'],
                evidence: '{"instruments": 1}', detected_at: datetime('2026-01-02T03:04:05Z'),
                detection_version: 1, status: 'new'})
WITH r
UNWIND $members AS id
MERGE (a:Account {account_id: id})
CREATE (r)-[:HAS_MEMBER {score: 0.5, added_by: 'detect', removed: false}]->(a)
"""


def make_ring(settings, ring_id="R1", members=("a1", "a2", "a3"), extra_accounts=("a4", "a5")):
    db.run_write(MAKE_RING, {"ring_id": ring_id, "members": list(members)}, settings=settings)
    db.run_write("UNWIND $ids AS id MERGE (:Account {account_id: id})", {"ids": list(extra_accounts)}, settings=settings)


def events(settings, ring_id="R1"):
    return db.run_read(
        "MATCH (e:AuditEvent)-[:ABOUT]->(:Ring {ring_id: $ring_id}) "
        "RETURN e.event_id AS event_id, e.seq AS seq, e.by AS by, e.action AS action, "
        "e.before AS before, e.after AS after, e.at IS NOT NULL AS has_time ORDER BY e.seq",
        {"ring_id": ring_id},
        settings=settings,
    )


def ring(settings, ring_id="R1"):
    return db.run_read("MATCH (r:Ring {ring_id: $id}) RETURN properties(r) AS p", {"id": ring_id}, settings=settings)[0]["p"]


def membership(settings, ring_id="R1"):
    rows = db.run_read(
        "MATCH (:Ring {ring_id: $id})-[m:HAS_MEMBER]->(a:Account) "
        "RETURN a.account_id AS account, m.added_by AS added_by, m.removed AS removed ORDER BY account",
        {"id": ring_id},
        settings=settings,
    )
    return {r["account"]: (r["added_by"], r["removed"]) for r in rows}


def test_set_status_writes_one_event_with_before_and_after(clean_db):
    make_ring(clean_db)
    change = tagging.set_status("R1", "Confirmed-Operator", by=person("alice"), settings=clean_db)
    assert change.changed and change.before == "new" and change.after == "confirmed"
    assert ring(clean_db)["status"] == "confirmed"
    [event] = events(clean_db)
    assert event["event_id"] == change.event_id
    assert (event["by"], event["action"], event["seq"], event["has_time"]) == ("alice", "set_status", 1, True)
    assert json.loads(event["before"]) == {"status": "new"}
    assert json.loads(event["after"]) == {"status": "confirmed"}

    again = tagging.set_status("R1", "confirmed", by=person("bob"), settings=clean_db)
    assert not again.changed and again.event_id is None
    assert len(events(clean_db)) == 1

    tagging.set_status("R1", "false-positive", by=person("bob"), settings=clean_db)
    second = events(clean_db)[1]
    assert (second["seq"], second["by"]) == (2, "bob")
    assert json.loads(second["before"]) == {"status": "confirmed"}
    assert json.loads(second["after"]) == {"status": "false_positive"}


def test_status_spellings():
    assert tagging.normalize_status("confirmed operator") == "confirmed"
    assert tagging.normalize_status("FALSE-POSITIVE") == "false_positive"
    assert tagging.normalize_status("escalated") == "escalated"
    with pytest.raises(TaggingError, match="unknown status 'closed'.*new, investigating, confirmed"):
        tagging.normalize_status("closed")


def test_labels_add_and_remove(clean_db):
    make_ring(clean_db)
    add = tagging.add_labels("R1", ["proxy-farm", " wave-2 ", "proxy-farm"], by=person("alice"), settings=clean_db)
    assert (add.before, add.after) == ([], ["proxy-farm", "wave-2"])
    assert ring(clean_db)["labels"] == ["proxy-farm", "wave-2"]

    repeat = tagging.add_labels("R1", ["wave-2"], by=person("alice"), settings=clean_db)
    assert not repeat.changed

    remove = tagging.remove_labels("R1", ["proxy-farm", "never-there"], by=person("bob"), settings=clean_db)
    assert remove.after == ["wave-2"]
    assert ring(clean_db)["labels"] == ["wave-2"]

    trail = events(clean_db)
    assert [e["action"] for e in trail] == ["add_labels", "remove_labels"]
    assert json.loads(trail[0]["before"]) == {"labels": []}
    assert json.loads(trail[0]["after"]) == {"labels": ["proxy-farm", "wave-2"]}
    assert json.loads(trail[1]["before"]) == {"labels": ["proxy-farm", "wave-2"]}
    assert json.loads(trail[1]["after"]) == {"labels": ["wave-2"]}


def test_note_set_and_cleared(clean_db):
    make_ring(clean_db)
    tagging.set_note("R1", "same BIN as March", by=person("alice"), settings=clean_db)
    assert ring(clean_db)["note"] == "same BIN as March"
    tagging.set_note("R1", "", by=person("alice"), settings=clean_db)
    assert "note" not in ring(clean_db)
    trail = events(clean_db)
    assert [json.loads(e["after"]) for e in trail] == [{"note": "same BIN as March"}, {"note": None}]
    assert json.loads(trail[1]["before"]) == {"note": "same BIN as March"}


def test_members_added_and_removed_never_deleted(clean_db):
    make_ring(clean_db)
    added = tagging.add_members("R1", ["a4", "a1", "ghost"], by=person("carol"), settings=clean_db)
    assert (added.changed, added.unchanged, added.unknown) == (("a4",), ("a1",), ("ghost",))
    assert membership(clean_db)["a4"] == ("carol", False)

    removed = tagging.remove_members("R1", ["a2", "a5"], by=person("carol"), settings=clean_db)
    assert (removed.changed, removed.unchanged) == (("a2",), ("a5",))
    assert membership(clean_db)["a2"] == ("detect", True)  # flagged, still there

    back = tagging.add_members("R1", ["a2"], by=person("dave"), settings=clean_db)
    assert back.changed == ("a2",)
    assert membership(clean_db)["a2"] == ("dave", False)  # put back by a person: their call now
    assert db.run_read("MATCH (:Ring)-[m:HAS_MEMBER]->() RETURN count(m) AS n", settings=clean_db)[0]["n"] == 4

    trail = events(clean_db)
    assert [e["action"] for e in trail] == ["add_members", "remove_members", "add_members"]
    assert json.loads(trail[0]["before"]) == {"members": {"a4": "not_member"}}
    assert json.loads(trail[0]["after"]) == {"members": {"a4": "member"}}
    assert json.loads(trail[1]["before"]) == {"members": {"a2": "member"}}
    assert json.loads(trail[1]["after"]) == {"members": {"a2": "removed"}}
    assert json.loads(trail[2]["before"]) == {"members": {"a2": "removed"}}

    tags = tagging.ring_tags("R1", settings=clean_db)
    assert (tags.members, tags.removed_members, tags.added_members, tags.audit_events) == (4, 0, 2, 3)


def test_member_change_with_only_unknown_ids_writes_nothing(clean_db):
    make_ring(clean_db)
    change = tagging.add_members("R1", ["nobody"], by=person("carol"), settings=clean_db)
    assert change.unknown == ("nobody",) and change.event_id is None
    assert events(clean_db) == []


def test_history_newest_first_and_decoded(clean_db):
    make_ring(clean_db)
    tagging.tag_ring("R1", status="investigating", labels=["x"], note="n1", by=person("alice"), settings=clean_db)
    tagging.set_status("R1", "escalated", by=person("bob"), settings=clean_db)
    trail = tagging.history("R1", settings=clean_db)
    assert [e.action for e in trail] == ["set_status", "set_note", "add_labels", "set_status"]
    assert [e.seq for e in trail] == [4, 3, 2, 1]
    assert trail[0].before == {"status": "investigating"} and trail[0].after == {"status": "escalated"}
    assert trail[0].by == "bob" and trail[0].at.endswith("Z")
    assert trail[0].describe().endswith("bob set_status: investigating -> escalated")


def test_tag_ring_checks_everything_before_writing(clean_db):
    make_ring(clean_db)
    with pytest.raises(TaggingError, match="unknown status"):
        tagging.tag_ring("R1", status="closed", labels=["x"], by=person("alice"), settings=clean_db)
    with pytest.raises(TaggingError, match="both added and removed"):
        tagging.tag_ring("R1", status="confirmed", labels=["x"], remove_labels=["x"], by=person("alice"), settings=clean_db)
    assert events(clean_db) == []
    assert ring(clean_db)["status"] == "new"


def test_errors_are_one_line(clean_db):
    make_ring(clean_db)
    # Typed text is not an identity: the change is refused before anything is written.
    with pytest.raises(TaggingError, match="needs the identity of who makes it") as typed:
        tagging.set_status("R1", "confirmed", by="alice", settings=clean_db)
    assert events(clean_db) == []
    with pytest.raises(TaggingError, match="no ring with id 'R404'") as missing:
        tagging.set_status("R404", "confirmed", by=person("alice"), settings=clean_db)
    with pytest.raises(TaggingError, match="no ring with id 'R404'") as no_history:
        tagging.history("R404", settings=clean_db)
    for err in (typed, missing, no_history):
        assert "\n" not in str(err.value), str(err.value)


def test_tags_survive_redetection(clean_db):
    make_ring(clean_db)
    tagging.tag_ring("R1", status="confirmed", labels=["proxy-farm"], note="keep me", by=person("alice"), settings=clean_db)
    tagging.remove_members("R1", ["a3"], by=person("alice"), settings=clean_db)
    # What a detection re-run does: MERGE the ring and its members, touching only detection properties.
    db.run_write(
        """
        MERGE (r:Ring {ring_id: 'R1'})
        ON CREATE SET r.status = 'new'
        SET r.score = 0.97, r.size = 3, r.signals = ['shared_device'], r.evidence = '{}',
            r.detected_at = datetime(), r.detection_version = 2
        WITH r
        UNWIND ['a1', 'a2', 'a3'] AS id
        MATCH (a:Account {account_id: id})
        MERGE (r)-[m:HAS_MEMBER]->(a)
        ON CREATE SET m.added_by = 'detect', m.removed = false
        SET m.score = 0.6
        """,
        settings=clean_db,
    )
    tags = tagging.ring_tags("R1", settings=clean_db)
    assert (tags.status, tags.labels, tags.note) == ("confirmed", ("proxy-farm",), "keep me")
    assert membership(clean_db)["a3"] == ("detect", True)
    assert ring(clean_db)["detection_version"] == 2
    assert len(tagging.history("R1", settings=clean_db)) == 4


def test_tags_survive_the_detection_write_query(clean_db):
    """The same, through detection's own stored write query."""
    make_ring(clean_db)
    tagging.tag_ring("R1", status="escalated", labels=["l"], note="n", by=person("alice"), settings=clean_db)
    tagging.remove_members("R1", ["a3"], by=person("alice"), settings=clean_db)
    tagging.add_members("R1", ["a4"], by=person("alice"), settings=clean_db)
    members = [{"account_id": a, "score": 0.7} for a in ("a1", "a2", "a3")]
    row = {"ring_id": "R1", "score": 0.99, "size": 3, "signals": ["shared_device"], "evidence": "{}",
           "member_ids": ["a1", "a2", "a3"], "members": members}
    db.run("write_rings", {"rows": [row], "detected_at": "2026-02-01T00:00:00Z", "detection_version": "9"},
           mode=db.WRITE, settings=clean_db)
    tags = tagging.ring_tags("R1", settings=clean_db)
    assert (tags.status, tags.labels, tags.note) == ("escalated", ("l",), "n")
    assert membership(clean_db) == {"a1": ("detect", False), "a2": ("detect", False), "a3": ("detect", True),
                                    "a4": ("alice", False)}
    assert ring(clean_db)["score"] == 0.99


def test_concurrent_taggers_see_each_others_changes(clean_db):
    """The ring is locked before its old value is read: no lost update, a consistent chain."""
    make_ring(clean_db)
    labels = [f"l{i}" for i in range(8)]
    errors = []

    def work(label):
        try:
            tagging.add_labels("R1", [label], by=person(f"inv-{label}"), settings=clean_db)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(label,)) for label in labels]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(ring(clean_db)["labels"]) == labels
    trail = events(clean_db)
    assert [e["seq"] for e in trail] == list(range(1, 9))
    for previous, current in zip(trail, trail[1:]):
        assert json.loads(current["before"]) == json.loads(previous["after"])


def test_untrusted_strings_are_parameters(clean_db):
    weird = "R'1\"}) DETACH DELETE n //"
    make_ring(clean_db, ring_id=weird)
    tagging.add_labels(weird, ["'); MATCH (n) DETACH DELETE n; //"], by=person("x\"y"), settings=clean_db)
    assert ring(clean_db, weird)["labels"] == ["'); MATCH (n) DETACH DELETE n; //"]
    assert db.run_read("MATCH (a:Account) RETURN count(a) AS n", settings=clean_db)[0]["n"] == 5


# --------------------------------------------------------------------------- CLI


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def test_cli_tag_combined(clean_db):
    make_ring(clean_db)
    result = invoke("tag", "R1", "--status", "confirmed-operator", "--label", "proxy-farm", "--note", "n", "--by", "alice")
    assert result.exit_code == 0, result.output
    assert "set status: new -> confirmed" in result.output
    tags = tagging.ring_tags("R1", settings=clean_db)
    assert (tags.status, tags.labels, tags.note) == ("confirmed", ("proxy-farm",), "n")
    assert len(events(clean_db)) == 3

    shown = invoke("tag", "R1")
    assert shown.exit_code == 0
    assert "status confirmed" in shown.output and "alice (os user " in shown.output and ") set_status: new -> confirmed" in shown.output


def test_cli_bulk_file_reports_unknown_ids(clean_db, tmp_path):
    make_ring(clean_db)
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text("note,account_id\nx,a4\ny,a5\nz,a1\nw,ghost-1\n,\nv,a4\n", encoding="utf-8")
    result = invoke("tag", "--file", str(csv_file), "--ring", "R1", "--add", "--by", "carol")
    assert result.exit_code == 0, result.output
    assert "2 account(s) added to the case" in result.output
    assert "1 unknown account id(s)" in result.output and "ghost-1" in result.output
    # the CLI records --by with the operating-system user that ran it
    assert membership(clean_db)["a5"] == (f"carol (os user {getpass.getuser()})", False)
    [event] = events(clean_db)
    assert json.loads(event["after"]) == {"members": {"a4": "member", "a5": "member"}}

    result = invoke("tag", "--file", str(csv_file), "--ring", "R1", "--remove", "--by", "carol")
    assert result.exit_code == 0, result.output
    assert membership(clean_db)["a1"] == ("detect", True)
    assert len(events(clean_db)) == 2


def test_cli_refuses_bad_input(clean_db, tmp_path):
    make_ring(clean_db)
    no_column = tmp_path / "bad.csv"
    no_column.write_text("id\na1\n", encoding="utf-8")
    result = invoke("tag", "--file", str(no_column), "--ring", "R1", "--add", "--by", "carol")
    assert isinstance(result.exception, TaggingError) and "no account_id column" in str(result.exception)
    assert invoke("tag", "--file", str(no_column), "--ring", "R1", "--by", "c").exit_code == 2  # --add/--remove missing
    assert invoke("tag", "--status", "confirmed", "--by", "c").exit_code == 2  # no ring
    assert events(clean_db) == []


def test_tagging_queries_are_described():
    queries = queries_in("tagging")
    assert {q.name for q in queries} >= {
        "set_ring_status", "add_ring_labels", "remove_ring_labels", "set_ring_note",
        "add_ring_members", "remove_ring_members", "ring_history", "ring_tags",
    }
    for q in queries:
        assert len(q.description) > 40, q.name
        assert all(p.help for p in q.params), q.name
        assert q.mode == ("read" if q.name in ("ring_history", "ring_tags", "account_removals", "ring_comments",
                                               "entity_marks", "list_marks", "mark_history", "mark_of",
                                               "marks_by_id") else "write")


def test_a_combined_save_is_one_transaction_all_or_nothing(clean_db):
    """Issue 14 defect 1: status, labels and note are one save. A label with a right-to-left
    override is refused before anything is written (status stays new, no event); a good
    save writes every part with one event each, all stamped by the same transaction."""
    make_ring(clean_db)
    with pytest.raises(TaggingError, match="U\\+202E"):
        tagging.tag_ring("R1", status="investigating", labels=["ok", "evil\u202etxt"], note="a note",
                         by=person("alice"), settings=clean_db)
    assert events(clean_db) == []
    after = ring(clean_db)
    assert after["status"] == "new" and "note" not in after and "labels" not in after

    changes = tagging.tag_ring("R1", status="investigating", labels=["ok", "wave 2"], note="a note",
                               by=person("alice"), settings=clean_db)
    assert [(c.action, c.changed) for c in changes] == [("set_status", True), ("add_labels", True), ("set_note", True)]
    changes = tagging.tag_ring("R1", labels=["ok"], remove_labels=["wave 2"], by=person("alice"), settings=clean_db)
    assert [(c.action, c.changed, c.after) for c in changes] == [("add_labels", False, ["ok", "wave 2"]),
                                                                 ("remove_labels", True, ["ok"])]
    trail = events(clean_db)
    assert [(e["seq"], e["action"]) for e in trail] == [(1, "set_status"), (2, "add_labels"), (3, "set_note"),
                                                        (4, "remove_labels")]
    stamps = db.run_read("MATCH (e:AuditEvent)-[:ABOUT]->(:Ring {ring_id: 'R1'}) WHERE e.seq <= 3 "
                         "RETURN collect(DISTINCT e.at) AS at", settings=clean_db)[0]["at"]
    assert len(stamps) == 1  # datetime() is fixed per transaction: the three parts were one
    assert ring(clean_db)["labels"] == ["ok"] and ring(clean_db)["note"] == "a note"


def test_removals_say_which_ring_and_who_took_the_account_out(clean_db):
    """Issue 14 defect 5: the entity view's source. Detection's member a2 taken out by bob,
    a hand-added a4 taken out by carol; an account put back is no longer listed."""
    make_ring(clean_db)
    tagging.add_members("R1", ["a4"], by=person("alice"), reason="same card", settings=clean_db)
    tagging.remove_members("R1", ["a2"], by=person("bob"), settings=clean_db)
    tagging.remove_members("R1", ["a4", "a3"], by=person("carol"), settings=clean_db)
    [a2] = tagging.removals("a2", settings=clean_db)
    assert (a2.ring_id, a2.added_by, a2.removed_by) == ("R1", "detect", "bob") and a2.removed_at.endswith("Z")
    assert a2.describe().startswith("Detection put it in ring R1 (score 0.910); bob took it out on 20")
    [a4] = tagging.removals("a4", settings=clean_db)
    assert (a4.added_by, a4.removed_by) == ("alice", "carol")
    assert tagging.removals("a1", settings=clean_db) == []
    tagging.add_members("R1", ["a2"], by=person("bob"), reason="back in", settings=clean_db)
    assert tagging.removals("a2", settings=clean_db) == []


# --------------------------------------------------------------------------- comments and assignment


def test_comments_are_an_audited_thread_oldest_first(clean_db):
    make_ring(clean_db)
    first = tagging.comment("R1", "  BIN range matches March  ", by=person("alice"), settings=clean_db)
    second = tagging.comment("R1", "device logs requested", by=person("bob", email="bob@example.test"), settings=clean_db)
    assert (first.seq, second.seq) == (1, 2) and first.text == "BIN range matches March"
    thread = tagging.comments("R1", settings=clean_db)
    assert [(c.seq, c.by, c.text) for c in thread] == [(1, "alice", "BIN range matches March"),
                                                       (2, "bob@example.test", "device logs requested")]
    assert [e["action"] for e in events(clean_db)] == ["comment", "comment"]
    assert json.loads(events(clean_db)[0]["after"]) == {"comment": "BIN range matches March"}
    assert tagging.history("R1", settings=clean_db)[0].action == "comment"
    with pytest.raises(TaggingError, match="the comment is empty"):
        tagging.comment("R1", "   ", by=person("alice"), settings=clean_db)
    with pytest.raises(TaggingError, match="longer than"):
        tagging.comment("R1", "x" * (tagging.MAX_COMMENT_CHARS + 1), by=person("alice"), settings=clean_db)
    with pytest.raises(tagging.PermissionDenied, match="comment needs investigator"):
        tagging.comment("R1", "hi", by=person("vic", role="viewer"), settings=clean_db)
    with pytest.raises(TaggingError, match="no ring with id 'R9'"):
        tagging.comment("R9", "hi", by=person("alice"), settings=clean_db)
    assert len(events(clean_db)) == 2


def test_assignment_records_who_and_is_audited(clean_db):
    make_ring(clean_db)
    dana = person("dana", email="dana@example.test")
    taken = tagging.assign("R1", dana, by=dana, settings=clean_db)
    assert taken.changed and (taken.before, taken.after) == (None, "dana@example.test")
    props = ring(clean_db)
    assert (props["assignee"], props["assignee_subject"]) == ("dana@example.test", "sub-dana")
    assert tagging.ring_tags("R1", settings=clean_db).assignee == "dana@example.test"
    assert tagging.ring_tags("R1", settings=clean_db).assigned_at.endswith("Z")
    assert not tagging.assign("R1", dana, by=dana, settings=clean_db).changed  # no event for no change
    handed = tagging.assign("R1", "erin@example.test", by=dana, settings=clean_db)
    assert handed.changed and ring(clean_db).get("assignee_subject") is None  # a typed name proves nothing
    tagging.assign("R1", None, by=dana, settings=clean_db)
    assert tagging.ring_tags("R1", settings=clean_db).assignee is None
    trail = events(clean_db)
    assert [json.loads(e["after"])["assignee"] for e in trail] == ["dana@example.test", "erin@example.test", None]
    assert {e["action"] for e in trail} == {"assign"}
    with pytest.raises(TaggingError, match="printable"):
        tagging.assign("R1", "eve\u202e", by=dana, settings=clean_db)
    with pytest.raises(tagging.PermissionDenied):
        tagging.assign("R1", "x", by=person("vic", role="viewer"), settings=clean_db)
    assert len(events(clean_db)) == 3


def test_cli_comments_and_assigns(clean_db):
    make_ring(clean_db)
    result = invoke("tag", "R1", "--comment", "waiting on payments", "--assign", "me", "--by", "alice")
    assert result.exit_code == 0, result.output
    assert "R1: comment #2 added" in result.output and "assign: none -> alice (os user" in result.output
    shown = invoke("tag", "R1").output
    assert "assigned to alice (os user" in shown and "comment" in shown
    assert invoke("tag", "R1", "--unassign", "--by", "alice").exit_code == 0
    assert tagging.ring_tags("R1", settings=clean_db).assignee is None
    assert invoke("tag", "R1", "--assign", "x", "--unassign", "--by", "a").exit_code == 2


def test_cli_history_shows_hostile_text_inert(clean_db):
    """`ringscope tag RING` prints notes, comments and reasons from the graph: a direction
    override or an escape sequence in them must not reorder or recolour the terminal."""
    make_ring(clean_db)
    hostile = "evil\u202egnp.exe \x1b[2J\x1b[31mred"
    runner = CliRunner()
    changed = runner.invoke(cli, ["tag", "R1", "--note", f"{hostile}\nsecond line", "--by", "alice"], color=True)
    assert changed.exit_code == 0, changed.output
    assert runner.invoke(cli, ["tag", "R1", "--comment", hostile, "--by", "alice"]).exit_code == 0
    assert runner.invoke(cli, ["tag", "R1", "--add-account", "a4", "--reason", hostile, "--by", "alice"]).exit_code == 0
    shown = runner.invoke(cli, ["tag", "R1"], color=True)
    assert shown.exit_code == 0, shown.output
    for output in (changed.output, shown.output):
        assert "\u202e" not in output and "\x1b" not in output
    assert "note: evil⟨U+202E⟩gnp.exe ?[2J?[31mred\n      second line\n" in shown.output
    assert tagging.ring_tags("R1", settings=clean_db).note == f"{hostile}\nsecond line"  # stored as typed


def test_cli_refuses_add_and_remove_together(clean_db, tmp_path):
    """`tag --file F --ring R --add --remove` removed the file's accounts (the last flag won)
    without a word; both at once are refused and nothing is written."""
    make_ring(clean_db)
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text("account_id\na4\n", encoding="utf-8")
    result = invoke("tag", "--file", str(csv_file), "--ring", "R1", "--add", "--remove", "--by", "carol")
    assert result.exit_code == 2 and "--add and --remove: give one" in result.output
    assert events(clean_db) == []
    assert invoke("tag", "--file", str(csv_file), "--ring", "R1", "--add", "--by", "carol").exit_code == 0
    assert json.loads(events(clean_db)[0]["after"]) == {"members": {"a4": "member"}}


@pytest.mark.parametrize("save", ["set_status", "tag_ring"])
def test_a_status_confirmed_meanwhile_is_not_undone_by_an_investigator(clean_db, monkeypatch, save):
    """Field report (app security pass): an investigator's change read the ring as
    "investigating", a lead confirmed it before the write, and the write moved it out of
    "confirmed", which only a lead may do. The write now holds the status the rights were
    checked against, and writes nothing when it moved on."""
    make_ring(clean_db)
    lead, ivan = person("lena", role="lead"), person("ivan", role="investigator")
    tagging.set_status("R1", "investigating", by=lead, settings=clean_db)
    stale = tagging._tags_or_raise("R1", clean_db)  # what the investigator's request read ...
    tagging.set_status("R1", "confirmed", by=lead, settings=clean_db)  # ... before the lead's write landed
    monkeypatch.setattr(tagging, "_tags_or_raise", lambda ring_id, settings: stale)
    with pytest.raises(TaggingError, match="status changed from investigating to confirmed while this change"):
        if save == "set_status":
            tagging.set_status("R1", "false_positive", by=ivan, settings=clean_db)
        else:
            tagging.tag_ring("R1", status="false_positive", labels=["x"], by=ivan, settings=clean_db)
    assert ring(clean_db)["status"] == "confirmed" and not ring(clean_db).get("labels")
    assert [e["by"] for e in events(clean_db)] == ["lena", "lena"]


def test_an_account_put_back_after_the_confirmation_is_reviewed_not_suspended(clean_db, tmp_path):
    """Field report (investigator workflow pass): an account detection found was taken out,
    the lead confirmed the ring without it, and it was put back afterwards. It kept
    added_by 'detect', so the export proposed suspend_account as if the lead had confirmed
    it. Put back, it is the person's call, reviewed on its own."""
    from ringscope.export import export_rings

    make_ring(clean_db)
    lena, ivan = person("lena", role="lead"), person("ivan", role="investigator")
    tagging.remove_members("R1", ["a2"], by=ivan, settings=clean_db)
    tagging.set_status("R1", "confirmed", by=lena, settings=clean_db)
    tagging.add_members("R1", ["a2"], by=lena, reason="it belongs back", settings=clean_db)
    assert membership(clean_db)["a2"] == ("lena", False)
    [info] = export_rings(tmp_path, ring_id="R1", by=lena, settings=clean_db)
    actions = {a["account_id"]: a for a in map(json.loads, (info.path / "actions.jsonl").read_text().splitlines())}
    assert actions["a2"]["action"] == "review_account"
    assert "by lena" in actions["a2"]["reason"] and "it belongs back" in actions["a2"]["reason"]
    assert actions["a1"]["action"] == "suspend_account"


@pytest.mark.parametrize("status", ["confirmed", "escalated"])
def test_the_accounts_of_a_confirmed_case_are_a_leads_to_change(clean_db, status):
    """Field report (investigator workflow pass): an investigator emptied a confirmed case,
    and the lead's export then held no account. The accounts of a confirmed or escalated
    case are what the lead decided on."""
    make_ring(clean_db)
    lena, ivan = person("lena", role="lead"), person("ivan", role="investigator")
    tagging.set_status("R1", status, by=lena, settings=clean_db)
    for change in (tagging.remove_members, tagging.add_members):
        with pytest.raises(PermissionDenied) as refused:
            change("R1", ["a1", "a4"], by=ivan, settings=clean_db)
        assert str(refused.value) == (f"ivan has the investigator role; changing the accounts of a {status} ring "
                                      "needs lead or higher: ask an admin")
    assert membership(clean_db) == {"a1": ("detect", False), "a2": ("detect", False), "a3": ("detect", False)}
    assert tagging.remove_members("R1", ["a1"], by=lena, settings=clean_db).changed == ("a1",)
    tagging.set_status("R1", "investigating", by=lena, settings=clean_db)
    assert tagging.add_members("R1", ["a4"], by=ivan, settings=clean_db).changed == ("a4",)


def test_a_case_confirmed_meanwhile_keeps_its_accounts(clean_db, monkeypatch):
    """The same race as the status's: the investigator's request read the ring as
    "investigating", a lead confirmed it before the write landed; the write holds the status
    its rights were checked against and writes nothing."""
    make_ring(clean_db)
    lena, ivan = person("lena", role="lead"), person("ivan", role="investigator")
    tagging.set_status("R1", "investigating", by=lena, settings=clean_db)
    stale = tagging._tags_or_raise("R1", clean_db)
    tagging.set_status("R1", "confirmed", by=lena, settings=clean_db)
    monkeypatch.setattr(tagging, "_tags_or_raise", lambda ring_id, settings: stale)
    with pytest.raises(TaggingError, match="status changed from investigating to confirmed while this change"):
        tagging.remove_members("R1", ["a1"], by=ivan, settings=clean_db)
    assert membership(clean_db)["a1"] == ("detect", False)
    assert [e["by"] for e in events(clean_db)] == ["lena", "lena"]


def test_cli_checks_every_part_before_writing_anything(clean_db, tmp_path):
    """Field report (investigator workflow pass): `ringscope tag R --status investigating
    --label batch-1 --add-account X --reason <600 characters>` saved the status and the
    label, then failed on the reason (exit 1, half written); `--note n1 --comment ""` saved
    the note; `--reason` without accounts was ignored; and `--status confirmed --add-account
    X` confirmed first, so X was only reviewed."""
    from ringscope.export import export_rings

    make_ring(clean_db)
    refused = [
        (["--status", "investigating", "--label", "batch-1", "--add-account", "a4", "--reason", "x" * 600],
         "the reason is longer than 500 characters"),
        (["--note", "n1", "--comment", " "], "the comment is empty"),
        (["--label", "ok", "--assign", "bad\u202ename"], "an assignee is a name or an e-mail address"),
        (["--status", "closed", "--add-account", "a4"], "unknown status 'closed'"),
    ]
    for args, says in refused:
        result = invoke("tag", "R1", *args, "--by", "ivan")
        assert result.exit_code != 0 and says in str(result.exception), (args, result.output)
    ignored = invoke("tag", "R1", "--reason", "why", "--by", "ivan")
    assert ignored.exit_code == 2 and "--reason says why accounts go into the case" in ignored.output
    assert events(clean_db) == [] and tagging.ring_tags("R1", settings=clean_db).status == "new"

    both = invoke("tag", "R1", "--status", "confirmed", "--add-account", "a4", "--reason", "same card", "--by", "lena")
    assert both.exit_code == 0, both.output
    assert [e["action"] for e in events(clean_db)] == ["add_members", "set_status"]
    [info] = export_rings(tmp_path, ring_id="R1", by=person("lena", role="lead"), settings=clean_db)
    actions = {a["account_id"]: a for a in map(json.loads, (info.path / "actions.jsonl").read_text().splitlines())}
    assert actions["a4"]["action"] == "suspend_account"
    assert actions["a4"]["reason"].endswith("in the case when the ring was confirmed")


@pytest.mark.parametrize("query", ["set_ring_status", "record_export", "set_mark", "save_query"])
def test_query_run_refuses_writes_that_record_who(clean_db, query):
    """Field report (investigator workflow pass): `ringscope query run set_ring_status --write
    -p by='"lena@example.test"' -p by_via='"oidc"' ...` confirmed a ring recorded as the
    signed-in lead, and `record_export` recorded a forged manifest that `verify --graph` then
    called intact. Such queries run only through the commands that record who acts."""
    make_ring(clean_db)
    result = invoke("query", "run", query, "--write", "-p", 'ring_id="R1"', "-p", 'status="confirmed"',
                    "-p", 'by="lena@example.test"', "-p", 'by_subject="lena"', "-p", 'by_via="oidc"')
    assert result.exit_code != 0 and f"query {query!r} records who makes the change" in str(result.exception)
    assert events(clean_db) == [] and ring(clean_db)["status"] == "new"
