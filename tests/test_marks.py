"""Marks on a live Neo4j: an account or identifier marked known-bad or known-good with a
reason, one (:Mark) per entity, every change audited in the same transaction; the CLI and
the functions agree; known-bad identifiers feed the recidivism alert."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from auth_people import person
from ringscope import alerts, db, marks
from ringscope.auth import PermissionDenied
from ringscope.cli import cli
from ringscope.marks import MarkError

GRAPH = """
CREATE (a1:Account {account_id: 'a1', email: 'J.Doe+x@googlemail.com', email_mailbox: 'jdoe@gmail.com'}),
       (a2:Account {account_id: 'a2'}), (a3:Account {account_id: 'a3'}),
       (d:Device {device_id: 'dev-1', accounts: 2}), (i:IP {address: '203.0.113.7', accounts: 1}),
       (p:PaymentInstrument {instrument_id: 'card-1', accounts: 1}),
       (t:PromptTemplate {fingerprint: 'tpl-1'}), (dom:EmailDomain {domain: 'gmail.com'})
CREATE (a1)-[:USED_DEVICE]->(d), (a2)-[:USED_DEVICE]->(d), (a1)-[:USED_IP]->(i), (a1)-[:PAID_WITH]->(p),
       (a1)-[:HAS_EMAIL_DOMAIN]->(dom)
