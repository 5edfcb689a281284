"""Evidence bundles on a live Neo4j: contents against the graph, determinism, tamper
detection, the export record, and the zero-ring case."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from auth_people import person
from ringscope import __version__, db, tagging
from ringscope.cli import cli
from ringscope.errors import RingScopeError
from ringscope.export import export_rings, list_exports, verify_bundle
from ringscope.export.bundle import CONTENT_FILES, MANIFEST, bundle_name


XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_EMAIL = 'mallory"><script>alert(1)</script>@evil.test'
FORMULA_NAME = "=HYPERLINK(\"http://evil.test\",\"click\")"

# A small world in the README graph model: ring R1 (a1..a4 detected, a5 added later,
# a4 taken out of the case), ring R2 under investigation, and a bystander.
WORLD = """
CREATE (a1:Account {account_id: 'a1', email: $xss_email, display_name: $xss_name, created_at: datetime('2025-01-01T10:00:00Z'),
                    tier: 'build', country: 'KR', org_id: 'o1', exchanges: 100, input_tokens: 1000, output_tokens: 5000,
                    first_exchange: datetime('2025-03-03T00:00:00Z'), last_exchange: datetime('2025-03-10T00:00:00Z')})
CREATE (a2:Account {account_id: 'a2', email: 'b@example.test', display_name: $formula_name, created_at: datetime('2025-01-01T10:05:00Z'),
                    tier: 'free', country: 'KR', org_id: '=org|x', exchanges: 50, input_tokens: 10, output_tokens: 20,
                    first_exchange: datetime('2025-03-04T00:00:00Z'), last_exchange: datetime('2025-03-05T00:00:00Z')})
CREATE (a3:Account {account_id: 'a3', email: 'c@example.test', created_at: datetime('2025-01-01T10:07:00Z'), tier: 'free', country: 'NL'})
CREATE (a4:Account {account_id: 'a4', email: 'd@example.test', created_at: datetime('2025-01-02T00:00:00Z')})
CREATE (a5:Account {account_id: 'a5', email: 'e@example.test', created_at: datetime('2025-01-03T00:00:00Z'), exchanges: 7})
CREATE (a6:Account {account_id: 'a6', email: 'bystander@example.test', created_at: datetime('2024-01-01T00:00:00Z')})
CREATE (card:PaymentInstrument {instrument_id: 'pi-1', kind: 'card', bin: '411111', issuer_country: 'US'})
CREATE (solo:PaymentInstrument {instrument_id: 'pi-solo', kind: 'card'})
CREATE (dev:Device {device_id: 'dev-1', user_agent: $xss_name})
CREATE (ip:IP {address: '203.0.113.7', asn: 64500, as_org: 'Example Proxy', country: 'NL', kind: 'residential', network: '203.0.113.0/24'})
CREATE (ip2:IP {address: '198.51.100.9', kind: 'hosting'})
CREATE (t:PromptTemplate {fingerprint: 'tpl-1', accounts: 3, exchanges: 150})
CREATE (a1)-[:PAID_WITH {first_seen: datetime('2025-02-01T00:00:00Z'), last_seen: datetime('2025-03-01T00:00:00Z'), count: 2}]->(card)
CREATE (a2)-[:PAID_WITH {first_seen: datetime('2025-02-02T00:00:00Z'), last_seen: datetime('2025-03-02T00:00:00Z'), count: 1}]->(card)
CREATE (a1)-[:PAID_WITH {first_seen: datetime('2025-02-01T00:00:00Z'), last_seen: datetime('2025-02-01T00:00:00Z')}]->(solo)
CREATE (a1)-[:USED_DEVICE {first_seen: datetime('2025-02-20T00:00:00Z'), last_seen: datetime('2025-03-20T00:00:00Z'), logins: 3}]->(dev)
CREATE (a3)-[:USED_DEVICE {first_seen: datetime('2025-02-21T00:00:00Z'), last_seen: datetime('2025-02-22T00:00:00Z'), logins: 1}]->(dev)
CREATE (a5)-[:USED_DEVICE {first_seen: datetime('2025-02-23T00:00:00Z'), last_seen: datetime('2025-02-24T00:00:00Z'), logins: 1}]->(dev)
CREATE (a1)-[:USED_IP {first_seen: datetime('2025-03-01T00:00:00Z'), last_seen: datetime('2025-03-02T00:00:00Z')}]->(ip)
CREATE (a2)-[:USED_IP {first_seen: datetime('2025-03-01T00:00:00Z'), last_seen: datetime('2025-03-09T00:00:00Z')}]->(ip)
CREATE (a3)-[:USED_IP {first_seen: datetime('2025-03-01T00:00:00Z'), last_seen: datetime('2025-03-03T00:00:00Z')}]->(ip)
CREATE (a1)-[:USED_IP {first_seen: datetime('2025-03-05T00:00:00Z'), last_seen: datetime('2025-03-06T00:00:00Z')}]->(ip2)
CREATE (a4)-[:USED_IP {first_seen: datetime('2025-03-05T00:00:00Z'), last_seen: datetime('2025-03-06T00:00:00Z')}]->(ip2)
CREATE (a6)-[:USED_IP {first_seen: datetime('2025-03-05T00:00:00Z'), last_seen: datetime('2025-03-06T00:00:00Z')}]->(ip2)
CREATE (a1)-[:SENT_TEMPLATE {first_seen: datetime('2025-03-03T00:00:00Z'), last_seen: datetime('2025-03-04T00:00:00Z'), exchanges: 90}]->(t)
CREATE (a2)-[:SENT_TEMPLATE {first_seen: datetime('2025-03-04T00:00:00Z'), last_seen: datetime('2025-03-05T00:00:00Z'), exchanges: 50}]->(t)
CREATE (r1:Ring {ring_id: 'R1', score: 0.912345678, size: 4, signals: ['instrument_fanout', 'device_fanout', 'ip_cooccurrence', 'signup_bursts'],
                 evidence: '{"signals": {"instrument_fanout": {"identifiers": 1}}, "behaviour": {"median": 0.9}}',
                 detected_at: datetime('2025-03-20T00:00:00Z'), detection_version: '1', status: 'new', labels: []})
