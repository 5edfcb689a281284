"""The app's graph bookkeeping and safe rendering, without a server (pure Python)."""
from __future__ import annotations

import math
import re

import pytest

from ringscope.app import data, evidence, graph_view, tagging_panel, ui
from ringscope.app.graph_view import PAGE_SIZE, GNode, GraphState, edge, node_id, parse_node_id


def _node(kind: str, key: str, **props) -> GNode:
    return GNode(node_id(kind, key), kind, key, {graph_view.KINDS[kind].key: key, **props})


class FakeGraph:
    """A neighbourhood source over a fixed adjacency (what data.neighbourhood returns)."""

    def __init__(self, adjacency: dict[str, list[str]]):
        self.adjacency = adjacency
        self.calls: list[tuple[str, str, int, int]] = []

    def __call__(self, kind, key, skip, limit, after=""):
        self.calls.append((kind, key, skip, limit) + ((after,) if after else ()))
        centre = node_id(kind, key)
        neighbours = sorted(self.adjacency.get(centre, []), key=lambda n: parse_node_id(n)[1])
        page = [n for n in neighbours if parse_node_id(n)[1] > after][skip: skip + limit]
        nodes = [_node(*parse_node_id(n)) for n in page]
        edges = [edge("USED_IP", n, centre) if kind == "IP" else edge("USED_IP", centre, n) for n in page]
        return nodes, edges, len(neighbours)


def _base(ip_accounts: int = 120) -> tuple[GraphState, FakeGraph]:
    accounts = [f"Account:acc-{i:03d}" for i in range(ip_accounts)]
    adjacency = {"IP:10.0.0.1": accounts, "Account:acc-000": ["IP:10.0.0.1", "Device:dev-1"],
                 "Device:dev-1": ["Account:acc-000", "Account:acc-900"]}
    for a in accounts[1:]:
        adjacency[a] = ["IP:10.0.0.1"]
    nodes = {n.id: n for n in (_node("Account", "acc-000"), _node("IP", "10.0.0.1"))}
    edges = {e.id: e for e in (edge("USED_IP", "Account:acc-000", "IP:10.0.0.1"),)}
    return GraphState.from_graph("g", nodes, edges), FakeGraph(adjacency)


def test_node_ids_are_label_and_key_and_refuse_unknown_labels():
    assert node_id("Account", "acc-1") == "Account:acc-1"
    assert parse_node_id("IP:2001:db8::1") == ("IP", "2001:db8::1")  # keys may contain colons
    for bad in ("Secret:x", "acc-1", "Account:", "AuditEvent:e1"):
        with pytest.raises(ValueError):
            parse_node_id(bad)
    with pytest.raises(ValueError):
        node_id("AuditEvent", "e1")


def test_expanding_a_supernode_pages_fifty_at_a_time_and_collapse_removes_exactly_what_it_added():
    state, fetch = _base()
    before_nodes, before_edges = set(state.nodes), set(state.edges)
    added = state.expand("IP:10.0.0.1", fetch)
    assert added == PAGE_SIZE - 1  # acc-000 was already on screen
    exp = state.expansions["IP:10.0.0.1"]
    assert (exp.total, exp.shown, exp.has_more) == (120, 50, True)
    assert len(state.nodes) == 2 + 49
    state.show_more("IP:10.0.0.1", fetch)
    state.show_more("IP:10.0.0.1", fetch)
    # Later pages of an identifier start after the last neighbour key fetched (not skip 100).
    assert fetch.calls[1][2:] == (0, 50, "acc-049") and fetch.calls[-1][2:] == (0, 50, "acc-099")
    assert not state.expansions["IP:10.0.0.1"].has_more
    assert state.show_more("IP:10.0.0.1", fetch) == 0  # nothing left: no query
    assert len(fetch.calls) == 3
    assert len(state.nodes) == 121
    assert all(e.source in state.nodes and e.target in state.nodes for e in state.edges.values())

    removed = state.collapse("IP:10.0.0.1")
    assert removed == 119
    assert set(state.nodes) == before_nodes and set(state.edges) == before_edges
    assert not state.expansions


def test_collapse_also_collapses_expansions_of_the_nodes_it_removes():
    state, fetch = _base()
    state.expand("Account:acc-000", fetch)  # adds Device:dev-1
    assert "Device:dev-1" in state.nodes
    state.expand("Device:dev-1", fetch)  # adds acc-900
    assert "Account:acc-900" in state.nodes
    state.collapse("Account:acc-000")
    assert "Device:dev-1" not in state.nodes and "Account:acc-900" not in state.nodes
    assert "Device:dev-1" not in state.expansions
    assert set(state.nodes) == {"Account:acc-000", "IP:10.0.0.1"}