"""


@pytest.fixture
def graph(clean_db):
    db.run_write(GRAPH, {}, settings=clean_db)
    return clean_db


def mark_events(settings, mark_id):
    return db.run_read("MATCH (e:AuditEvent)-[:ABOUT]->(:Mark {mark_id: $id}) RETURN e.action AS action, e.by AS by, "
                       "e.by_subject AS subject, e.before AS before, e.after AS after ORDER BY e.seq",
                       {"id": mark_id}, settings=settings)


def test_a_mark_is_stored_linked_and_audited_once(graph):
    change = marks.set_mark("Device", "dev-1", "known-bad", "VM image of the March ring", by=person("alice"),
                            settings=graph)
    assert change.changed and change.mark_id == "device:dev-1"
    assert change.after == {"verdict": "known_bad", "reason": "VM image of the March ring"}
    [row] = db.run_read("MATCH (m:Mark)-[:MARKS]->(d:Device) RETURN m.verdict AS v, m.by AS by, d.device_id AS d",
                        settings=graph)
    assert row == {"v": "known_bad", "by": "alice", "d": "dev-1"}
    [event] = mark_events(graph, "device:dev-1")
    assert (event["action"], event["by"], event["subject"]) == ("set_mark", "alice", "sub-alice")
    assert json.loads(event["before"]) == {"verdict": None, "reason": None}
    assert json.loads(event["after"]) == {"verdict": "known_bad", "reason": "VM image of the March ring"}

    again = marks.set_mark("device", "dev-1", "bad", "VM image of the March ring", by=person("bob"), settings=graph)
    assert not again.changed and again.event_id is None
    assert len(mark_events(graph, "device:dev-1")) == 1

    flipped = marks.set_mark("device", "dev-1", "good", "shared QA device", by=person("bob"), settings=graph)
    assert flipped.changed and flipped.before["verdict"] == "known_bad"
    cleared = marks.clear_mark("device", "dev-1", "not evidence either way", by=person("carol"), settings=graph)
    assert cleared.changed and cleared.after["verdict"] is None
    assert [e["action"] for e in mark_events(graph, "device:dev-1")] == ["set_mark", "set_mark", "clear_mark"]
    assert marks.marks_on("device", "dev-1", settings=graph) == []
    assert [e.action for e in marks.history("device", "dev-1", settings=graph)] == ["clear_mark", "set_mark", "set_mark"]
    # the node stays (its history hangs on it); clearing again writes nothing
    assert not marks.clear_mark("device", "dev-1", "again", by=person("carol"), settings=graph).changed
    assert db.run_read("MATCH (m:Mark) RETURN count(m) AS n", settings=graph)[0]["n"] == 1


def test_refusals_write_nothing(graph):
    viewer = person("vic", role="viewer")
    with pytest.raises(PermissionDenied, match="mark identifiers needs investigator"):
        marks.set_mark("device", "dev-1", "known_bad", "why", by=viewer, settings=graph)
    with pytest.raises(MarkError, match="no device 'nope' in the graph"):
        marks.set_mark("device", "nope", "known_bad", "why", by=person("alice"), settings=graph)
    with pytest.raises(MarkError, match="say why"):
        marks.set_mark("device", "dev-1", "known_bad", "  ", by=person("alice"), settings=graph)
    with pytest.raises(MarkError, match="unknown verdict"):
        marks.set_mark("device", "dev-1", "suspicious", "why", by=person("alice"), settings=graph)
    with pytest.raises(MarkError, match="cannot mark a 'org'"):
        marks.set_mark("org", "o1", "known_bad", "why", by=person("alice"), settings=graph)
    with pytest.raises(MarkError, match="not an e-mail address"):
        marks.set_mark("email", "no-at-sign", "known_bad", "why", by=person("alice"), settings=graph)
    assert db.run_read("MATCH (n) WHERE n:Mark OR n:AuditEvent RETURN count(n) AS n", settings=graph)[0]["n"] == 0


def test_an_account_shows_its_own_mark_its_address_and_what_it_uses(graph):
    alice = person("alice")
    marks.set_mark("account", "a1", "known_bad", "chargeback fraud", by=alice, settings=graph)
    marks.set_mark("ip", "203.0.113.7", "known_good", "office NAT", by=alice, settings=graph)
    marks.set_mark("instrument", "card-1", "known_bad", "stolen card", by=alice, settings=graph)
    # an address is marked by its delivery mailbox: Gmail's dots, +tags and googlemail.com are seen through
    change = marks.set_mark("email", "jdoe+other@gmail.com", "known_bad", "operator's address", by=alice,
                            settings=graph)
    assert change.mark_id == "email:jdoe@gmail.com"
    on = {(m.kind, m.verdict, m.via) for m in marks.marks_on("account", "a1", settings=graph)}
    assert on == {("account", "known_bad", "itself"), ("ip", "known_good", "USED_IP"),
                  ("instrument", "known_bad", "PAID_WITH"), ("email", "known_bad", "e-mail address")}
    assert marks.marks_on("account", "a1", settings=graph)[0].via == "itself"  # its own mark first
    assert marks.marks_on("account", "a2", settings=graph) == []
    listed = marks.list_marks(verdict="bad", settings=graph)
    assert {m.mark_id: m.accounts for m in listed} == {"account:a1": 1, "instrument:card-1": 1,
                                                        "email:jdoe@gmail.com": 1}


def test_a_reason_with_a_direction_override_is_kept_and_shown_inert(graph):
    marks.set_mark("device", "dev-1", "known_bad", "see invoice\u202efdp.exe", by=person("alice"), settings=graph)
    [m] = marks.marks_on("device", "dev-1", settings=graph)
    assert m.reason == "see invoice\u202efdp.exe"  # stored as given: it is evidence
    assert "\u202e" not in m.describe() and "U+202E" in m.describe()


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def test_cli_marks_lists_and_shows_history(graph):
    assert "known-bad" in invoke("mark", "--help").output
    result = invoke("mark", "device", "dev-1", "--bad", "--reason", "VM image", "--by", "alice")
    assert result.exit_code == 0, result.output
    assert "device:dev-1: no mark -> known bad" in result.output
    [event] = mark_events(graph, "device:dev-1")
    assert event["by"].startswith("alice (os user ") and event["subject"].startswith("os:")
    shown = invoke("mark", "device", "dev-1")
    assert "Known bad: device dev-1 -- VM image" in shown.output and "set_mark" in shown.output
    assert "device dev-1" in invoke("mark", "--list", "--bad").output
    assert invoke("mark", "--list", "--good").output.strip() == "no marks"
    missing = invoke("mark", "device", "dev-1", "--bad", "--by", "alice")
    assert missing.exit_code != 0 and "say why" in str(missing.exception or missing.output)


RING = """
CREATE (r:Ring {ring_id: 'R1', status: 'confirmed', score: 0.9, size: 2})
WITH r
UNWIND ['m1', 'm2'] AS id
MERGE (a:Account {account_id: id})
CREATE (r)-[:HAS_MEMBER {score: 0.5, added_by: 'detect', removed: false}]->(a)
WITH DISTINCT r
MATCH (m1:Account {account_id: 'm1'}), (m2:Account {account_id: 'm2'})
CREATE (ip:IP {address: '198.51.100.9', accounts: 4}), (d:Device {device_id: 'dev-vm', accounts: 3}),
       (d2:Device {device_id: 'dev-office', accounts: 3}),
       (n1:Account {account_id: 'new-1'}), (n2:Account {account_id: 'new-2'}), (n3:Account {account_id: 'new-3'}),
       (pub:Account {account_id: 'pub-1'}), (pub2:Account {account_id: 'pub-2'})