CREATE (r2:Ring {ring_id: 'R2', score: 0.5, size: 2, signals: ['ip_cooccurrence'], evidence: '{}',
                 detected_at: datetime('2025-03-20T00:00:00Z'), detection_version: '1', status: 'new', labels: []})
CREATE (r1)-[:HAS_MEMBER {score: 0.9, added_by: 'detect', removed: false}]->(a1)
CREATE (r1)-[:HAS_MEMBER {score: 0.8, added_by: 'detect', removed: false}]->(a2)
CREATE (r1)-[:HAS_MEMBER {score: 0.7, added_by: 'detect', removed: false}]->(a3)
CREATE (r1)-[:HAS_MEMBER {score: 0.6, added_by: 'detect', removed: false}]->(a4)
CREATE (r2)-[:HAS_MEMBER {score: 0.5, added_by: 'detect', removed: false}]->(a3)
CREATE (r2)-[:HAS_MEMBER {score: 0.5, added_by: 'detect', removed: false}]->(a6)
"""


@pytest.fixture
def world(clean_db):
    db.run_write(WORLD, {"xss_name": XSS_NAME, "xss_email": XSS_EMAIL, "formula_name": FORMULA_NAME}, settings=clean_db)
    tagging.tag_ring("R1", status="confirmed-operator", labels=["proxy-farm"], note="same card", by=person("alice"), settings=clean_db)
    tagging.remove_members("R1", ["a4"], by=person("alice"), settings=clean_db)
    tagging.add_members("R1", ["a5"], by=person("bob"), settings=clean_db)
    tagging.set_status("R2", "investigating", by=person("bob"), settings=clean_db)
    return clean_db


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_bundle_contents_match_the_graph(world, tmp_path):
    [info] = export_rings(tmp_path, by=person("carol"), settings=world)
    folder = tmp_path / "ring-R1"
    assert info.ring_id == "R1" and info.path == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted([*CONTENT_FILES, MANIFEST])

    members = read_csv(folder / "members.csv")
    assert [m["account_id"] for m in members] == ["a1", "a2", "a3", "a5"]  # a4 removed, a5 added
    a1 = members[0]
    assert a1["email"] == XSS_EMAIL and a1["display_name"] == XSS_NAME
    assert (a1["created_at"], a1["tier"], a1["country"], a1["org_id"]) == ("2025-01-01T10:00:00.000000Z", "build", "KR", "o1")
    assert (a1["exchanges"], a1["input_tokens"], a1["output_tokens"], a1["total_tokens"]) == ("100", "1000", "5000", "6000")
    # First/last activity: the earliest and latest of exchanges and sign-ins from any device or IP.
    assert (a1["first_activity"], a1["last_activity"]) == ("2025-02-20T00:00:00.000000Z", "2025-03-20T00:00:00.000000Z")
    assert (members[1]["first_activity"], members[1]["last_activity"]) == ("2025-03-01T00:00:00.000000Z", "2025-03-09T00:00:00.000000Z")
    assert members[1]["display_name"] == "'" + FORMULA_NAME  # neutralised for spreadsheets
    # in every column, not only names and e-mails: the org id is the signer-up's choice too
    # (a field report: `=org|x` went into members.csv as is)
    assert members[1]["org_id"] == "'=org|x"
    assert (members[3]["added_by"], members[3]["member_score"]) == ("bob", "")
    assert members[0]["added_by"] == "detect" and members[0]["member_score"] == "0.9"

    identifiers = read_csv(folder / "identifiers.csv")
    listed = {(i["kind"], i["identifier"]): i for i in identifiers}
    # pi-solo has one user, ip2 only one *case* member (a4 was removed, a6 is not in R1).
    assert set(listed) == {("instrument", "pi-1"), ("device", "dev-1"), ("ip", "203.0.113.7"), ("template", "tpl-1")}
    assert [i["kind"] for i in identifiers] == ["device", "instrument", "ip", "template"]
    card = listed[("instrument", "pi-1")]
    assert (card["shared_by"], card["members"]) == ("2", "a1;a2")
    assert (card["first_seen"], card["last_seen"]) == ("2025-02-01T00:00:00.000000Z", "2025-03-02T00:00:00.000000Z")
    assert card["details"] == "kind=card; bin=411111; issuer_country=US"
    assert listed[("device", "dev-1")]["members"] == "a1;a3;a5"
    assert listed[("ip", "203.0.113.7")]["details"] == (
        "kind=residential; asn=64500; as_org=Example Proxy; country=NL; network=203.0.113.0/24")

    evidence = json.loads((folder / "evidence.json").read_text())
    assert evidence["ring_id"] == "R1" and evidence["score"] == 0.912346
    assert evidence["signals"] == ["instrument_fanout", "device_fanout", "ip_cooccurrence", "signup_bursts"]
    assert evidence["tags"] == {"status": "confirmed", "labels": ["proxy-farm"], "note": "same card", "assignee": None}
    assert evidence["comments"] == []
    assert evidence["marks"] == []
    assert evidence["detection"]["evidence"] == {"signals": {"instrument_fanout": {"identifiers": 1}}, "behaviour": {"median": 0.9}}
    assert evidence["case"] == {"members": 4, "removed_members": ["a4"], "shared_identifiers": 4}
    trail = tagging.history("R1", settings=world)  # newest first; includes the export now
    assert trail[0].action == "exported"
    assert [e["event_id"] for e in evidence["audit"]] == [e.event_id for e in reversed(trail[1:])]
    assert [e["action"] for e in evidence["audit"]] == ["set_status", "add_labels", "set_note", "remove_members", "add_members"]
    assert evidence["audit"][0]["before"] == {"status": "new"} and evidence["audit"][0]["by"] == "alice"

    actions = [json.loads(line) for line in (folder / "actions.jsonl").read_text().splitlines()]
    assert [a["account_id"] for a in actions] == ["a1", "a2", "a3", "a5"]
    assert {a["ring_id"] for a in actions} == {"R1"}
    # detection's members: the status's action with detection's reason
    assert [a["action"] for a in actions[:3]] == ["suspend_account"] * 3
    # a5 was put in by bob after the ring was confirmed: bob's reason, and a review of its own
    # (issue 14 defect 6: it got suspend_account with the ring's detection signals)
    assert actions[3]["action"] == "review_account"
    assert actions[3]["reason"].startswith("added by hand to the case of confirmed ring R1 by bob at 20")
    assert "no reason given; not found by detection" in actions[3]["reason"]
    assert "instrument_fanout" not in actions[3]["reason"] and "review this account on its own" in actions[3]["reason"]
    assert "ring R1" in actions[0]["reason"] and "instrument_fanout, device_fanout, ip_cooccurrence" in actions[0]["reason"]
    assert "signup_bursts" not in actions[0]["reason"]  # top three signals only
    assert "shares 4 identifier(s)" in actions[0]["reason"] and "shares 1 identifier(s)" in actions[3]["reason"]

    manifest_bytes = (folder / MANIFEST).read_bytes()
    manifest = json.loads(manifest_bytes)
    assert manifest["ring_ids"] == ["R1"] and manifest["exported_by"] == "carol"
    assert manifest["ringscope_version"] == __version__
    assert manifest["queries"] == {"export_identifiers": 2, "export_members": 1, "export_ring_evidence": 3, "export_select_rings": 1,
                                   "export_ring_marks": 1}
    for name in CONTENT_FILES:
        data = (folder / name).read_bytes()
        assert manifest["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert info.manifest_sha256 == hashlib.sha256(manifest_bytes).hexdigest()

    # Recorded in the graph: the Export node, INCLUDES with the manifest hash, an audit event.
    recorded = db.run_read(
        "MATCH (x:Export)-[i:INCLUDES]->(r:Ring) RETURN x.export_id AS id, x.by AS by, x.ring_ids AS rings, "
        "x.out_dir AS out_dir, i.manifest_sha256 AS sha, r.ring_id AS ring, toString(x.at) AS at",
        settings=world,
    )
    assert len(recorded) == 1
    row = recorded[0]
    assert (row["id"], row["by"], row["rings"], row["ring"], row["sha"]) == (info.export_id, "carol", ["R1"], "R1", info.manifest_sha256)
    assert row["out_dir"] == str(tmp_path.resolve())
    assert row["at"].startswith(manifest["exported_at"][:19])
    assert trail[0].after["export_id"] == info.export_id and trail[0].after["manifest_sha256"] == info.manifest_sha256
    [listed_export] = list_exports(settings=world)
    assert listed_export.export_id == info.export_id and listed_export.ring_ids == ("R1",)
    assert list_exports(ring_id="R2", settings=world) == []


def test_same_graph_state_gives_identical_files(world, tmp_path):
    first = export_rings(tmp_path / "one", by=person("carol"), settings=world)
    second = export_rings(tmp_path / "two", by=person("carol"), settings=world)
    assert [b.ring_id for b in first] == [b.ring_id for b in second] == ["R1"]
    for name in CONTENT_FILES:
        assert (tmp_path / "one/ring-R1" / name).read_bytes() == (tmp_path / "two/ring-R1" / name).read_bytes(), name
    m1 = json.loads((tmp_path / "one/ring-R1" / MANIFEST).read_text())
    m2 = json.loads((tmp_path / "two/ring-R1" / MANIFEST).read_text())
    assert m1.pop("exported_at") != "" and m2.pop("exported_at") != ""
    assert m1 == m2
    assert len(list_exports(settings=world)) == 2

    # A real change in the graph shows up in the files.
    tagging.add_labels("R1", ["wave-2"], by=person("alice"), settings=world)
    export_rings(tmp_path / "three", by=person("carol"), settings=world)
    assert (tmp_path / "three/ring-R1/evidence.json").read_bytes() != (tmp_path / "one/ring-R1/evidence.json").read_bytes()
    assert (tmp_path / "three/ring-R1/members.csv").read_bytes() == (tmp_path / "one/ring-R1/members.csv").read_bytes()


def test_graph_html_escapes_every_data_string(world, tmp_path):
    export_rings(tmp_path, by=person("carol"), settings=world)
    page = (tmp_path / "ring-R1/graph.html").read_text(encoding="utf-8")
    assert XSS_NAME not in page and XSS_EMAIL not in page
    assert '"><script>' not in page and "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "mallory&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@evil.test" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # What a browser would build from the page: no script, nothing loaded, no handlers.
    parser = TagCollector()
    parser.feed(page)
    assert not {"script", "img", "iframe", "object", "embed", "link", "image", "use", "a"} & parser.tags
    assert not [a for a in parser.attributes if a.startswith("on") or a in ("src", "href", "xlink:href", "srcset")]
    assert "url(" not in page and "@import" not in page
    assert "svg" in parser.tags and page.count('class="node"') == 4 + 4  # four accounts, four shared identifiers


def test_graph_html_shows_bidi_overrides_as_code_points(world, tmp_path):
    """Issue 14 defect 7: a note and a display name with direction overrides reversed the rest
    of their line in graph.html. The page shows the code point instead; the data files keep
    the stored text (they are evidence, not a display)."""
    db.run_write("MATCH (a:Account {account_id: 'a3'}) SET a.display_name = 'Bob\u202egnp.exe'", settings=world)
    tagging.set_note("R1", "see \u2067right-to-left\u2069 ok", by=person("alice"), settings=world)
    export_rings(tmp_path, by=person("carol"), settings=world)
    page = (tmp_path / "ring-R1/graph.html").read_text(encoding="utf-8")
    from ringscope.display import BIDI_CONTROLS
    assert not [c for c in page if c in BIDI_CONTROLS]
    assert "Bob⟨U+202E⟩gnp.exe" in page and "see ⟨U+2067⟩right-to-left⟨U+2069⟩ ok" in page
    assert "overflow-wrap: anywhere" in page  # long unbroken strings wrap
    members = read_csv(tmp_path / "ring-R1/members.csv")
    assert {m["account_id"]: m["display_name"] for m in members}["a3"] == "Bob\u202egnp.exe"


def test_verify_catches_changed_missing_and_extra_files(world, tmp_path):
    [info] = export_rings(tmp_path, by=person("carol"), settings=world)
    folder = info.path
    assert verify_bundle(folder).ok

    with open(folder / "members.csv", "a", encoding="utf-8") as handle:
        handle.write("a999,,,,,,,,,,,,,,\n")
    result = verify_bundle(folder)
    assert not result.ok and result.changed == ("members.csv",)
    assert result.first_problem.startswith("changed: members.csv")

    (folder / "graph.html").unlink()
    (folder / "notes.txt").write_text("hello")
    result = verify_bundle(folder)
    assert result.missing == ("graph.html",) and result.unexpected == ("notes.txt",)
    assert [p.split(":")[0] for p in result.problems] == ["missing", "changed", "unexpected"]

    runner = CliRunner()
    cli_result = runner.invoke(cli, ["verify", str(folder)])
    assert cli_result.exit_code != 0
    assert isinstance(cli_result.exception, RingScopeError)
    assert "missing: graph.html" in str(cli_result.exception) and "+2 more problems" in str(cli_result.exception)
    assert "changed: members.csv" in cli_result.output and "unexpected: notes.txt" in cli_result.output

    (folder / MANIFEST).unlink()
    assert verify_bundle(folder).first_problem == "missing: manifest.json"


def test_verify_against_the_graph_catches_a_rewritten_manifest(world, tmp_path):
    [info] = export_rings(tmp_path, by=person("carol"), settings=world)
    folder = info.path
    checked = verify_bundle(folder, against_graph=True, settings=world)
    assert checked.ok and checked.recorded["export_id"] == info.export_id

    # Edit a file and fix its manifest entry: the files agree again, the graph record does not.
    actions = folder / "actions.jsonl"
    actions.write_text(actions.read_text().replace("suspend_account", "no_action"))
    manifest = json.loads((folder / MANIFEST).read_text())
    data = actions.read_bytes()
    manifest["files"]["actions.jsonl"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    assert verify_bundle(folder).ok
    forged = verify_bundle(folder, against_graph=True, settings=world)
    assert not forged.ok and "not the manifest of any export recorded" in forged.first_problem

    cli_ok = CliRunner().invoke(cli, ["verify", str(folder)])
    assert cli_ok.exit_code == 0 and "intact" in cli_ok.output
    assert CliRunner().invoke(cli, ["verify", "--graph", str(folder)]).exit_code != 0


def test_manifest_naming_files_outside_the_bundle_is_refused(world, tmp_path):
    [info] = export_rings(tmp_path, by=person("carol"), settings=world)
    manifest = json.loads((info.path / MANIFEST).read_text())
    manifest["files"]["../../etc/passwd"] = {"sha256": "0" * 64, "size": 1}
    (info.path / MANIFEST).write_text(json.dumps(manifest))
    result = verify_bundle(info.path)
    assert not result.ok and "not a file of the bundle" in result.first_problem


def test_zero_confirmed_rings_says_so_and_writes_nothing(clean_db, tmp_path):
    db.run_write("CREATE (:Ring {ring_id: 'R9', status: 'investigating', signals: []})", settings=clean_db)
    out = tmp_path / "bundles"
    assert export_rings(out, by=person("carol"), settings=clean_db) == []
    assert not out.exists()
    result = CliRunner().invoke(cli, ["export", "--out", str(out), "--by", "carol", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "no rings with status confirmed: nothing exported, nothing written" in result.output
    assert not out.exists()
    assert db.run_read("MATCH (x:Export) RETURN count(x) AS n", settings=clean_db)[0]["n"] == 0
    assert db.run_read("MATCH (e:AuditEvent) RETURN count(e) AS n", settings=clean_db)[0]["n"] == 0


def test_a_hand_added_account_confirmed_with_the_ring_is_acted_on_with_its_reason(world, tmp_path):
    """Issue 14 defect 6, the other branch: an account added with a reason before a lead
    confirms the ring was in the case the lead confirmed, so it gets the ring's action --
    with the investigator's reason, never detection's signals."""
    tagging.set_status("R2", "new", by=person("bob"), settings=world)
    tagging.add_members("R2", ["a1"], by=person("bob"), reason="paid with a6's card ‮evil", settings=world)
    tagging.set_status("R2", "confirmed", by=person("lead"), settings=world)
    [info] = export_rings(tmp_path, ring_id="R2", by=person("carol"), settings=world)
    actions = {a["account_id"]: a for a in map(json.loads, (info.path / "actions.jsonl").read_text().splitlines())}
    assert actions["a1"]["action"] == "suspend_account"
    assert ("by bob at 20" in actions["a1"]["reason"]
            and ": paid with a6's card ‮evil; not found by detection" in actions["a1"]["reason"])
    assert actions["a1"]["reason"].endswith("in the case when the ring was confirmed")
    assert actions["a3"]["action"] == "suspend_account" and "signals: ip_cooccurrence" in actions["a3"]["reason"]


def test_one_ring_and_other_statuses(world, tmp_path):
    with pytest.raises(RingScopeError, match="ring 'R2' has status investigating, not confirmed"):
        export_rings(tmp_path, ring_id="R2", by=person("carol"), settings=world)
    with pytest.raises(RingScopeError, match="no ring with id 'R404'"):
        export_rings(tmp_path, ring_id="R404", by=person("carol"), settings=world)
    assert list(tmp_path.iterdir()) == []
    calls = []
    [info] = export_rings(tmp_path, ring_id="R2", status="investigating", by=person("carol"), settings=world,
                          progress=lambda done, total, message: calls.append((done, total, message)))
    assert calls == [(0, 1, "ring R2"), (1, 1, "recorded in the graph")]
    actions = [json.loads(line) for line in (info.path / "actions.jsonl").read_text().splitlines()]
    assert [(a["account_id"], a["action"]) for a in actions] == [("a3", "review_account"), ("a6", "review_account")]


def test_existing_bundle_is_replaced_only_with_force(world, tmp_path):
    export_rings(tmp_path, by=person("carol"), settings=world)
    from ringscope.export import BundleExists
    with pytest.raises(BundleExists, match="already holds files: pass --force") as refused:
        export_rings(tmp_path, by=person("carol"), settings=world)
    assert refused.value.folder == tmp_path / "ring-R1"  # the app names it and offers Replace
    tagging.set_note("R1", "updated", by=person("alice"), settings=world)
    [info] = export_rings(tmp_path, by=person("carol"), settings=world, force=True)
    assert json.loads((info.path / "evidence.json").read_text())["tags"]["note"] == "updated"
    assert verify_bundle(info.path).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ring-R1"]  # no staging leftovers

    other = tmp_path / "other"
    (other / "ring-R1").mkdir(parents=True)
    (other / "ring-R1" / "precious.txt").write_text("not a bundle")
    with pytest.raises(RingScopeError, match="not a RingScope bundle"):
        export_rings(other, by=person("carol"), settings=world, force=True)
    assert (other / "ring-R1" / "precious.txt").read_text() == "not a bundle"


def test_unsafe_ring_ids_stay_inside_the_output_folder(clean_db, tmp_path):
    db.run_write(
        "CREATE (r:Ring {ring_id: '../../escape me', status: 'confirmed', signals: ['x'], score: 1.0})"
        "-[:HAS_MEMBER {added_by: 'detect', removed: false}]->(:Account {account_id: 'z1'})",
        settings=clean_db,
    )
    [info] = export_rings(tmp_path / "out", by=person("carol"), settings=clean_db)
    assert info.path.parent == tmp_path / "out"
    assert info.path.name == bundle_name("../../escape me") and "/" not in info.path.name
    assert info.path.name.startswith("ring-") and ".." not in info.path.name and "escape_me" in info.path.name
    assert verify_bundle(info.path).ok


def test_cli_export_and_list(world, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "--out", str(tmp_path), "--by", "carol", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "ring-R1: 4 account(s), 4 shared identifier(s)" in result.output
    assert "1 bundle(s) written, recorded as export exp-" in result.output
    listed = runner.invoke(cli, ["export", "--list"])
    assert listed.exit_code == 0 and "R1: ring-R1" in listed.output and "by carol" in listed.output
    assert runner.invoke(cli, ["export", "--by", "carol"]).exit_code == 2  # no --out
    members = list(csv.reader(io.StringIO((tmp_path / "ring-R1/members.csv").read_text())))
    assert members[0][:3] == ["account_id", "email", "display_name"]


ONE_TIME_FORMAT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_every_time_in_a_bundle_has_one_format(clean_db, tmp_path):
    """evidence.json and members.csv of one bundle format one instant the same way, whether the
    time came from the driver (a DateTime with nanoseconds) or from JSON that detection wrote
    with another formatter (`neo4j.time.DateTime.iso_format()`: nanoseconds, `+00:00`)."""
    import re

    from neo4j.time import DateTime

    instant = DateTime(2025, 3, 1, 10, 0, 0, 123456789, tzinfo=__import__("datetime").timezone.utc)
    evidence = json.dumps({"signals": {"signup_bursts": {"first": instant.iso_format(), "note": "not a time"}}})
    db.run_write(
        "CREATE (a:Account {account_id: 'a1', created_at: $t})<-[:HAS_MEMBER {added_by: 'detect', removed: false}]-"
        "(:Ring {ring_id: 'RT', status: 'confirmed', labels: [], signals: ['signup_bursts'], evidence: $evidence, "
        " detected_at: $t, first_detected_at: $t})",
        {"t": instant, "evidence": evidence}, settings=clean_db)
    [info] = export_rings(tmp_path, by=person("carol"), settings=clean_db)
    document = json.loads((info.path / "evidence.json").read_text())
    created = read_csv(info.path / "members.csv")[0]["created_at"]
    first = document["detection"]["evidence"]["signals"]["signup_bursts"]["first"]
    assert created == document["detection"]["detected_at"] == first == "2025-03-01T10:00:00.123456Z"
    times = [s for s in _strings(document) if re.match(r"^\d{4}-\d{2}-\d{2}T", s)]
    assert times and all(re.match(ONE_TIME_FORMAT, s) for s in times), times
    assert document["detection"]["evidence"]["signals"]["signup_bursts"]["note"] == "not a time"
    manifest = json.loads((info.path / MANIFEST).read_text())
    assert re.match(ONE_TIME_FORMAT, manifest["exported_at"])


def test_the_bundle_carries_the_comment_thread_and_the_assignee(world, tmp_path):
    """Issue 14 (comments and assignment): both are in the audit trail and in evidence.json."""
    tagging.assign("R1", person("dana", email="dana@example.test"), by=person("dana", email="dana@example.test"),
                   settings=world)
    tagging.comment("R1", "Payments team confirms the BIN range.", by=person("alice"), settings=world)
    tagging.comment("R1", "Device logs: <b>same VM</b> \u202e image", by=person("bob"), settings=world)
    [info] = export_rings(tmp_path, ring_id="R1", by=person("carol"), settings=world)
    evidence = json.loads((info.path / "evidence.json").read_text())
    assert evidence["bundle_format"] == 3
    assert evidence["tags"]["assignee"] == "dana@example.test"
    assert [(c["seq"], c["by"], c["text"]) for c in evidence["comments"]] == [
        (7, "alice", "Payments team confirms the BIN range."), (8, "bob", "Device logs: <b>same VM</b> \u202e image")]
    assert all(c["at"].endswith("Z") and len(c["at"]) == 27 for c in evidence["comments"])
    assert [e["action"] for e in evidence["audit"]][-3:] == ["assign", "comment", "comment"]
    # graph.html shows no comment as markup (it holds no comment at all: the thread is evidence.json's)
    assert "<b>same VM</b>" not in (info.path / "graph.html").read_text()


def test_a_bundle_zips_with_its_manifest_the_same_bytes_every_time(world, tmp_path):
    import io
    import zipfile

    from ringscope.export import bundle_zip
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "--ring", "R1", "--out", str(tmp_path), "--by", "carol", "--zip",
                                 "--no-progress"])
    assert result.exit_code == 0, result.output
    archive = tmp_path / "ring-R1.zip"
    assert f"{archive}: the bundle as one zip" in result.output
    with zipfile.ZipFile(archive) as z:
        assert z.namelist() == [f"ring-R1/{n}" for n in sorted([*CONTENT_FILES, MANIFEST])]
        assert z.read("ring-R1/manifest.json") == (tmp_path / "ring-R1" / MANIFEST).read_bytes()
        z.extractall(tmp_path / "x")
    assert verify_bundle(tmp_path / "x" / "ring-R1").ok
    # the zip itself is checked unzipped, and `verify` says so (a field report: "not a folder")
    assert verify_bundle(archive).problems[0].endswith("(`unzip` it, then verify the folder)")
    assert bundle_zip(tmp_path / "ring-R1") == archive.read_bytes()
    (tmp_path / "ring-R1" / "actions.jsonl").write_text("{}\n")
    with pytest.raises(RingScopeError, match="does not match its manifest"):
        bundle_zip(tmp_path / "ring-R1")


def test_the_bundle_lists_the_marks_reaching_the_case(world, tmp_path):
    """Issue 14 (marks): known-bad / known-good marks on case accounts and on what they used
    are evidence; a mark on a removed account or an unrelated identifier is not listed."""
    from ringscope import marks
    alice = person("alice")
    marks.set_mark("device", "dev-1", "known_bad", "VM image of the March ring", by=alice, settings=world)
    marks.set_mark("account", "a2", "known_bad", "chargebacks", by=alice, settings=world)
    marks.set_mark("ip", "198.51.100.9", "known_good", "office NAT", by=alice, settings=world)  # a1 used it
    marks.set_mark("account", "a4", "known_bad", "removed from the case", by=alice, settings=world)
    marks.set_mark("account", "a6", "known_bad", "not in R1", by=alice, settings=world)
    marks.set_mark("instrument", "pi-solo", "known_bad", "cleared later", by=alice, settings=world)
    marks.clear_mark("instrument", "pi-solo", "wrong card", by=alice, settings=world)
    [info] = export_rings(tmp_path, ring_id="R1", by=person("carol"), settings=world)
    evidence = json.loads((info.path / "evidence.json").read_text())
    listed = {m["mark_id"]: (m["verdict"], m["accounts"]) for m in evidence["marks"]}
    assert listed == {"account:a2": ("known_bad", ["a2"]), "device:dev-1": ("known_bad", ["a1", "a3", "a5"]),
                      "ip:198.51.100.9": ("known_good", ["a1"])}
    first = evidence["marks"][0]
    assert (first["reason"], first["by"], first["at"][-1]) == ("chargebacks", "alice", "Z")
    # deterministic: the same graph gives the same evidence.json
    [again] = export_rings(tmp_path / "again", ring_id="R1", by=person("carol"), settings=world)
    assert (again.path / "evidence.json").read_bytes() == (info.path / "evidence.json").read_bytes()


def test_an_out_folder_that_cannot_be_made_is_one_line_and_nothing_is_recorded(world, tmp_path):
    """`ringscope export --out FILE/sub` (a parent that is a file) ended in a
    NotADirectoryError traceback; it is refused in one line before any ring is read."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(RingScopeError, match=r"cannot create --out .*a-file/bundles \(Not a directory\)"):
        export_rings(blocker / "bundles", by=person("carol"), settings=world)
    assert list_exports(settings=world) == []
    result = CliRunner().invoke(cli, ["export", "--out", str(blocker / "bundles"), "--by", "carol"])
    assert result.exit_code == 1 and isinstance(result.exception, RingScopeError)