def test_base_nodes_stay_when_an_expansion_that_reached_them_collapses():
    state, fetch = _base()
    state.expand("IP:10.0.0.1", fetch)
    state.collapse("IP:10.0.0.1")
    assert "Account:acc-000" in state.nodes  # base node, reached again by the expansion
    assert "Account:acc-000|USED_IP|IP:10.0.0.1" in state.edges  # base edge kept


def test_a_click_toggles_expand_and_collapse():
    state, fetch = _base()
    assert state.toggle("Account:acc-000", fetch) == "expanded"
    assert state.is_expanded("Account:acc-000") and state.selected == "Account:acc-000"
    assert state.toggle("Account:acc-000", fetch) == "collapsed"
    assert not state.is_expanded("Account:acc-000")
    with pytest.raises(KeyError):
        state.expand("Account:not-on-screen", fetch)


def test_expansion_versions_let_the_browser_update_instead_of_redraw():
    state, fetch = _base()
    v0 = state.vis_data()["version"]
    state.expand("IP:10.0.0.1", fetch)
    v1 = state.vis_data()["version"]
    state.collapse("IP:10.0.0.1")
    assert v0 < v1 < state.vis_data()["version"]
    assert state.vis_data()["graph_id"] == "g"


def test_added_nodes_fan_out_away_from_the_graph_and_pages_do_not_overlap():
    page0 = graph_view.ring_around((100.0, 0.0), 30, page=0, away_from=(0.0, 0.0))
    page1 = graph_view.ring_around((100.0, 0.0), 30, page=1, away_from=(0.0, 0.0))
    assert all(x > 100.0 - 1e-6 or abs(y) > 0 for x, y in page0)
    assert min(math.dist(p, (100.0, 0.0)) for p in page1) > max(math.dist(p, (100.0, 0.0)) for p in page0[:10])
    assert len(set(page0)) == 30


def test_layout_is_deterministic_and_spreads_nodes():
    nodes = [f"Account:a{i}" for i in range(40)] + ["Device:d"]
    edges = [(n, "Device:d") for n in nodes[:-1]]
    first = graph_view.layout(nodes, edges)
    assert first == graph_view.layout(nodes, edges)
    assert set(first) == set(nodes)
    distinct = {(round(x), round(y)) for x, y in first.values()}
    assert len(distinct) == len(nodes)


def test_hostile_strings_stay_text_in_vis_data():
    hostile = _node("Account", "acc-x", display_name="<img src=x onerror=alert(1)>",
                    email='"><script>alert(2)</script>@x.io')
    vis = graph_view.vis_node(hostile, (0.0, 0.0))
    # the tooltip is plain text, built into the page with textContent by the component
    assert "display name: <img src=x onerror=alert(1)>" in vis["title"]
    assert vis["label"] == "acc-x"
    # no HTML/markup options that would make vis-network parse labels
    assert "multi" not in vis.get("font", {})
    assert "font" not in graph_view.VIS_OPTIONS.get("nodes", {}) or "multi" not in graph_view.VIS_OPTIONS["nodes"]["font"]


def test_the_node_panel_shows_hostile_properties_as_inert_markdown():
    from ringscope.app import graph_panel

    hostile = _node("Account", "acc-x", display_name="<img src=x onerror=alert(1)>",
                    email="[x](javascript:alert(1))", hour_profile=[1] * 24)
    state = GraphState.from_graph("g", {hostile.id: hostile}, {})
    text = graph_panel._properties(state, hostile.id)
    assert r"- **display\_name**: \<img src\=x onerror\=alert\(1\)\>" in text
    assert r"\[x\]\(javascript\:alert\(1\)\)" in text
    assert not re.search(r"(?<!\\)[<>\[\]()]", text.replace("- **", "").replace("**:", ""))  # all escaped
    assert "hour_profile" not in text  # long series stay out of the panel


def test_component_code_never_parses_data_as_html():
    from ringscope.app import graph_component

    js = graph_component._JS
    assert "innerHTML" not in js and "outerHTML" not in js and "insertAdjacentHTML" not in js
    assert "textContent" in js
    assert "http://" not in js and "https://" not in js  # nothing fetched from elsewhere
    assert "vis-network" in graph_component.vis_network_js()[:200]


def test_vis_network_is_a_static_file_of_the_app_and_pyvis_s_own_build():
    """Issue 14: the library is served once from app/static (cached by the browser), not inlined
    into every version of the graph; it is pyvis's build byte for byte, and the app is started
    with static serving on."""
    from pathlib import Path

    import pyvis

    from ringscope.app import graph_component
    from ringscope.app.cli import streamlit_command

    shipped = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2" / "vis-network.min.js"
    assert graph_component.VIS_PATH.read_bytes() == shipped.read_bytes()
    assert graph_component.VIS_PATH.parent.name == "static"
    assert "@copyright" not in graph_component._JS and len(graph_component._JS) < 30_000  # the library is not inlined
    command = streamlit_command(8501)
    assert command[command.index("--server.enableStaticServing") + 1] == "true"
    # issue 14: no full garbage collection after every run (it held the interpreter ~70 ms
    # between a click's run and the sending of its graph delta on the incident world)
    assert command[command.index("--runner.postScriptGC") + 1] == "false"
    # no raw "Download as CSV" on tables (field report: cells like =HYPERLINK(...) went out unquoted)
    assert command[command.index("--client.disableDataExport") + 1] == "true"


