"""The exploration queries on tiny hand-built graphs: paging a busy identifier's neighbours
(two access paths that must agree), an entity's link counts and rings, the walk cap."""
from __future__ import annotations

from ringscope import db
from ringscope.catalog import get_query, run_query
from ringscope.config import PROJECT_ROOT
from test_detect_support import World


# Scrambled so that insertion order, store order and key order all differ.
SHARERS = [f"acc-{i:02d}" for i in (17, 3, 29, 11, 0, 23, 8, 14, 26, 5, 20, 1, 12, 27, 9, 18, 6, 24, 15, 2)]
LONERS = [f"acc-{i:02d}" for i in (4, 7, 10, 13, 16, 19, 21, 22, 25, 28)]


def _graph(settings) -> None:
    w = World()
    for a in SHARERS + LONERS:
        w.account(a, email=f"{a}@example.org")
        w.card(a, f"card-{a}")
    for a in SHARERS:
        w.device(a, "vm-image")
    w.device("acc-04", "laptop")
    w.ip("acc-04", "10.0.0.9")
    w.template("acc-04", "tpl-x", 5)
    w.write(settings)
    db.run_write(
        "CREATE (r:Ring {ring_id: 'R-1', score: 0.9, status: 'confirmed'}) "
        "WITH r MATCH (a:Account) WHERE a.account_id IN ['acc-17', 'acc-03'] CREATE (r)-[:HAS_MEMBER {removed: false}]->(a) "
        "WITH DISTINCT r CREATE (g:Ring {ring_id: 'R-2', score: 0.5}) "
        "WITH g MATCH (a:Account {account_id: 'acc-29'}) CREATE (g)-[:HAS_MEMBER {removed: true}]->(a)",
        settings=settings)


def _page(settings, kind, key, skip, limit, after=""):
    query = get_query("neighbourhood")
    params = {"kind": kind, "key": key, "skip": skip, "limit": limit, "after": after}
    _, rows = db.run_read_graph(query.cypher, query.bind(params), settings=settings)
    return rows


def test_a_busy_identifier_pages_in_key_order_whichever_path_reads_it(clean_db):
    """With 20 of 30 accounts on one device and pages of 3, the first page walks the account
    index (3 * 30 * 4 < 20 * 20) and later pages sort the device's links: together they must
    be every sharer once, in account_id order."""
    _graph(clean_db)
    seen = []
    for skip in range(0, 24, 3):
        rows = _page(clean_db, "Device", "vm-image", skip, 3)
        assert all(row[3] == 20 for row in rows)  # total
        # the node itself on the first row only (neighbourhood v5): the driver decodes it once
        assert all(row[0]["device_id"] == "vm-image" if i == 0 else row[0] is None for i, row in enumerate(rows))
        assert all(row[1].type == "USED_DEVICE" and row[1].end_node["device_id"] == "vm-image" for row in rows)
        seen += [row[2]["account_id"] for row in rows]
    assert seen == sorted(SHARERS)
    one_page = [row[2]["account_id"] for row in _page(clean_db, "Device", "vm-image", 0, 50)]
    assert one_page == sorted(SHARERS)
    # Keyset paging (the app's "show more"): each page starts after the previous page's last
    # key; pages of 3 walk the index (3 * 30 * 4 < 400), pages of 7 sort (7 * 30 * 4 >= 400).
    for size in (3, 7):
        after, keyed = "", []
        while rows := _page(clean_db, "Device", "vm-image", 0, size, after):
            keyed += [row[2]["account_id"] for row in rows]
            after = keyed[-1]
        assert keyed == sorted(SHARERS), size
    assert _page(clean_db, "Device", "no-such-device", 0, 3) == []