def test_identifier_cells_a_spreadsheet_would_run_are_quoted():
    """A field report: a card id `=pi_evil|calc` and a device id `=dev|calc` went into
    identifiers.csv as they were (only e-mails, names and details were guarded); ids come
    from whoever signed up. The bundle's CSVs guard every text cell; numbers stay numbers."""
    from ringscope.export.bundle import IDENTIFIER_COLUMNS, csv_text

    text = csv_text(IDENTIFIER_COLUMNS, [
        {"kind": "instrument", "identifier": "=pi_evil|calc", "shared_by": 9, "members": ["=a1", "a2"], "details": "-x"},
        {"kind": "device", "identifier": "@dev", "shared_by": -5, "members": ["a3"], "details": None},
    ])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["identifier"], r["members"], r["shared_by"], r["details"]) for r in rows] == [
        ("'=pi_evil|calc", "'=a1;a2", "9", "'-x"), ("'@dev", "a3", "-5", "")]


MALFORMED_MANIFESTS = {
    # A break-it pass: `verify` ended in a RecursionError traceback (json nests by recursion).
    "nested 200 000 deep": "[" * 200_000 + "]" * 200_000,
    "larger than any manifest": '{"files": {}, "pad": "' + "x" * (2 << 20) + '"}',
    "a list, not an object": "[1, 2]",
    "files as a list": '{"files": ["members.csv"]}',
    "a file name the file system chokes on": '{"files": {"' + "a" * 5000 + '": {"sha256": "' + "0" * 64 + '", "size": 1}}}',
    "a size that is text": '{"files": {"members.csv": {"sha256": "' + "0" * 64 + '", "size": "1"}}}',
    "ring_ids that are a number": '{"ring_ids": 7, "files": {"members.csv": {"sha256": "' + "0" * 64 + '", "size": 1}}}',
    "exported_at that is a list": '{"exported_at": [1], "files": {"members.csv": {"sha256": "' + "0" * 64 + '", "size": 1}}}',
    "not UTF-8": b'{"files": "\xff"}',
}