def _vis(state: GraphState) -> dict:
    return state.vis_data()


def test_the_wire_sends_the_graph_once_then_only_what_changed():
    """Issue 14: an expansion travels as the nodes and links it adds (a collapse as the ids it
    removes), not as the whole graph; a run that changed nothing sends nothing; a new graph
    is sent whole; applying each delta to what the browser holds gives the graph."""
    from ringscope.app.graph_component import wire

    state, fake = _base()
    first, sent = wire(_vis(state), None, 1)
    assert first["mode"] == "full" and first["seq"] == 1 and len(first["nodes"]) == len(state.nodes)
    same, sent2 = wire(_vis(state), sent, 2)
    assert same["mode"] == "same" and same["seq"] == 1 and sent2 is sent

    held_nodes = {n["id"]: n for n in first["nodes"]}
    ids = [n["id"] for n in first["nodes"]]
    held_edges = {f"{ids[f]}|{t}|{ids[to]}" for f, to, t, *_ in first["edges"]}

    def apply(delta):
        for nid in delta["remove_nodes"]:
            held_nodes.pop(nid)
        held_nodes.update({n["id"]: n for n in delta["put_nodes"]})
        held_edges.difference_update(delta["remove_edges"])
        held_edges.update(f"{f}|{t}|{to}" for f, to, t, *_ in delta["add_edges"])

    def truth():
        vis = _vis(state)
        names = [n["id"] for n in vis["nodes"]]
        return {n["id"]: n for n in vis["nodes"]}, {f"{names[f]}|{t}|{names[to]}" for f, to, t, *_ in vis["edges"]}

    state.expand("IP:10.0.0.1", fake)
    delta, sent = wire(_vis(state), sent, 2)
    assert delta["mode"] == "delta" and delta["base"] == 1 and delta["seq"] == 2
    # the page of accounts it added, and the IP itself (now drawn expanded): not the 2 nodes before
    assert len(delta["put_nodes"]) == PAGE_SIZE - 1 + 1 and delta["remove_nodes"] == []
    assert len(delta["add_edges"]) == PAGE_SIZE - 1
    apply(delta)
    assert (held_nodes, held_edges) == truth()

    state.collapse("IP:10.0.0.1")
    delta, sent = wire(_vis(state), sent, 3)
    assert delta["base"] == 2 and len(delta["remove_nodes"]) == PAGE_SIZE - 1 and len(delta["put_nodes"]) == 1
    apply(delta)
    assert (held_nodes, held_edges) == truth()

    other = GraphState.from_graph("another", dict(state.nodes), dict(state.edges))
    assert wire(_vis(other), sent, 4)[0]["mode"] == "full"


def test_markdown_escaping_makes_markup_inert():
    assert ui.md("<img src=x onerror=alert(1)>") == r"\<img src\=x onerror\=alert\(1\)\>"
    assert ui.md("[x](javascript:alert(1))").startswith(r"\[x\]\(javascript\:")
    assert ui.md("a\nb") == "a b"


def test_evidence_of_any_shape_becomes_sentences_facts_and_tables():
    sentences, facts, tables = evidence.split({
        "summary": "8 accounts share 2 cards",
        "burst_minutes": 7,
        "signals": {"instrument": {"score": 0.9}},
        "shared": [{"kind": "Device", "key": "dev-1"}],
    })
    assert sentences == ["8 accounts share 2 cards"]
    assert ("burst_minutes", 7) in facts and ("signals.instrument.score", 0.9) in facts
    assert tables == [("shared", [{"kind": "Device", "key": "dev-1"}])]
    assert evidence.split("plain text") == (["plain text"], [], [])
    assert evidence.split(None) == ([], [], [])


@pytest.mark.parametrize("text,kinds", [
    ("203.0.113.0/24", ["cidr", "ip"]),
    ("203.0.113.7", ["ip"]),
    ("203.0.113", ["ip", "account", "instrument", "device", "template", "org", "email"]),  # the start of addresses
    ("203.0.", ["ip", "account", "instrument", "device", "template", "org", "email"]),
    ("2001:db8::1", ["ip"]),
    ("ops@example.com", ["email"]),
    ("acc-0042", ["account", "instrument", "device", "template", "org", "email"]),
    ("   ", []),
])
def test_search_guesses_what_was_typed(text, kinds):
    assert data.guess_search_kinds(text) == kinds


