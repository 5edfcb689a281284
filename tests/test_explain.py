"""`ringscope explain`: why an account is, or is not, in a ring."""
from __future__ import annotations

import json

from click.testing import CliRunner

from ringscope.cli import cli
from ringscope.detection.pipeline import detect
from ringscope.detection.why import explain


def test_members_groups_peeled_and_unlinked_accounts_are_explained(tradecraft_world):  # noqa: F811
    settings, rings = tradecraft_world
    result = detect(settings, write=False)
    got = {x["account_id"]: x for x in explain(["pp03", "acme01", "res03", "person007", "nobody", "heavy"], result)}
    member = got["pp03"]
    assert member["verdict"] == "ring"
    assert member["ring"]["members"] == len(rings["human"])
    assert member["tie"] >= 2.0
    assert {"instrument", "device"} <= set(member["identifiers"])
    team = got["acme01"]
    assert team["verdict"] == "group"
    assert "under the threshold" in team["reason"]
    assert team["group"]["decision"]["total"] < team["group"]["decision"]["threshold"]
    # a resident whose home address is one exit of the ring's proxy pool
    resident = got["res03"]
    assert resident["verdict"] in {"peeled", "weak_links"}
    assert "ip" in resident["identifiers"]
    assert got["nobody"]["verdict"] == "unknown"
    # a heavy single account shares nothing: script-like traffic alone ties it to no one
    assert got["heavy"]["verdict"] == "unknown"
    # field report (rw22 replay): an account with 104 exchanges was shown "behaviour: no
    # exchanges"; only members of candidate groups are profiled, and it was in none
    assert got["heavy"]["behaviour"] is None
    assert got["heavy"]["behaviour_note"] == "not profiled: only members of a candidate group are"


def test_explain_cli(tradecraft_world):  # noqa: F811
    runner = CliRunner()
    out = runner.invoke(cli, ["explain", "pp03", "acme01", "--no-progress"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert out.output.startswith("pp03: ring: member of a ring of 24")
    assert "acme01: group:" in out.output
    assert "shares instrument:" in out.output
    js = runner.invoke(cli, ["explain", "hs00", "--json", "--no-progress"], catch_exceptions=False)
    assert json.loads(js.output)[0]["verdict"] == "ring"


def test_a_link_from_addresses_alone_is_not_called_under_the_threshold():
    """Field report: `explain` said a 0.63 link made by one shared address alone was
    "under the strong-link threshold 0.4"; it is not strong because addresses only confirm."""
    from ringscope.detection.why import _weak_reason

    ip_only = {"account_id": "acc_4c25831659a3", "total": 0.631, "families": {"ip": 0.631}}
    reason = _weak_reason(ip_only, 0.4)
    assert "under" not in reason and "ip alone" in reason and "only confirms" in reason
    assert "under the strong-link threshold 0.4" in _weak_reason({**ip_only, "total": 0.3}, 0.4)
    # addresses alone do link accounts on 3 networks when no template mixes were compared: say so
    on_one = _weak_reason({**ip_only, "networks": 1, "mixed": False}, 0.4, 3)
    assert on_one.endswith("on 3 or more networks between accounts without template mixes to compare (this pair: 1 network(s))")
    assert _weak_reason({**ip_only, "networks": 4, "mixed": True}, 0.4, 3).endswith("4 network(s), both send templates)")
    # a faint template mix beside a confirming family starts nothing (RingParams.start_floor)
    burst_faint_mix = {"account_id": "acc_ff69221c5896", "total": 0.539, "families": {"burst": 0.431, "template": 0.108}}
    reason = _weak_reason(burst_faint_mix, 0.4, 3, 0.2)
    assert "comes from burst alone" in reason
    assert reason.endswith("; template 0.11 is under the 0.2 a family needs to start a link")
    three_faint = {"account_id": "x", "total": 0.57, "families": {"instrument": 0.19, "device": 0.19, "template": 0.19}}
    assert _weak_reason(three_faint, 0.4, 3, 0.2).endswith(
        "is made of families each too faint to start a link (device 0.19, instrument 0.19, template 0.19; each needs 0.2)")


def test_explain_refuses_an_id_the_graph_lacks_before_running_detection(tradecraft_world, capsys):  # noqa: F811
    """Field report (newcomer QA): `explain TYPO` ran the whole detection, then answered
    "unknown" with exit 0; a hostile id's U+202E came out as `?`."""
    import pytest

    from ringscope.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["explain", "pp03", "nobody\u202eexe", "--no-progress"])
    assert stop.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured
    assert captured.err.startswith("error: no account 'nobody\u27e8U+202E\u27e9exe' in the graph")
    assert "nothing was run" in captured.err and "pp03" not in captured.err


def test_a_group_short_of_the_threshold_says_what_it_lacks():
    """Field report (held-out world, seed 1): 42 accounts sending slices of one private
    template set from carrier NAT, template evidence 1.00 and human-like behaviour, were
    told "what its members share is what a household, team or class explains"; what kept
    them out is the rule that one kind of evidence never carries a ring."""
    from ringscope.detection.evidence import assess
    from ringscope.detection.why import _short_of

    templates_only = assess({"template": {"identifiers": 27, "redundancy": 9.4, "evidence": 1.0}}, 0.22)
    reason = _short_of(templates_only)
    assert "household" not in reason
    assert reason.startswith("it has one kind of evidence (template 1.00)") and "second family" in reason
    nothing = assess({"instrument": {"identifiers": 1, "redundancy": 1.0, "evidence": 0.0}}, 0.2)
    assert "household, team or class" in _short_of(nothing)
    two = assess({"instrument": {"identifiers": 2, "redundancy": 2.0, "evidence": 0.5},
                  "device": {"identifiers": 2, "redundancy": 1.5, "evidence": 0.29}}, 0.6)
    assert _short_of(two) == "its kinds of evidence (instrument 0.50, device 0.29, behaviour 0.70) fall 0.26 short together"


def test_a_link_just_under_the_threshold_never_reads_as_the_threshold():
    """Field report (newcomer QA): "its strongest link (0.40, to ...) is under the
    strong-link threshold 0.4" for a 0.399 link; and a group 0.004 short read "0.00 short"."""
    from ringscope.detection.evidence import assess
    from ringscope.detection.why import _short_of, _weak_reason

    near = {"account_id": "a", "total": 0.3996, "families": {"instrument": 0.3996}}
    assert _weak_reason(near, 0.4).startswith("its strongest link (0.3996, to a) is under the strong-link threshold 0.4")
    assert _weak_reason({**near, "total": 0.31}, 0.4).startswith("its strongest link (0.31, to a)")
    close = assess({"instrument": {"identifiers": 3, "redundancy": 3.0, "evidence": 0.75},
                    "device": {"identifiers": 2, "redundancy": 2.0, "evidence": 0.496}}, 0.5)
    assert _short_of(close).endswith("fall 0.004 short together")