def test_an_accounts_neighbourhood_lists_its_shared_identifiers_before_its_e_mail_domain(clean_db):
    _graph(clean_db)
    rows = _page(clean_db, "Account", "acc-04", 0, 50)
    keys = [next(iter(v for k, v in dict(row[2]).items() if k in ("instrument_id", "device_id", "address",
                                                                       "fingerprint", "domain"))) for row in rows]
    # one of each kind: by relationship type; the e-mail domain (shared by all 30) last
    assert keys == ["card-acc-04", "tpl-x", "laptop", "10.0.0.9", "example.org"]
    assert {row[3] for row in rows} == {5}
    assert [row[2]["fingerprint"] for row in _page(clean_db, "Account", "acc-04", 1, 1)] == ["tpl-x"]


def _evidence_graph(settings) -> None:
    """ev-1: 2 cards, 2 devices, 5 IPs, 6 templates; some shared with other accounts."""
    w = World()
    for a in ("ev-1", "ev-2", "ev-3", "ev-4"):
        w.account(a, email=f"{a}@mail.example")
    for c in ("card-a", "card-b"):
        w.card("ev-1", c)
    w.card("ev-2", "card-b")  # card-b shared by 2
    for d in ("dev-a", "dev-b"):
        w.device("ev-1", d)
    for a in ("ev-2", "ev-3"):
        w.device(a, "dev-a")  # dev-a shared by 3
    for i in range(5):
        w.ip("ev-1", f"10.1.0.{i}")
    for a in ("ev-2", "ev-3", "ev-4"):
        w.ip(a, "10.1.0.3")  # the most shared IP
    for i in range(6):
        w.template("ev-1", f"tpl-{i}", 3)
    w.write(settings)


def test_an_account_expands_evidence_first_and_one_kind_at_a_time(clean_db):
    """Issue 14, evidence first: the kinds an account has fewest of come first (its 2 cards and
    2 devices before 5 IPs and 6 templates), within a kind the most shared first, the e-mail
    domain last; `link` shows one kind, with its own total; pages by skip keep that order."""
    _evidence_graph(clean_db)
    rows = _page(clean_db, "Account", "ev-1", 0, 50)
    keys = [coalesce_key(row[2]) for row in rows]
    assert keys == ["card-b", "card-a", "dev-a", "dev-b", "10.1.0.3", "10.1.0.0", "10.1.0.1", "10.1.0.2",
                    "10.1.0.4", "tpl-0", "tpl-1", "tpl-2", "tpl-3", "tpl-4", "tpl-5", "mail.example"]
    assert {row[3] for row in rows} == {16}
    paged = [coalesce_key(row[2]) for skip in range(0, 16, 3) for row in _page(clean_db, "Account", "ev-1", skip, 3)]
    assert paged == keys
    query = get_query("neighbourhood")
    _, ips = db.run_read_graph(query.cypher, query.bind({"kind": "Account", "key": "ev-1", "link": "USED_IP"}),
                               settings=clean_db)
    assert [coalesce_key(row[2]) for row in ips] == ["10.1.0.3", "10.1.0.0", "10.1.0.1", "10.1.0.2", "10.1.0.4"]
    assert {row[3] for row in ips} == {5} and {row[1].type for row in ips} == {"USED_IP"}
    # an identifier's neighbours are unchanged: accounts by key
    _, sharers = db.run_read_graph(query.cypher, query.bind({"kind": "IP", "key": "10.1.0.3", "link": "USED_IP"}),
                                   settings=clean_db)
    assert [row[2]["account_id"] for row in sharers] == ["ev-1", "ev-2", "ev-3", "ev-4"]