def test_cidr_parameters_bound_the_block_exactly():
    p = data.cidr_params("203.0.113.0/24")
    assert p["prefix"] == "203.0.113." and p["family"] == 4
    assert (p["lo"], p["hi"]) == (3405803776, 3405804031)
    p = data.cidr_params("10.1.128.0/17")
    assert p["prefix"] == "10.1." and p["hi"] - p["lo"] == 2 ** 15 - 1
    assert data.cidr_params("10.1.2.3/32")["prefix"] == "10.1.2.3"
    assert data.cidr_params("0.0.0.0/0")["prefix"] == ""
    assert data.cidr_params("2001:db8:abcd::/48")["prefix"] == "2001:db8:abcd:"
    assert data.cidr_params("2001:0:0:1::/64")["prefix"] == "2001:"  # compression may hide zero groups
    with pytest.raises(ValueError, match="not an IP block"):
        data.cidr_params("10.1.2.300/24")


def test_label_and_id_lists_split_as_typed():
    assert tagging_panel.split_labels(" proxy farm, march batch ,, ") == ["proxy farm", "march batch"]
    assert tagging_panel.split_ids("a-1, a-2\na-3  a-4") == ["a-1", "a-2", "a-3", "a-4"]


def test_the_cypher_shown_runs_unchanged_in_neo4j_browser():
    text = ui.cypher_text("ring_members", {"ring_id": "ring-'a'", "include_removed": True})
    params, _, cypher = text.partition("\n\n")
    assert set(params.splitlines()) == {":param ring_id => 'ring-\\'a\\''", ":param include_removed => true",
                                        ":param skip => 0", ":param limit => 500"}
    assert cypher.startswith("MATCH (:Ring {ring_id: $ring_id})")


def test_display_neutralises_exactly_the_bidi_controls():
    """U+202A-U+202E and U+2066-U+2069, and the marks U+200E, U+200F and U+061C (a field
    report found the marks shown as they were), become their visible code point; their
    neighbours (U+2029 paragraph separator, U+202F narrow no-break space, U+206A, U+200D)
    and ordinary right-to-left letters are left alone (they are text, not direction controls)."""
    from ringscope import display
    controls = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
    for c in controls:
        assert display.neutral(f"a{chr(c)}b") == f"a⟨U+{c:04X}⟩b"
    for c in (0x2029, 0x202F, 0x206A, 0x200D, 0x05D0, 0x0627):
        assert display.neutral(f"a{chr(c)}b") == f"a{chr(c)}b"
    assert display.neutral(None) == "" and display.neutral(12) == "12"
    assert display.neutral_deep({"k\u202e": ["x\u2066", 3]}) == {"k⟨U+202E⟩": ["x⟨U+2066⟩", 3]}
    from ringscope.app import graph_view
    n = graph_view.GNode("Account:a", "Account", "a\u202eb", {"display_name": "n\u2067"})
    drawn = graph_view.vis_node(n, None)
    assert "\u202e" not in drawn["label"] + drawn["title"] and "⟨U+202E⟩" in drawn["label"]


# --------------------------------------------------------------------------- marks on the graph


