"""Roles and identity: the write functions refuse what a role may not do (on a live Neo4j,
nothing is written when they refuse), every audit event and export records who acted
(subject and e-mail), and roles come from the provider's groups claim or the roles file."""
from __future__ import annotations

import getpass
import json

import pytest
from click.testing import CliRunner

from auth_people import person
from ringscope import auth, db, tagging
from ringscope.auth import AuthError, PermissionDenied, RoleRules, load_role_rules, signed_in_identity
from ringscope.cli import cli
from ringscope.export import export_rings
from test_tagging import events, make_ring, membership, ring

VIEWER = person("vera", "viewer", "vera@example.test")
INVESTIGATOR = person("ivan", "investigator", "ivan@example.test")
LEAD = person("lena", "lead", "lena@example.test")
NOBODY = person("nora", None, "nora@example.test")


# --------------------------------------------------------------------------- the ladder


def test_each_role_holds_the_rights_of_the_ones_below():
    assert auth.ROLES == ("viewer", "investigator", "lead", "admin")
    table = {role: {r for r in auth.RIGHTS if person("x", role).can(r)} for role in auth.ROLES}
    assert table["viewer"] == {"read", "console"}
    assert table["investigator"] == table["viewer"] | {"tag", "comment", "edit_members", "mark_identifiers"}
    assert table["lead"] == table["investigator"] | {"confirm", "escalate", "export"}
    assert table["admin"] == set(auth.RIGHTS)
    assert not any(NOBODY.can(r) for r in auth.RIGHTS)
    with pytest.raises(ValueError):
        LEAD.can("delete_everything")


# --------------------------------------------------------------------------- the write functions refuse


def test_a_viewer_cannot_change_anything(clean_db):
    make_ring(clean_db)
    before = ring(clean_db)
    attempts = [
        lambda: tagging.add_labels("R1", ["x"], by=VIEWER, settings=clean_db),
        lambda: tagging.remove_labels("R1", ["x"], by=VIEWER, settings=clean_db),
        lambda: tagging.set_note("R1", "n", by=VIEWER, settings=clean_db),
        lambda: tagging.set_status("R1", "investigating", by=VIEWER, settings=clean_db),
        lambda: tagging.add_members("R1", ["a4"], by=VIEWER, settings=clean_db),
        lambda: tagging.remove_members("R1", ["a1"], by=VIEWER, settings=clean_db),
        lambda: tagging.tag_ring("R1", labels=["x"], by=VIEWER, settings=clean_db),
        lambda: tagging.add_labels("R1", ["x"], by=NOBODY, settings=clean_db),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="needs investigator or higher: ask an admin"):
            attempt()
    assert ring(clean_db) == before and events(clean_db) == []
    assert membership(clean_db)["a1"] == ("detect", False) and "a4" not in membership(clean_db)


def test_an_investigator_tags_and_edits_the_case_but_cannot_confirm_or_escalate(clean_db):
    make_ring(clean_db)
    tagging.set_status("R1", "investigating", by=INVESTIGATOR, settings=clean_db)
    tagging.add_labels("R1", ["proxy-farm"], by=INVESTIGATOR, settings=clean_db)
    tagging.set_note("R1", "same BIN", by=INVESTIGATOR, settings=clean_db)
    tagging.add_members("R1", ["a4"], by=INVESTIGATOR, settings=clean_db)
    assert len(events(clean_db)) == 4
    for status, right in (("confirmed", "confirm a ring"), ("escalated", "escalate a ring")):
        with pytest.raises(PermissionDenied, match=f"ivan@example.test has the investigator role; {right} needs lead"):
            tagging.set_status("R1", status, by=INVESTIGATOR, settings=clean_db)
        with pytest.raises(PermissionDenied):
            tagging.tag_ring("R1", status=status, labels=["more"], by=INVESTIGATOR, settings=clean_db)
    assert ring(clean_db)["status"] == "investigating" and ring(clean_db)["labels"] == ["proxy-farm"]
    assert len(events(clean_db)) == 4  # tag_ring refused as a whole: not even its label was added


def test_a_lead_confirms_and_an_investigator_cannot_undo_it(clean_db):
    make_ring(clean_db)
    change = tagging.set_status("R1", "confirmed-operator", by=LEAD, settings=clean_db)
    assert change.changed and ring(clean_db)["status"] == "confirmed"
    with pytest.raises(PermissionDenied, match="ivan@example.test has the investigator role; changing the status "
                                               "of a confirmed ring needs lead or higher"):
        tagging.set_status("R1", "false_positive", by=INVESTIGATOR, settings=clean_db)
    assert ring(clean_db)["status"] == "confirmed"
    # labels on a confirmed ring are still an investigator's work
    tagging.add_labels("R1", ["wave-2"], by=INVESTIGATOR, settings=clean_db)
    tagging.set_status("R1", "escalated", by=LEAD, settings=clean_db)
    assert ring(clean_db)["status"] == "escalated"