def test_the_app_expands_an_account_one_kind_at_a_time(clean_db):
    """The app's side of it, through data.neighbourhood on the live server: the counts per kind
    in evidence order, and GraphState.expand_link showing one kind, replacing the last."""
    from ringscope.app import data, graph_panel
    from ringscope.app.graph_view import GraphState, node_id
    from ringscope import domain

    _evidence_graph(clean_db)
    data.entity.clear()
    found = data.entity("Account", "ev-1")
    counts = graph_panel.evidence_counts(found["links"])
    assert ", ".join(domain.count_of(c["type"], c["links"]) for c in counts) == \
        "2 payment instruments, 2 devices, 5 IPs, 6 templates, 1 e-mail domain"
    me = node_id("Account", "ev-1")
    state = GraphState.from_graph("g", {}, {})
    account = data.neighbourhood("IP", "10.1.0.3", 0, 1)[0][0]
    state.nodes[me] = account
    state.positions[me] = (0.0, 0.0)
    assert state.expand_link(me, "USED_DEVICE", data.neighbourhood) == 2
    assert sorted(n for n in state.nodes if n != me) == ["Device:dev-a", "Device:dev-b"]
    assert state.expansions[me].total == 2
    assert state.expand_link(me, "USED_IP", data.neighbourhood) == 5  # the devices go, the IPs come
    assert sorted(n for n in state.nodes if n != me)[0] == "IP:10.1.0.0" and len(state.nodes) == 6
    state.collapse(me)
    assert list(state.nodes) == [me]


def coalesce_key(node) -> str:
    props = dict(node)
    return next(props[k] for k in ("account_id", "instrument_id", "device_id", "address", "fingerprint", "domain")
                if k in props)


def _entity(settings, kind, key, **params):
    query = get_query("entity_lookup")
    keys, rows = db.run_read_graph(query.cypher, query.bind({"kind": kind, "key": key, **params}), settings=settings)
    return [dict(zip(keys, row)) for row in rows]


def test_entity_lookup_counts_links_and_lists_rings_through_an_identifier(clean_db):
    _graph(clean_db)
    [device] = _entity(clean_db, "Device", "vm-image")
    assert device["kind"] == "Device" and device["links"] == [{"type": "USED_DEVICE", "links": 20}]
    # acc-17 and acc-03 are in R-1; acc-29 was taken out of R-2, so R-2 is not listed.
    assert [r["ring_id"] for r in device["rings"]] == ["R-1"] and device["rings_listed"]
    [account] = _entity(clean_db, "Account", "acc-04")
    assert account["links"] == [{"type": t, "links": 1} for t in
                                ("HAS_EMAIL_DOMAIN", "PAID_WITH", "SENT_TEMPLATE", "USED_DEVICE", "USED_IP")]
    assert account["rings"] == [] and account["rings_listed"]
    [member] = _entity(clean_db, "Account", "acc-17")
    assert [r["ring_id"] for r in member["rings"]] == ["R-1"]
    assert _entity(clean_db, "Device", "no-such-device") == []


def test_entity_lookup_does_not_walk_an_identifier_above_max_walk(clean_db):
    _graph(clean_db)
    [device] = _entity(clean_db, "Device", "vm-image", max_walk=19)
    assert device["rings"] == [] and not device["rings_listed"]
    assert device["links"] == [{"type": "USED_DEVICE", "links": 20}]
    [domain] = _entity(clean_db, "EmailDomain", "example.org", max_walk=30)
    assert domain["rings_listed"] and [r["ring_id"] for r in domain["rings"]] == ["R-1"]
    # An account's own rings never depend on the cap.
    [member] = _entity(clean_db, "Account", "acc-17", max_walk=0)
    assert member["rings_listed"] and [r["ring_id"] for r in member["rings"]] == ["R-1"]


def _bench_read(name, params, settings):
    """A query of the benchmarks' own folder (benchmarks/cypher/, not the product catalog)."""
    query = get_query(name, PROJECT_ROOT / "benchmarks" / "cypher")
    return db.run_read(query.cypher, query.bind(params), settings=settings)


def test_the_benchmark_sampling_queries_cover_every_kind(clean_db):
    _graph(clean_db)
    rows = _bench_read("sample_nodes", {"per_kind": 1000}, clean_db)
    assert {r["kind"] for r in rows} == {"Account", "PaymentInstrument", "Device", "IP", "PromptTemplate", "EmailDomain"}
    assert len([r for r in rows if r["kind"] == "Account"]) == 30
    busiest = _bench_read("busiest_identifiers", {"per_kind": 1}, clean_db)
    assert {(r["kind"], r["key"], r["links"]) for r in busiest} >= {("Device", "vm-image", 20), ("EmailDomain", "example.org", 30)}