def test_marked_nodes_are_drawn_distinctly_and_the_legend_names_only_what_is_on_screen():
    """Issue 14: a known-bad node glows red with ✗ before its label, a known-good one blue with
    ✓; the tooltip says why (bidi neutralised); the legend lists each kind, case mark, mark
    and expansion on screen and nothing else."""
    nodes = {n.id: n for n in (_node("Account", "a-1"), _node("Account", "a-2"), _node("Device", "dev-1"),
                               _node("Org", "org-1"), _node("EmailDomain", "evil.io"))}
    edges = {e.id: e for e in (edge("USED_DEVICE", "Account:a-1", "Device:dev-1"),
                               edge("USED_DEVICE", "Account:a-2", "Device:dev-1"))}
    state = GraphState.from_graph("g", nodes, edges)
    assert graph_view.node_mark_id(nodes["Device:dev-1"]) == "device:dev-1"
    assert graph_view.node_mark_id(nodes["EmailDomain:evil.io"]) == "email_domain:evil.io"
    assert graph_view.node_mark_id(nodes["Org:org-1"]) is None  # orgs cannot be marked
    plain = state.vis_data()
    assert all("shadow" not in n and not n["label"].startswith(("✗", "✓")) for n in plain["nodes"])
    assert not [e for e in plain["legend"] if e["kind"].startswith("mark:") or e["kind"] == "expanded"]

    state.marks = {"Device:dev-1": ("known_bad", "Known bad: device dev-1 -- VM image \u202eexe.pdf (alice)"),
                   "Account:a-2": ("known_good", "Known good: account a-2 -- our QA team"),
                   "Account:gone": ("known_bad", "not on screen")}
    drawn = state.vis_data()
    vis = {n["id"]: n for n in drawn["nodes"]}
    bad, good, other = vis["Device:dev-1"], vis["Account:a-2"], vis["Account:a-1"]
    assert bad["label"] == "✗ dev-1" and bad["shadow"]["enabled"] and bad["shadow"]["color"] == "#d00000"
    assert good["label"] == "✓ a-2" and good["shadow"]["color"] == "#1565c0"
    assert "shadow" not in other and other["label"] == "a-1"
    assert "VM image ⟨U+202E⟩exe.pdf" in bad["title"] and "\u202e" not in bad["title"]
    assert "our QA team" in good["title"]
    legend = [e["title"] for e in drawn["legend"]]
    assert "✗ marked known bad" in legend and "✓ marked known good" in legend
    assert {e["title"] for e in drawn["legend"] if not e["kind"].startswith("mark:")} == {
        graph_view.KINDS[k].title for k in ("Account", "Device", "Org", "EmailDomain")}
    # the table says which are marked
    rows = {r["node"]: r for r in state.table()}
    assert rows["Device:dev-1"]["mark"] == "marked known bad" and rows["Account:a-1"]["mark"] == ""

    # a mark on a case account keeps both marks (a glow and a border are different channels)
    state.case = {"a-2": "added"}
    vis = {n["id"]: n for n in state.vis_data()["nodes"]}
    assert vis["Account:a-2"]["borderWidth"] == 4 and vis["Account:a-2"]["shadow"]["color"] == "#1565c0"
    # only the verdicts on screen are in the legend; an expanded node adds its entry
    state.marks = {"Account:a-2": ("known_good", "Known good")}
    state.expansions["Device:dev-1"] = graph_view.Expansion("Device:dev-1")
    legend = {e["kind"] for e in state.vis_data()["legend"]}
    assert "mark:known_good" in legend and "mark:known_bad" not in legend and "expanded" in legend


# --------------------------------------------------------------------------- filter, hide, find


def _small_ring() -> GraphState:
    nodes = {n.id: n for n in (_node("Account", "a-1", display_name="Mallory Ops"), _node("Account", "a-10"),
                               _node("Account", "b-2", email="ops@evil.io"), _node("Device", "dev-1"),
                               _node("IP", "10.0.0.1"), _node("EmailDomain", "evil.io"))}
    edges = {e.id: e for e in (edge("USED_DEVICE", "Account:a-1", "Device:dev-1"),
                               edge("USED_DEVICE", "Account:a-10", "Device:dev-1"),
                               edge("USED_IP", "Account:a-1", "IP:10.0.0.1"),
                               edge("USED_IP", "Account:b-2", "IP:10.0.0.1"),
                               edge("HAS_EMAIL_DOMAIN", "Account:b-2", "EmailDomain:evil.io"))}
    return GraphState.from_graph("g", nodes, edges)


def _drawn(state: GraphState) -> tuple[set[str], set[tuple[str, str]], set[str]]:
    vis = state.vis_data()
    ids = [n["id"] for n in vis["nodes"]]
    return set(ids), {(ids[f], ids[t]) for f, t, *_ in vis["edges"]}, {e["kind"] for e in vis["legend"]}


def test_a_kind_left_out_is_not_drawn_nor_its_links_nor_its_legend_entry_and_comes_back():
    state = _small_ring()
    v0 = state.version
    state.show_kinds(["Account", "Device", "EmailDomain"])  # IPs left out
    assert state.version > v0 and state.hidden_kinds == {"IP"}
    nodes, links, legend = _drawn(state)
    assert "IP:10.0.0.1" not in nodes and all("IP:10.0.0.1" not in pair for pair in links)
    assert ("Account:a-1", "Device:dev-1") in links and "IP" not in legend and "Device" in legend
    assert "IP:10.0.0.1" in state.nodes and state.hidden_reason("IP:10.0.0.1") == "kind filtered out"
    rows = {r["node"]: r for r in state.table()}
    assert rows["IP:10.0.0.1"]["drawn"] == "kind filtered out" and rows["Account:a-1"]["drawn"] == ""
    v1 = state.version
    state.show_kinds(["Account", "Device", "EmailDomain"])  # the same choice: nothing to redraw
    assert state.version == v1
    state.show_kinds(list(graph_view.KINDS))
    assert _drawn(state)[0] == set(state.nodes) and "drawn" not in state.table()[0]