CREATE (m1)-[:USED_IP]->(ip), (n1)-[:USED_IP]->(ip), (pub)-[:USED_IP]->(ip), (pub2)-[:USED_IP]->(ip),
       (m1)-[:USED_DEVICE]->(d), (m2)-[:USED_DEVICE]->(d), (n2)-[:USED_DEVICE]->(d),
       (m1)-[:USED_DEVICE]->(d2), (m2)-[:USED_DEVICE]->(d2), (n3)-[:USED_DEVICE]->(d2)
CREATE (t:PromptTemplate {fingerprint: 'tpl-jailbreak', accounts: 3}), (n4:Account {account_id: 'new-4'}),
       (o1:Account {account_id: 'other-1'})
CREATE (m1)-[:SENT_TEMPLATE]->(t), (n4)-[:SENT_TEMPLATE]->(t), (o1)-[:SENT_TEMPLATE]->(t)
"""


def test_known_bad_marks_feed_the_recidivism_alert_and_known_good_ones_silence_it(clean_db):
    from ringscope.catalog import run_query

    db.run_write(RING, {}, settings=clean_db)
    alice = person("alice")
    # an office PC the ring also used (2 of its 3 accounts are the ring's): known-good, so no evidence
    marks.set_mark("device", "dev-office", "known_good", "front-desk PC", by=alice, settings=clean_db)
    raised = alerts.run_rules(clean_db)
    by_kind = {a.kind: set(a.account_ids) for a in raised.raised}
    # the VM device is the ring's own: new-2 is reported; new-3 (office PC only) and the IP's users are not
    assert by_kind == {"new_ring": {"m1", "m2"}, "recidivism": {"new-2"}}

    def recidivists():
        rows = run_query("alert_recidivism", {}, settings=clean_db)
        return {a for r in rows for a in r["account_ids"]}, " ".join(r["reason"] for r in rows)

    assert recidivists()[0] == set()
    # the IP is mostly others' (the ring is 1 of its 4 accounts), but an investigator marked it
    # known-bad: its other users are reported, and the reason says why
    marks.set_mark("ip", "198.51.100.9", "known_bad", "the ring's proxy exit", by=alice, settings=clean_db)
    accounts, reason = recidivists()
    assert accounts == {"new-1", "pub-1", "pub-2"} and "known-bad IP 198.51.100.9" in reason
    # a known-good account is never reported
    marks.set_mark("account", "pub-2", "known_good", "our QA account", by=alice, settings=clean_db)
    assert recidivists()[0] == {"new-1", "pub-1"}
    # a cleared mark stops counting
    marks.clear_mark("ip", "198.51.100.9", "was a shared hotel Wi-Fi", by=alice, settings=clean_db)
    assert recidivists()[0] == set()
    # one template is no evidence (a set of 3 is), unless marked known-bad
    marks.set_mark("template", "tpl-jailbreak", "known_bad", "the ring's jailbreak prompt", by=alice, settings=clean_db)
    accounts, reason = recidivists()
    assert accounts == {"new-4", "other-1"} and "known-bad template tpl-jailbreak" in reason


def test_cli_output_cannot_drive_the_terminal(clean_db):
    db.run_write("CREATE (:Device {device_id: $d})", {"d": "dev-\x1b[31mred\u202e"}, settings=clean_db)
    result = invoke("mark", "device", "dev-\x1b[31mred\u202e", "--bad", "--reason", "x\x1b[2J", "--by", "alice")
    assert result.exit_code == 0, result.output
    listed = invoke("mark", "--list").output
    assert "\x1b" not in listed and "\u202e" not in listed
    assert "dev-?[31mred⟨U+202E⟩" in listed and "x?[2J" in listed


def test_marks_by_id_looks_up_many_entities_at_once_and_leaves_out_cleared_ones(graph):
    """The graph on screen asks for the marks of all its nodes in one round trip."""
    marks.set_mark("device", "dev-1", "bad", "VM image", by=person("alice"), settings=graph)
    marks.set_mark("account", "a2", "good", "our QA account", by=person("alice"), settings=graph)
    marks.set_mark("ip", "203.0.113.7", "bad", "proxy exit", by=person("alice"), settings=graph)
    marks.clear_mark("ip", "203.0.113.7", "wrong exit", by=person("bob"), settings=graph)
    found = marks.marks_by_id(["device:dev-1", "account:a2", "account:a1", "ip:203.0.113.7", "account:nobody",
                               "device:dev-1"], settings=graph)
    assert {k: m.verdict for k, m in found.items()} == {"device:dev-1": "known_bad", "account:a2": "known_good"}
    assert found["device:dev-1"].reason == "VM image" and found["device:dev-1"].by == "alice"
    assert marks.marks_by_id([], settings=graph) == {}


def test_cli_showing_marks_of_an_entity_not_in_the_graph_says_so(graph):
    """`ringscope mark account TYPO` answered "no mark on it or on what it uses", exit 0, as
    if the account existed; setting a mark on it is refused, and showing should be too."""
    typo = invoke("mark", "account", "acc-typo")
    assert typo.exit_code == 1 and isinstance(typo.exception, marks.MarkError)
    assert "no account 'acc-typo' in the graph" in str(typo.exception)
    assert invoke("mark", "device", "no-such-device").exit_code == 1
    unmarked = invoke("mark", "device", "dev-1")  # in the graph, unmarked: fine as before
    assert unmarked.exit_code == 0 and unmarked.output.strip() == "no mark on it"
    address = invoke("mark", "email", "nobody@example.com")  # an address always exists
    assert address.exit_code == 0 and address.output.strip() == "no mark on it"


def test_an_ip_is_marked_by_the_address_ingest_keys_it_by(graph):
    """`mark ip` took the text as typed: `::ffff:203.0.113.7` (the same client seen by a
    dual-stack server) or an upper-case IPv6 was "not in the graph", although ingest stores
    both as the one node it names (README, Ingest: IPs)."""
    db.run_write("CREATE (:IP {address: '2001:db8::1', accounts: 0})", settings=graph)
    change = marks.set_mark("ip", "::FFFF:CB00:7107", "known-bad", "proxy exit", by=person("alice"), settings=graph)
    assert change.mark_id == "ip:203.0.113.7"
    assert marks.set_mark("ip", "2001:DB8:0::1", "known-bad", "proxy exit", by=person("alice"),
                          settings=graph).mark_id == "ip:2001:db8::1"
    with pytest.raises(MarkError, match="is not an IP address"):
        marks.set_mark("ip", "010.1.2.3", "known-bad", "x", by=person("alice"), settings=graph)


def test_cli_refuses_two_verdicts_at_once(graph):
    """`ringscope mark ip X --good --bad` marked it known-bad (the last flag won) without a
    word; two verdicts are refused and nothing is written."""
    result = invoke("mark", "device", "dev-1", "--good", "--bad", "--reason", "which?", "--by", "alice")
    assert result.exit_code == 2 and "give one of --bad, --good or --clear" in result.output
    assert mark_events(graph, "device:dev-1") == []
    assert invoke("mark", "device", "dev-1", "--bad", "--reason", "VM image", "--by", "alice").exit_code == 0
    assert invoke("mark", "device", "dev-1", "--clear", "--good", "--reason", "x", "--by", "alice").exit_code == 2
    assert len(mark_events(graph, "device:dev-1")) == 1


@pytest.mark.parametrize("argv, says", [
    (["account", "a1", "--reason", "should be bad", "--by", "h4"],
     "--reason and --by go with a change: give --bad, --good or --clear with --reason"),
    (["device", "dev-1", "--reason", "VM image"], "--reason goes with a change: give --bad, --good or --clear"),
    (["--list", "--bad", "--by", "h4"], "--list takes no --by"),
])
def test_cli_refuses_a_reason_or_a_name_without_a_change(graph, argv, says):
    """Break-it pass: `mark account ACC --reason "should be bad" --by h4` (no --bad, --good
    or --clear) showed "no mark on it or on what it uses", exit 0, ignoring --reason and --by:
    it read as if the account had been marked."""
    result = invoke("mark", *argv)
    assert result.exit_code == 2 and says in result.output, result.output
    assert "no mark" not in result.output
    assert mark_events(graph, "account:a1") == [] and mark_events(graph, "device:dev-1") == []