def test_only_a_lead_exports_to_enforcement(clean_db, tmp_path):
    make_ring(clean_db)
    tagging.set_status("R1", "confirmed", by=LEAD, settings=clean_db)
    for who in (VIEWER, INVESTIGATOR):
        with pytest.raises(PermissionDenied, match="export evidence bundles needs lead"):
            export_rings(tmp_path / "out", by=who, settings=clean_db)
    assert not (tmp_path / "out").exists()
    assert db.run_read("MATCH (x:Export) RETURN count(x) AS n", settings=clean_db) == [{"n": 0}]

    [info] = export_rings(tmp_path / "out", by=LEAD, settings=clean_db)
    manifest = json.loads((info.path / "manifest.json").read_text())
    assert (manifest["exported_by"], manifest["exported_by_subject"], manifest["exported_by_email"],
            manifest["exported_by_via"]) == ("lena@example.test", "sub-lena", "lena@example.test", "oidc")
    recorded = db.run_read("MATCH (x:Export) RETURN x.by AS by, x.by_subject AS subject, x.by_email AS email",
                           settings=clean_db)
    assert recorded == [{"by": "lena@example.test", "subject": "sub-lena", "email": "lena@example.test"}]


def test_text_is_not_an_identity(clean_db, tmp_path):
    make_ring(clean_db)
    with pytest.raises(tagging.TaggingError, match="needs the identity"):
        tagging.add_labels("R1", ["x"], by="<img src=x onerror=alert(1)>", settings=clean_db)
    with pytest.raises(tagging.TaggingError, match="needs the identity"):
        export_rings(tmp_path, by="carol", settings=clean_db)
    assert events(clean_db) == []


# --------------------------------------------------------------------------- the audit trail records who


def test_every_event_records_subject_and_email_of_the_identity(clean_db):
    make_ring(clean_db)
    tagging.tag_ring("R1", status="investigating", labels=["x"], note="n", by=INVESTIGATOR, settings=clean_db)
    tagging.remove_labels("R1", ["x"], by=INVESTIGATOR, settings=clean_db)
    tagging.add_members("R1", ["a4"], by=INVESTIGATOR, settings=clean_db)
    tagging.remove_members("R1", ["a4"], by=INVESTIGATOR, settings=clean_db)
    rows = db.run_read("MATCH (e:AuditEvent) RETURN e.action AS action, e.by AS by, e.by_subject AS subject, "
                       "e.by_email AS email, e.by_via AS via ORDER BY e.seq", settings=clean_db)
    assert [r["action"] for r in rows] == ["set_status", "add_labels", "set_note", "remove_labels",
                                           "add_members", "remove_members"]
    assert {(r["by"], r["subject"], r["email"], r["via"]) for r in rows} == {
        ("ivan@example.test", "sub-ivan", "ivan@example.test", "oidc")}
    trail = tagging.history("R1", settings=clean_db)
    assert {(e.by_subject, e.by_email) for e in trail} == {("sub-ivan", "ivan@example.test")}


def test_the_cli_records_by_together_with_the_os_user(clean_db, monkeypatch):
    make_ring(clean_db)
    monkeypatch.setenv("RINGSCOPE_INVESTIGATOR", "")
    runner = CliRunner()
    result = runner.invoke(cli, ["tag", "R1", "--status", "confirmed", "--by", "alice"])
    assert result.exit_code == 0, result.output
    user = getpass.getuser()
    [row] = db.run_read("MATCH (e:AuditEvent) RETURN e.by AS by, e.by_subject AS subject, e.by_email AS email, "
                        "e.by_via AS via", settings=clean_db)
    assert row == {"by": f"alice (os user {user})", "subject": f"os:{user}", "email": None, "via": "cli"}

    # without --by or RINGSCOPE_INVESTIGATOR: one line, nothing written
    result = runner.invoke(cli, ["tag", "R1", "--label", "x"])
    assert result.exit_code != 0 and "pass --by NAME or set RINGSCOPE_INVESTIGATOR" in str(result.exception)
    assert len(events(clean_db)) == 1