def test_a_hidden_node_goes_with_its_links_survives_expansions_and_is_shown_again():
    state = _small_ring()
    state.hide("Device:dev-1")
    nodes, links, _ = _drawn(state)
    assert "Device:dev-1" not in nodes and not [p for p in links if "Device:dev-1" in p]
    assert state.hidden_reason("Device:dev-1") == "hidden"
    # the graph goes on working underneath: expanding a drawn node still adds its neighbours
    fetch = FakeGraph({"Account:a-10": ["Device:dev-1", "IP:10.9.9.9"]})
    state.expand("Account:a-10", fetch)
    nodes, _, _ = _drawn(state)
    assert "IP:10.9.9.9" in nodes and "Device:dev-1" not in nodes
    state.selected = "Device:dev-1"
    assert state.vis_data()["selected"] is None  # a hidden node is not selected in the drawing
    state.unhide("Device:dev-1")
    assert "Device:dev-1" in _drawn(state)[0]
    state.hide("Account:a-1")
    state.hide("Account:b-2")
    state.unhide()
    assert _drawn(state)[0] == set(state.nodes)


def test_find_on_screen_ranks_exact_then_prefix_then_names_and_brings_the_node_into_view():
    from ringscope.app import graph_panel
    state = _small_ring()
    assert state.find("A-1") == ["Account:a-1", "Account:a-10"]  # exact key first, any case
    assert state.find("a-") == ["Account:a-1", "Account:a-10"]
    assert state.find("mallory") == ["Account:a-1"]  # display name
    assert state.find("evil.io") == ["EmailDomain:evil.io", "Account:b-2"]  # the domain's key, then b-2's e-mail
    assert state.find("  ") == [] and state.find("zzz") == []
    state.show_kinds(["Device"])
    state.hide("Account:a-10")
    nid, message = graph_panel.find_on_screen(state, " a-10 ")
    assert nid == "Account:a-10" and message == "Found account a-10."
    assert "Account:a-10" in _drawn(state)[0]  # found: drawn again, its kind too
    assert state.selected == "Account:a-10" and state.vis_data()["centre"] == {"id": "Account:a-10", "n": 1}
    nid, message = graph_panel.find_on_screen(state, "a-")
    assert nid == "Account:a-1" and "2 matches" in message and state.vis_data()["centre"]["n"] == 2
    nid, message = graph_panel.find_on_screen(state, "x\u202ey")
    assert nid is None and message == "Nothing on the graph matches 'x⟨U+202E⟩y'."


# --------------------------------------------------------------------------- time slider


def _dated_ring() -> GraphState:
    nodes = {n.id: n for n in (
        _node("Account", "a-1", created_at="2025-03-01T02:00Z", last_exchange="2025-03-03T10:00:00Z"),
        _node("Account", "a-2", created_at="2025-03-10T00:00:00Z", last_exchange="2025-03-12T23:59:59.5Z"),
        _node("PaymentInstrument", "card-1"), _node("IP", "10.0.0.1"), _node("Device", "dev-1"),
        _node("EmailDomain", "evil.io"), _node("Org", "org-lonely"))}
    edges = {e.id: e for e in (
        edge("PAID_WITH", "Account:a-1", "PaymentInstrument:card-1",
             {"first_seen": "2025-03-01T02:05Z", "last_seen": "2025-03-02T00:00Z"}),
        edge("USED_IP", "Account:a-1", "IP:10.0.0.1", {"first_seen": "2025-03-03T01:00Z", "last_seen": "2025-03-03T02:00Z"}),
        edge("PAID_WITH", "Account:a-2", "PaymentInstrument:card-1",
             {"first_seen": "2025-03-10T00:00Z", "last_seen": "2025-03-11T00:00Z"}),
        edge("USED_DEVICE", "Account:a-2", "Device:dev-1"),  # no dates on this link
        edge("HAS_EMAIL_DOMAIN", "Account:a-1", "EmailDomain:evil.io"),
        edge("HAS_EMAIL_DOMAIN", "Account:a-2", "EmailDomain:evil.io"))}
    return GraphState.from_graph("g", nodes, edges)