@pytest.mark.parametrize("what", MALFORMED_MANIFESTS)
def test_a_malformed_manifest_is_one_line_not_intact_in_the_cli_and_the_app(what, tmp_path):
    """A break-it pass: `ringscope verify deep` with a manifest nested 200 000 deep crashed
    with a RecursionError, and the app's ring_bundle / bundle_zip caught only ValueError.
    Any malformed manifest is one line NOT intact, and the app's helpers do not raise."""
    from ringscope.export import bundle_zip, ring_bundle

    folder = tmp_path / bundle_name("R1")
    folder.mkdir()
    content = MALFORMED_MANIFESTS[what]
    (folder / MANIFEST).write_bytes(content if isinstance(content, bytes) else content.encode())
    result = verify_bundle(folder)
    assert not result.ok and result.first_problem.startswith("changed: manifest.json"), result.problems
    assert "\n" not in result.summary() and len(result.summary()) < 400
    cli_result = CliRunner().invoke(cli, ["verify", str(folder)])
    assert isinstance(cli_result.exception, RingScopeError), cli_result.exception
    assert str(cli_result.exception).startswith(f"NOT intact: {folder}: changed: manifest.json")
    # the app's helpers: the ring view shows the bundle, the download says what is wrong
    shown = ring_bundle("R1", tmp_path)
    assert shown["path"] == folder and shown["exported_at"] is None
    with pytest.raises(RingScopeError, match="does not match its manifest"):
        bundle_zip(folder)