def test_ring_graph_keeps_within_the_link_budget_and_counts_what_it_left_out(clean_db):
    w = World()
    members = ["m1", "m2", "m3", "m4"]
    for a in members:
        w.account(a)
        w.device(a, "shared-vm")  # 4 links
    for a in members[:3]:
        w.card(a, "shared-card")  # 3 links
    for a in members[:2]:
        w.ip(a, "192.0.2.1")  # 2 links
    w.write(clean_db)
    db.run_write("CREATE (r:Ring {ring_id: 'R-9', score: 0.8}) WITH r MATCH (a:Account) "
                 "CREATE (r)-[:HAS_MEMBER {score: 0.5, removed: false}]->(a)", settings=clean_db)

    def view(max_links):
        params = {"ring_id": "R-9", "min_shared": 2, "max_members": 10, "max_identifiers": 10, "max_per_kind": 10,
                  "max_links": max_links}
        [row] = run_query("ring_graph", params, settings=clean_db)
        return sorted(x["key"] for x in row["identifiers"]), len(row["links"]), row["left_out"]

    assert view(100) == (["192.0.2.1", "shared-card", "shared-vm"], 9, 0)
    # Kinds take turns, most shared first: the device (4) fits, the card (3) would pass 6,
    # the IP (2) after it still fits.
    assert view(6) == (["192.0.2.1", "shared-vm"], 6, 1)
    assert view(5) == (["shared-vm"], 4, 2)
    assert view(0) == ([], 0, 3)



def test_ring_graph_browser_returns_the_same_graph_as_nodes_and_relationships(clean_db):
    """Neo4j Browser draws nodes and relationships, not maps: the ring's graph as graph values,
    the same members and identifiers as the ring view's ring_graph (link budget included)."""
    from neo4j.graph import Node, Relationship

    w = World()
    members = ["m1", "m2", "m3", "m4", "m5"]
    for a in members:
        w.account(a)
    for a in members[:4]:
        w.device(a, "shared-vm")  # 4 links
    for a in members[:3]:
        w.card(a, "shared-card")  # 3 links
    for a in members[:2]:
        w.ip(a, "192.0.2.1")  # 2 links
    w.ip("m1", "192.0.2.99")  # one member only: not drawn with min_shared 2
    w.device("m5", "shared-vm")  # m5 is taken out of the case: its link is not drawn
    w.write(clean_db)
    db.run_write("CREATE (r:Ring {ring_id: 'R-9', score: 0.8}) WITH r MATCH (a:Account) "
                 "CREATE (r)-[:HAS_MEMBER {score: 0.5, removed: a.account_id = 'm5'}]->(a)", settings=clean_db)
    query = get_query("ring_graph_browser")
    assert query.category == "triage" and query.mode == "read"

    def view(max_links):
        params = {"ring_id": "R-9", "min_shared": 2, "max_members": 10, "max_identifiers": 10, "max_per_kind": 10,
                  "max_links": max_links}
        keys, rows = db.run_graph("ring_graph_browser", params, settings=clean_db)
        [row] = [dict(zip(keys, r)) for r in rows]
        [maps] = run_query("ring_graph", params, settings=clean_db)
        return row, maps

    row, maps = view(100)
    assert isinstance(row["ring"], Node) and row["ring"]["ring_id"] == "R-9"
    assert all(isinstance(n, Node) for n in row["members"] + row["identifiers"])
    assert all(isinstance(r, Relationship) for r in row["memberships"] + row["links"])
    assert sorted(n["account_id"] for n in row["members"]) == ["m1", "m2", "m3", "m4"]
    assert {r.type for r in row["memberships"]} == {"HAS_MEMBER"}
    assert {r.end_node["account_id"] for r in row["memberships"]} == {"m1", "m2", "m3", "m4"}
    keys = sorted(n.get("device_id") or n.get("instrument_id") or n.get("address") or n.get("domain")
                  for n in row["identifiers"])
    assert keys == sorted(x["key"] for x in maps["identifiers"])
    assert "192.0.2.99" not in keys and "shared-vm" in keys
    drawn = {n.element_id for n in row["members"] + row["identifiers"]}
    # every link joins two drawn nodes (Browser draws no dangling relationship), as many as ring_graph's
    assert all(r.start_node.element_id in drawn and r.end_node.element_id in drawn for r in row["links"])
    assert len(row["links"]) == len(maps["links"])
    assert sorted((r.start_node["account_id"], r.type) for r in row["links"]) == \
        sorted((link[0], link[1]) for link in maps["links"])
    # the same link budget as the ring view
    row, maps = view(6)
    assert len(row["links"]) == len(maps["links"]) == 6
    assert sorted(n.get("device_id") or n.get("address") for n in row["identifiers"]) == ["192.0.2.1", "shared-vm"]
    # an unknown ring: no row (Browser says "no records")
    assert db.run_graph("ring_graph_browser", {"ring_id": "nope"}, settings=clean_db)[1] == []