def test_cli_identity_takes_the_configured_name_and_refuses_control_characters(neo4j_settings):
    import dataclasses

    named = dataclasses.replace(neo4j_settings, investigator="dora")
    me = auth.cli_identity(None, named)
    assert (me.name, me.role, me.via, me.subject) == ("dora", "admin", "cli", f"os:{getpass.getuser()}")
    assert auth.cli_identity("  erin ", named).name == "erin"
    with pytest.raises(AuthError, match="printable text"):
        auth.cli_identity("bad\nname", named)


# --------------------------------------------------------------------------- where roles come from


def test_roles_from_the_groups_claim_and_the_roles_file(tmp_path, neo4j_settings):
    import dataclasses

    roles = tmp_path / "roles.toml"
    roles.write_text('[people]\n"lena@example.test" = "lead"\n"sub-42" = "admin"\n'
                     '[groups]\n"ts-investigators" = "investigator"\n"ts-leads" = "Lead"\n')
    settings = dataclasses.replace(neo4j_settings, extra={**neo4j_settings.extra, "RINGSCOPE_ROLES_FILE": str(roles)})
    rules = load_role_rules(settings)
    assert rules.role_for({"sub": "s1", "email": "lena@example.test", "email_verified": True}) == "lead"
    assert rules.role_for({"sub": "sub-42"}) == "admin"
    assert rules.role_for({"sub": "s2", "groups": ["ts-investigators"]}) == "investigator"
    assert rules.role_for({"sub": "s2", "groups": ["ts-investigators", "ts-leads"]}) == "lead"  # highest wins
    # a group named like a role grants nothing unless mapped (anyone may make a group named
    # "admin" on GitLab or a self-service directory; it used to make its maker an admin)
    assert rules.role_for({"sub": "s3", "groups": ["admin"]}) is None
    assert rules.role_for({"sub": "s3", "groups": ["admin", "ts-investigators"]}) == "investigator"
    assert rules.role_for({"sub": "s4", "groups": ["marketing"]}) is None  # no rule, no default: no role
    # an address the provider has not verified names nobody
    assert rules.role_for({"sub": "s5", "email": "lena@example.test", "email_verified": False}) is None
    # nor does one the provider says nothing about (a field report: Entra ID sends no
    # email_verified, and a user may set any address on their own account)
    assert rules.role_for({"sub": "s6", "email": "lena@example.test"}) is None

    with_default = dataclasses.replace(settings, extra={**settings.extra, "RINGSCOPE_DEFAULT_ROLE": "viewer",
                                                        "RINGSCOPE_ROLES_CLAIM": "roles"})
    rules = load_role_rules(with_default)
    assert rules.role_for({"sub": "s4", "roles": "ts-leads"}) == "lead"
    assert rules.role_for({"sub": "s4", "groups": ["ts-leads"]}) == "viewer"  # another claim is not read

    roles.write_text('[people]\n"x@example.test" = "superuser"\n')
    with pytest.raises(AuthError, match="unknown role 'superuser'"):
        load_role_rules(settings)
    roles.write_text('[people\n')
    with pytest.raises(AuthError, match="not valid TOML"):
        load_role_rules(settings)
    missing = dataclasses.replace(settings, extra={**settings.extra, "RINGSCOPE_ROLES_FILE": str(tmp_path / "nope")})
    with pytest.raises(AuthError, match="cannot read the roles file"):
        load_role_rules(missing)


def test_a_signed_in_identity_comes_from_the_id_token_claims():
    rules = RoleRules(people={}, groups={"ts-leads": "lead"})
    me = signed_in_identity({"sub": "248289761001", "email": "jane@example.test", "email_verified": True,
                             "name": "Jane", "groups": ["ts-leads"]}, rules)
    assert (me.subject, me.email, me.name, me.role, me.via, me.label) == (
        "248289761001", "jane@example.test", "Jane", "lead", "oidc", "jane@example.test")
    unverified = signed_in_identity({"sub": "s", "email": "boss@example.test", "email_verified": False}, rules)
    assert unverified.email is None and unverified.label == "s"
    silent = signed_in_identity({"sub": "s7", "email": "boss@example.test", "name": "B"}, rules)
    assert silent.email is None and silent.name == "B"
    # field report: a person whose own address is unverified set their name to a colleague's
    # address, and the sidebar and the audit trail showed them as that colleague
    mallory = signed_in_identity({"sub": "mallory", "email": "mallory@evil.test", "email_verified": False,
                                  "name": "lena@example.test"}, rules)
    assert mallory.label == "lena@example.test (name, not a verified e-mail; sub mallory)"
    assert mallory.audit()["by"] == mallory.label and mallory.audit()["by_email"] is None
    with pytest.raises(AuthError, match="no subject"):
        signed_in_identity({"email": "jane@example.test"}, rules)