def _exported_events(ring_id, settings):
    return db.run_read("MATCH (e:AuditEvent {action: 'exported'})-[:ABOUT]->(:Ring {ring_id: $ring_id}) "
                       "RETURN count(e) AS n", {"ring_id": ring_id}, settings=settings)[0]["n"]


def test_a_ring_set_to_false_positive_while_it_is_read_is_skipped_not_recorded_as_confirmed(world, tmp_path):
    """A break-it pass: the status was read once, when rings were selected. A second lead
    setting R1 to false_positive meanwhile gave manifest `ring_status: confirmed`,
    evidence.json `false_positive`, actions `no_action`, and an Export recorded as
    confirmed. The second lead acts here for real, from the progress call before R1 is read."""
    lead = person("lead", role="lead")
    tagging.set_status("R2", "confirmed", by=lead, settings=world)

    def second_lead(done, total, message):
        if message == "ring R1":
            tagging.set_status("R1", "false_positive", by=lead, settings=world)

    skipped = []
    bundles = export_rings(tmp_path, by=person("carol"), settings=world, progress=second_lead, on_skip=skipped.append)
    assert [b.ring_id for b in bundles] == ["R2"]
    assert skipped == ["ring R1 is now false_positive, not confirmed (changed since the export selected it): skipped, "
                       "no bundle written or recorded for it; export it again with --status false_positive if it "
                       "still needs one"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ring-R2"]  # no R1 bundle, no staging left
    [record] = list_exports(settings=world)
    assert record.ring_ids == ("R2",) and record.status == "confirmed"
    assert _exported_events("R1", world) == 0 and _exported_events("R2", world) == 1
    manifest = json.loads((tmp_path / "ring-R2" / MANIFEST).read_text())
    evidence = json.loads((tmp_path / "ring-R2" / "evidence.json").read_text())
    assert manifest["ring_status"] == evidence["tags"]["status"] == "confirmed"

    # a ring named on the command line is refused in one line, nothing written or recorded
    tagging.set_status("R1", "confirmed", by=lead, settings=world)
    with pytest.raises(RingScopeError, match="ring R1 is now false_positive, not confirmed"):
        export_rings(tmp_path / "one", ring_id="R1", by=person("carol"), settings=world, progress=second_lead)
    assert list((tmp_path / "one").iterdir()) == [] and len(list_exports(settings=world)) == 1


def test_a_ring_set_to_false_positive_after_it_was_read_is_left_out_by_the_write(world, tmp_path):
    """The same race one step later: R1 was read (and its bundle staged) as confirmed, then a
    second lead set it to false_positive before the export was recorded. The write query
    checks the status again under the ring's lock and leaves R1 out; its staged bundle is
    dropped and the bundle R1 already had stays as it was (with --force too)."""
    lead = person("lead", role="lead")
    [earlier] = export_rings(tmp_path, by=person("carol"), settings=world)
    earlier_manifest = (earlier.path / MANIFEST).read_bytes()
    tagging.set_status("R2", "confirmed", by=lead, settings=world)

    def second_lead(done, total, message):
        if message == "ring R2":  # R1 is read and staged by now
            tagging.set_status("R1", "false_positive", by=lead, settings=world)

    skipped = []
    bundles = export_rings(tmp_path, by=person("carol"), settings=world, progress=second_lead, force=True,
                           on_skip=skipped.append)
    assert [b.ring_id for b in bundles] == ["R2"]
    assert len(skipped) == 1 and skipped[0].startswith(
        "ring R1 is now false_positive, not confirmed (changed after it was read, before the export was recorded)")
    assert (earlier.path / MANIFEST).read_bytes() == earlier_manifest and verify_bundle(earlier.path).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ring-R1", "ring-R2"]
    newest = list_exports(settings=world)[0]
    assert newest.ring_ids == ("R2",) and [b["ring_id"] for b in newest.bundles] == ["R2"]
    assert _exported_events("R1", world) == 1  # the earlier export only

    # the write itself, every ring left out: no Export node, no audit event, no row
    from ringscope.catalog import run_query
    events = db.run_read("MATCH (e:AuditEvent) RETURN count(e) AS n", settings=world)
    rows = run_query("record_export", {"export_id": "exp-late", "by": "carol", "by_subject": "os:carol", "by_email": None,
                                       "by_via": "cli", "out_dir": str(tmp_path), "status": "confirmed",
                                       "bundles": [{"ring_id": "R1", "bundle": "ring-R1", "manifest_sha256": "00"}]},
                     settings=world, allow_write=True)
    assert rows == [] and len(list_exports(settings=world)) == 2
    assert db.run_read("MATCH (e:AuditEvent) RETURN count(e) AS n", settings=world) == events


def test_the_zip_gets_the_same_refusals_as_the_bundle_folder(world, tmp_path):
    """A break-it pass: `export --zip` overwrote an existing ring-R.zip without --force and
    followed a symbolic link there (overwriting the file it pointed at)."""
    runner = CliRunner()
    args = ["export", "--ring", "R1", "--out", str(tmp_path), "--by", "carol", "--zip", "--no-progress"]
    precious = tmp_path / "precious.txt"
    precious.write_text("not yours")
    archive = tmp_path / "ring-R1.zip"
    archive.symlink_to(precious)
    result = runner.invoke(cli, [*args, "--force"])
    assert isinstance(result.exception, RingScopeError), result.output
    assert str(result.exception) == (f"{archive} exists and is not a file (a symbolic link or a folder): "
                                     "move it away first")
    assert precious.read_text() == "not yours" and archive.is_symlink()
    assert not (tmp_path / "ring-R1").exists() and list_exports(settings=world) == []  # refused before writing

    archive.unlink()
    assert runner.invoke(cli, args).exit_code == 0
    first = archive.read_bytes()
    import shutil
    shutil.rmtree(tmp_path / "ring-R1")  # only the zip is left in the way
    result = runner.invoke(cli, args)
    assert isinstance(result.exception, RingScopeError)
    assert str(result.exception) == f"{archive} already exists: pass --force to replace it, or choose another --out"
    assert archive.read_bytes() == first and not (tmp_path / "ring-R1").exists() and len(list_exports(settings=world)) == 1

    tagging.set_note("R1", "updated", by=person("alice"), settings=world)
    result = runner.invoke(cli, [*args, "--force"])
    assert result.exit_code == 0, result.output
    from ringscope.export import bundle_zip
    assert archive.read_bytes() == bundle_zip(tmp_path / "ring-R1") != first
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial zip left

    archive.write_text("someone's own file")  # not a zip of the bundle: never replaced, --force or not
    result = runner.invoke(cli, [*args, "--force"])
    assert str(result.exception) == f"{archive} is not a RingScope bundle zip: it will not be replaced, move it away"
    assert archive.read_text() == "someone's own file"


def _verify_status(args, capsys):
    """`ringscope verify ...` as the command runs it: (exit status, stdout, stderr)."""
    from ringscope.cli import main
    with pytest.raises(SystemExit) as ended:
        main(["verify", *args])
    captured = capsys.readouterr()
    return ended.value.code, captured.out, captured.err


def test_verify_graph_says_a_bundle_is_superseded_when_its_ring_changed_or_was_exported_again(world, tmp_path, capsys):
    """A break-it pass: a confirmed ring's bundle, copied, then the ring set to
    false_positive and exported again: `verify --graph` on the copy still printed `intact:
    ... recorded as export exp-...` and exited 0, though the copy proposes suspend_account
    for every account. It is intact but superseded: said in the line, exit status 3."""
    import shutil
    lead = person("lead", role="lead")
    [first] = export_rings(tmp_path / "out", ring_id="R1", by=person("carol"), settings=world)
    old = tmp_path / "old-bundle"
    shutil.copytree(first.path, old)
    from ringscope.cli import main
    try:
        main(["verify", "--graph", str(old)])  # current: no exit raised
    except SystemExit as exc:  # pragma: no cover - shows what failed
        pytest.fail(f"exit {exc.code}: {capsys.readouterr()}")
    assert capsys.readouterr().out.startswith(f"intact: {old} (5 files")

    tagging.set_status("R1", "false_positive", by=lead, settings=world)
    code, out, err = _verify_status(["--graph", str(old)], capsys)
    assert code == 3 and out == ""
    assert f"{old}: superseded: ring R1 is now false_positive, the bundle says confirmed: export the ring again" in err
    assert f"error: SUPERSEDED: {old} (intact, 5 files" in err and f"recorded as export {first.export_id})" in err

    [second] = export_rings(tmp_path / "out", status="false_positive", ring_id="R1", by=person("carol"),
                            settings=world, force=True)
    code, out, err = _verify_status(["--graph", str(old), str(second.path)], capsys)
    assert code == 3 and out.startswith(f"intact: {second.path} (5 files")  # the new bundle is the current one
    assert "ring R1 is now false_positive, the bundle says confirmed; ring R1 was exported again as " \
           f"{second.export_id} at 20" in err and "by carol: act on that bundle, not this one" in err
    checked = verify_bundle(old, against_graph=True, settings=world)
    assert checked.ok and not checked.current and len(checked.superseded) == 2
    # without --graph only the files are checked: intact, exit 0
    assert CliRunner().invoke(cli, ["verify", str(old)]).exit_code == 0
    # a bundle both edited and superseded is NOT intact first (exit 1)
    (old / "members.csv").write_text("edited\n")
    code, _out, err = _verify_status(["--graph", str(old)], capsys)
    assert code == 1 and f"error: NOT intact: {old}: changed: members.csv" in err

    # same status, exported again: the earlier copy is superseded by the newer export alone
    [third] = export_rings(tmp_path / "elsewhere", status="false_positive", ring_id="R1", by=person("dana"),
                           settings=world)
    newer = verify_bundle(second.path, against_graph=True, settings=world)
    [reason] = newer.superseded
    assert reason.startswith(f"ring R1 was exported again as {third.export_id} at 20")
    assert reason.endswith("by dana: act on that bundle, not this one")