def _path(settings, a, b, **params):
    query = get_query("shortest_path")
    keys, rows = db.run_read_graph(query.cypher, query.bind({"from_account": a, "to_account": b, **params}),
                                   settings=settings)
    return [dict(zip(keys, row)) for row in rows]


def test_shortest_path_does_not_go_through_skipped_kinds_or_busy_identifiers(clean_db):
    w = World()
    for a in ("p1", "p2", "p3", "p4"):
        w.account(a, email=f"{a}@shared.example")
    for i in range(12):
        w.account(f"crowd-{i}")
        w.template(f"crowd-{i}", "tpl-public", 3)
    w.template("p1", "tpl-public", 3)
    w.template("p2", "tpl-public", 3)
    w.device("p1", "dev-p")
    w.device("p3", "dev-p")
    w.card("p3", "card-p")
    w.card("p4", "card-p")
    w.write(clean_db)

    [path] = _path(clean_db, "p1", "p4")
    assert path["hops"] == 4  # p1 -dev- p3 -card- p4
    assert [list(n.labels)[0] for n in path["p"].nodes] == ["Account", "Device", "Account", "PaymentInstrument", "Account"]
    # p1 and p2 share only the public template (14 accounts) and the e-mail domain (skipped)
    assert [r["hops"] for r in _path(clean_db, "p1", "p2")] == [2]
    assert _path(clean_db, "p1", "p2", max_accounts=13) == []
    assert [r["hops"] for r in _path(clean_db, "p1", "p2", max_accounts=14)] == [2]
    assert [r["hops"] for r in _path(clean_db, "p1", "p2", skip_kinds=["Org"], max_accounts=13)] == [2]  # the domain
    assert _path(clean_db, "p1", "p4", skip_kinds=["Device", "EmailDomain"]) == []


def test_the_node_comes_once_and_every_link_of_the_page_still_reaches_it(clean_db):
    """neighbourhood v5 returns the expanded node on the first row only: repeated on every row,
    its properties (an account's times and daily series) were decoded once per neighbour, most
    of an expand's CPU under eight investigators (issue 14). The app's page is unchanged."""
    from ringscope.app import data

    _evidence_graph(clean_db)
    query = get_query("neighbourhood")
    _, rows = db.run_read_graph(query.cypher, query.bind({"kind": "Account", "key": "ev-1"}), settings=clean_db)
    assert len(rows) == 16 and rows[0][0]["account_id"] == "ev-1" and all(row[0] is None for row in rows[1:])
    assert all(row[1].start_node["account_id"] == "ev-1" for row in rows)  # the whole node, through the link
    neighbours, links, total = data.neighbourhood("Account", "ev-1", 0, 50)
    assert total == 16 and len(neighbours) == 16 and len(links) == 16
    assert {e.source for e in links} == {"Account:ev-1"}
    assert [n.key for n in neighbours][:4] == ["card-b", "card-a", "dev-a", "dev-b"]  # evidence first, as before