def test_the_time_window_draws_the_accounts_and_links_active_in_it():
    """Issue 14 (Bloom's slicer): from the dates the ring's query returns (accounts' sign-up and
    exchanges, links' first and last seen), only what was active in the chosen days is drawn."""
    state = _dated_ring()
    assert state.time_span() == ("2025-03-01", "2025-03-12")
    everything = set(state.nodes)
    v0 = state.version
    state.set_window("2025-03-01", "2025-03-02")
    assert state.version > v0 and state.window == ("2025-03-01", "2025-03-02")
    nodes, links, legend = _drawn(state)
    # a-1 and the card it paid with then, its e-mail domain (undated link); the org is on no link
    assert nodes == {"Account:a-1", "PaymentInstrument:card-1", "EmailDomain:evil.io", "Org:org-lonely"}
    assert links == {("Account:a-1", "PaymentInstrument:card-1"), ("Account:a-1", "EmailDomain:evil.io")}
    assert "IP" not in legend and "Device" not in legend
    assert state.hidden_reason("IP:10.0.0.1") == "outside the time window"  # a-1 used the IP on the 3rd
    assert state.hidden_reason("Account:a-2") == "outside the time window"
    assert {r["node"]: r["drawn"] for r in state.table()}["Account:a-2"] == "outside the time window"

    state.set_window("2025-03-03", "2025-03-03")
    nodes, links, _ = _drawn(state)
    assert nodes >= {"Account:a-1", "IP:10.0.0.1"} and "PaymentInstrument:card-1" not in nodes
    assert ("Account:a-1", "IP:10.0.0.1") in links

    state.set_window("2025-03-12", "2025-03-10")  # either order
    nodes, links, _ = _drawn(state)
    assert state.window == ("2025-03-10", "2025-03-12")
    assert nodes == {"Account:a-2", "PaymentInstrument:card-1", "Device:dev-1", "EmailDomain:evil.io", "Org:org-lonely"}
    assert ("Account:a-2", "PaymentInstrument:card-1") in links and ("Account:a-1", "PaymentInstrument:card-1") not in links

    state.set_window("2025-03-05", "2025-03-08")  # nobody was active: only what is dated nowhere stays
    assert _drawn(state)[0] == {"Org:org-lonely"}
    # found outside the window: the whole time range is drawn again, and the node is selected
    state.bring_into_view("Account:a-2")
    assert state.window is None and _drawn(state)[0] == everything
    state.set_window("2025-03-01", "2025-03-02")
    state.set_window(None)
    assert _drawn(state)[0] == everything
    # a kind filter and the window together
    state.set_window("2025-03-10", "2025-03-12")
    state.show_kinds(["Account", "Device"])
    assert _drawn(state)[0] == {"Account:a-2", "Device:dev-1"}


def test_a_graph_without_dates_has_no_time_span():
    state = _small_ring()
    assert state.time_span() is None
    state.set_window("2025-01-01", "2025-01-02")  # undated nodes and links are kept
    assert _drawn(state)[0] == set(state.nodes)


def _ring_world(n_accounts: int, groups: int = 6) -> tuple[dict, dict]:
    """A ring of `n_accounts` accounts in `groups` households: each household shares a card and a
    device, everyone shares some of 20 IPs and 8 templates, as detection's rings do."""
    nodes, edges = {}, {}
    accounts = [_node("Account", f"acc-{i:03d}") for i in range(n_accounts)]
    nodes.update({a.id: a for a in accounts})
    for g in range(groups):
        for kind, prefix, rel in (("PaymentInstrument", "pi", "PAID_WITH"), ("Device", "dev", "USED_DEVICE")):
            ident = _node(kind, f"{prefix}-{g}")
            nodes[ident.id] = ident
            for a in accounts[g::groups]:
                e = edge(rel, a.id, ident.id)
                edges[e.id] = e
    for i, a in enumerate(accounts):
        for ident, rel in ((_node("IP", f"10.0.0.{i % 20}"), "USED_IP"),
                           (_node("PromptTemplate", f"tpl-{(i * 7) % 8:02d}aa"), "SENT_TEMPLATE")):
            nodes[ident.id] = ident
            e = edge(rel, a.id, ident.id)
            edges[e.id] = e
    return nodes, edges


def _radius(p) -> float:
    return math.hypot(p[0], p[1])


@pytest.mark.parametrize("n_accounts", [7, 79, 250])
def test_a_ring_layout_keeps_accounts_apart_from_the_identifiers_they_share(n_accounts):
    """Issue 14: a 79-account ring was a hairball, a 7-account ring's accounts were stacked in the
    centre. Identifiers fill the middle, accounts stand round them; no two nodes touch. (The
    force-directed layout the ring view used before fails every one of these.)"""
    nodes, edges = _ring_world(n_accounts)
    pos, labelled = graph_view.ring_view_layout(nodes, edges.values())
    assert set(pos) == set(nodes)
    cx = sum(p[0] for p in pos.values()) / len(pos)
    cy = sum(p[1] for p in pos.values()) / len(pos)
    centred = {nid: (x - cx, y - cy) for nid, (x, y) in pos.items()}
    accounts = [nid for nid in nodes if nid.startswith("Account:")]
    identifiers = [nid for nid in nodes if not nid.startswith("Account:")]
    assert min(_radius(centred[a]) for a in accounts) > max(_radius(centred[i]) for i in identifiers)
    ids = sorted(pos)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            gap = math.dist(pos[a], pos[b]) - graph_view.KINDS[nodes[a].kind].size - graph_view.KINDS[nodes[b].kind].size
            assert gap >= 0, (a, b, gap)
    # labels only where they fit: no drawn label covers another label or a node
    boxes = []
    for nid in labelled:
        x, y = pos[nid]
        half = (len(graph_view.node_label(nodes[nid])) * graph_view.LABEL_CHAR_PX + 4) / 2
        top = y + graph_view.KINDS[nodes[nid].kind].size + 2
        boxes.append((nid, (x - half, top, x + half, top + graph_view.LABEL_HEIGHT_PX)))
    def overlap(p, q):
        return p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]
    for i, (a, box) in enumerate(boxes):
        for b, other in boxes[i + 1:]:
            assert not overlap(box, other), (a, b)
        for nid, (x, y) in pos.items():
            r = graph_view.KINDS[nodes[nid].kind].size
            assert nid == a or not overlap(box, (x - r, y - r, x + r, y + r)), (a, nid)
    assert labelled, "some labels always fit"
    if n_accounts == 7:  # a small ring: every account labelled, and most identifiers
        assert set(accounts) <= labelled and len(labelled) >= 0.75 * len(nodes)


def test_unlabelled_nodes_keep_their_name_in_the_tooltip_and_the_legend_names_every_kind():
    nodes, edges = _ring_world(79)
    pos, labelled = graph_view.ring_view_layout(nodes, edges.values())
    state = GraphState.from_graph("g", nodes, edges, positions=pos, labelled=labelled)
    vis = state.vis_data()
    quiet = [n for n in vis["nodes"] if n["label"] == ""]
    assert quiet and all(n["title"] for n in quiet)
    assert {n["id"] for n in quiet} == set(nodes) - labelled
    assert {entry["kind"] for entry in vis["legend"]} >= {"Account", "PaymentInstrument", "Device", "IP", "PromptTemplate"}


def test_the_time_span_after_expansions_is_the_span_of_everything_on_the_graph():
    """Issue 14: a click used to recompute the time span over every node and link (70 ms of a
    4,000-link ring's expand); it is the base's span (shared by the sessions on a ring) merged
    with what expansions added. It must equal the span of everything on screen throughout."""
    state = _dated_ring()
    texts = graph_view.graph_texts(state.nodes, state.edges)
    assert texts.span == ("2025-03-01", "2025-03-12")
    shared = GraphState.from_graph("g2", state.nodes, state.edges, texts=texts)
    late = _node("Account", "a-9", created_at="2025-04-02T10:00:00Z")
    early_link = edge("USED_IP", "Account:a-9", "IP:10.0.0.1", {"first_seen": "2025-02-20T00:00Z"})

    def fetch(kind, key, skip, limit, after="", link=""):
        return ([late], [early_link], 1) if key == "10.0.0.1" else ([], [], 0)

    def everything():
        return graph_view.span_of(shared.nodes.values(), shared.edges.values())

    assert shared.time_span() == everything() == ("2025-03-01", "2025-03-12")
    shared.expand("IP:10.0.0.1", fetch)
    assert shared.time_span() == everything() == ("2025-02-20", "2025-04-02")
    shared.collapse("IP:10.0.0.1")
    assert shared.time_span() == everything() == ("2025-03-01", "2025-03-12")


def test_collapse_removes_every_link_to_the_nodes_it_removes_in_one_pass():
    """The links another expansion drew to a removed node go with it (collapse now collects the
    removed nodes first and reads the links once, not once per node)."""
    state, fetch = _base(ip_accounts=60)
    state.expand("IP:10.0.0.1", fetch)
    state.expand("Account:acc-000", fetch)  # Device:dev-1 and its link
    state.expand("Device:dev-1", fetch)  # acc-900, linked to dev-1
    before = set(state.nodes)
    removed = state.collapse("IP:10.0.0.1")
    assert removed == len(before - set(state.nodes))
    assert all(e.source in state.nodes and e.target in state.nodes for e in state.edges.values())


def test_a_timed_run_records_its_wall_and_cpu_time_and_its_profile(tmp_path, monkeypatch):
    """bench_concurrency tells the app's own work from waiting for a core by `cpu_ms` (the run's
    thread), and sums the per-run profiles that RINGSCOPE_APP_PROFILE asks for (issue 14)."""
    import json
    import pstats
    import time

    from ringscope.app import timing

    timings, profiles = tmp_path / "t.jsonl", tmp_path / "prof"
    profiles.mkdir()
    monkeypatch.setenv("RINGSCOPE_APP_TIMINGS", str(timings))
    monkeypatch.setenv("RINGSCOPE_APP_PROFILE", str(profiles))
    timing._target.cache_clear()
    timing._profile_folder.cache_clear()
    try:
        started = timing.now()
        timing.profile_start()
        busy = time.thread_time() + 0.05
        while time.thread_time() < busy:
            pass
        time.sleep(0.1)  # waiting: wall time, not CPU time
        timing.record("expand", started, session="s")
    finally:
        timing._target.cache_clear()
        timing._profile_folder.cache_clear()
    row = json.loads(timings.read_text())
    assert row["what"] == "expand" and row["ms"] >= 150 and 45 <= row["cpu_ms"] < row["ms"] - 80
    (prof,) = profiles.glob("expand-*.prof")
    assert pstats.Stats(str(prof)).total_tt < 0.1  # CPU time: the 0.1 s sleep is not in it
