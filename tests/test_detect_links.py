"""The numeric core of detection, without a database: rarity weights, pair sampling,
per-family noisy-or, per-network IP evidence with time windows, template similarity,
behaviour components, ring-id matching."""
from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from ringscope.detection.behaviour import Baseline, components, operator_likeness
from ringscope.detection.links import AccountIndex, Group, LinkBuilder, group_pairs, rarity_weight
from ringscope.detection.rings import DetectedRing, RingParams, candidate_groups
from ringscope.detection.writeback import assign_ids


def table(builder: LinkBuilder, index: AccountIndex) -> dict[tuple[str, str], np.ndarray]:
    t = builder.build()
    return {tuple(sorted((index.ids[a], index.ids[b]))): s for a, b, s in zip(t.a, t.b, t.scores)}


def test_rarity_weight():
    assert rarity_weight(2) == pytest.approx(1 / math.log2(3))
    assert rarity_weight(1023) == pytest.approx(0.1)
    assert rarity_weight(3) > rarity_weight(30) > rarity_weight(300)


def test_small_groups_give_every_pair_large_groups_a_connected_linear_sample():
    rank = np.random.default_rng(1).permutation(1000)
    hashes = np.random.default_rng(2).integers(0, 1 << 32, 1000).astype(np.uint64)
    members = np.arange(10)
    i, j = group_pairs(members, hashes, rank, max_clique=32, successors=4)
    assert len(i) == 45
    members = np.arange(500)
    i, j = group_pairs(members, hashes, rank, max_clique=32, successors=4, salt=17)
    assert len(i) == 500 * 4
    g = nx.Graph(zip(members[i].tolist(), members[j].tolist()))
    assert nx.is_connected(g) and g.number_of_nodes() == 500
    assert len({tuple(sorted(p)) for p in zip(i.tolist(), j.tolist())}) == len(i)  # no duplicates
    # the same group in another order gives the same pairs; another identifier other pairs
    rev = members[::-1].copy()
    i2, j2 = group_pairs(rev, hashes, rank, max_clique=32, successors=4, salt=17)
    pairs = {frozenset((members[a], members[b])) for a, b in zip(i, j)}
    assert {frozenset((rev[a], rev[b])) for a, b in zip(i2, j2)} == pairs
    i3, j3 = group_pairs(members, hashes, rank, max_clique=32, successors=4, salt=18)
    assert len(pairs & {frozenset((members[a], members[b])) for a, b in zip(i3, j3)}) < len(pairs) // 4


def test_a_big_groups_pairs_do_not_move_when_accounts_are_added_elsewhere():
    """Field report (newcomer QA): nine new accounts sharing nothing with anyone moved
    accounts in and out of the demo's rings (10,264 strong links became 10,255) and raised
    ring_weakened and ring_grew alerts: a big group's pairs were drawn from each member's
    rank *position*, which every added account shifts. They are drawn from its own hash."""
    ids = [f"acc-{k:04d}" for k in range(600)]
    extra = [f"new-{k}" for k in range(40)]

    def pairs(order):
        index = AccountIndex()
        index.add(order)
        lb = LinkBuilder(index)
        lb.add(Group("instrument", "card", index.add(ids[:300]), 0.1))
        t = lb.build()
        return {frozenset((index.ids[a], index.ids[b])) for a, b in zip(t.a.tolist(), t.b.tolist())}

    before = pairs(ids)
    assert len(before) == 300 * 4
    mixed = [x for pair in zip(ids, extra + [None] * len(ids)) for x in pair if x is not None]
    assert pairs(mixed) == before
    assert pairs(extra + ids[::-1]) == before


def test_families_combine_as_noisy_or_and_ip_counts_each_network_once():
    idx = AccountIndex()
    a, b, c = idx.add(["a", "b", "c"])
    lb = LinkBuilder(idx)
    lb.add(Group("instrument", "card1", np.array([a, b]), 0.5))
    lb.add(Group("instrument", "card2", np.array([a, b]), 0.5))
    # three addresses, two in one network: that network counts once, at its best weight
    for ip, net, w in (("1.1.1.1", "AS1", 0.4), ("1.1.1.2", "AS1", 0.3), ("2.2.2.2", "AS2", 0.5)):
        lb.add(Group("ip", ip, np.array([a, b]), w, first_s=np.array([0, 0]), last_s=np.array([100, 100]), network=net))
    # used months apart: no co-occurrence
    lb.add(Group("ip", "3.3.3.3", np.array([a, c]), 0.9, first_s=np.array([0, 10**8]), last_s=np.array([10, 10**8]), network="AS3"))
    t = table(lb, idx)
    ab = t[("a", "b")]
    assert ab[0] == pytest.approx(1 - 0.5 * 0.5)
    assert ab[2] == pytest.approx(1 - (1 - 0.4) * (1 - 0.5))
    assert ("a", "c") not in t


def test_compaction_does_not_change_the_result():
    rng = np.random.default_rng(3)
    idx = AccountIndex()
    idx.add([f"x{i}" for i in range(200)])
    groups = []
    for k in range(300):
        m = np.unique(rng.integers(0, 200, rng.integers(2, 60)))
        fam = ["instrument", "device", "ip", "email", "burst"][k % 5]
        extra = {}
        if fam == "ip":
            extra = dict(first_s=np.zeros(len(m), np.int64), last_s=np.zeros(len(m), np.int64), network=f"AS{k % 7}")
        groups.append(Group(fam, f"g{k}", m, float(rarity_weight(len(m))), **extra))
    results = []
    for compact_at in (10**9, 50):
        lb = LinkBuilder(idx, max_clique=16, successors=3, compact_at=compact_at)
        for g in groups:
            lb.add(g)
        t = lb.build()
        results.append((t.a, t.b, t.scores))
    assert np.array_equal(results[0][0], results[1][0]) and np.array_equal(results[0][1], results[1][1])
    assert np.allclose(results[0][2], results[1][2], atol=1e-5)


def test_template_similarity_is_the_cosine_of_weighted_mixes():
    rng = np.random.default_rng(5)
    idx = AccountIndex()
    accounts = idx.add([f"t{i}" for i in range(12)])
    lb = LinkBuilder(idx)
    vectors = np.zeros((12, 6))
    for t in range(6):
        members = np.unique(rng.choice(accounts, size=rng.integers(2, 9), replace=False))
        volume = rng.integers(1, 500, len(members)).astype(float)
        w = float(rarity_weight(len(members)))
        vectors[members, t] = w * np.log1p(volume)
        lb.add(Group("template", f"tpl{t}", members, w, volume=volume))
    a, b = np.array([p[0] for p in itertools.combinations(range(12), 2)]), np.array([p[1] for p in itertools.combinations(range(12), 2)])
    got = lb.template_cosine(a, b)
    norms = np.linalg.norm(vectors, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        want = np.where(norms[a] * norms[b] > 0, (vectors[a] * vectors[b]).sum(1) / (norms[a] * norms[b]), 0.0)
    assert np.allclose(got, want, atol=1e-5)


def test_strong_links_add_up_and_clean_splits_separate_rings():
    # (was: "strong links need two families"; issue 11 replaced that veto by an
    # additive rule: family scores add up to the strong-link threshold, none required)
    idx = AccountIndex()
    ring1 = idx.add([f"r1_{i}" for i in range(12)])
    ring2 = idx.add([f"r2_{i}" for i in range(12)])
    loner = idx.add(["p1", "p2"])
    cgnat = idx.add(["m1", "m2", "m3"])
    lb = LinkBuilder(idx)
    for ring, tag in ((ring1, "a"), (ring2, "b")):
        lb.add(Group("instrument", f"card-{tag}", ring, 0.3))
        lb.add(Group("device", f"vm-{tag}", ring, 0.3))
    # a single cross link: the two rings touch but come apart
    lb.add(Group("instrument", "bridge-card", np.array([ring1[0], ring2[0]]), 0.6))
    lb.add(Group("email", "bridge-mail", np.array([ring1[0], ring2[0]]), 0.6))
    # two accounts alone on a card: a strong link, but two accounts are no group
    lb.add(Group("instrument", "family-card", loner, 0.63))
    # three phones on a carrier address: far below the threshold
    lb.add(Group("ip", "100.64.0.1", cgnat, 0.13, first_s=np.zeros(3, np.int64), last_s=np.zeros(3, np.int64), network="AS1"))
    pairs = lb.build()
    groups, links = candidate_groups(pairs, RingParams(min_size=3))
    assert sorted(sorted(idx.ids[i] for i in g) for g in groups) == [
        sorted(idx.ids[i] for i in ring1), sorted(idx.ids[i] for i in ring2)]
    linked = {frozenset((idx.ids[a], idx.ids[b])) for a, b in zip(links.a, links.b)}
    assert frozenset(("p1", "p2")) in linked
    assert not any(x.startswith("m") for pair in linked for x in pair)
    unsplit, _ = candidate_groups(pairs, RingParams(min_size=3, split="none"))
    assert len(unsplit) == 1 and len(unsplit[0]) == 24
    # the old two-family rule is still an option
    strict, _ = candidate_groups(pairs, RingParams(min_size=2, min_families=2))
    assert all("p1" not in {idx.ids[i] for i in g} for g in strict)


def test_behaviour_components_are_relative_to_the_graph():
    base = Baseline(per_day_p50=5.0, output_p50=800.0)
    script = {"exchanges": 4200, "exchanges_per_active_day": 300.0, "output_per_exchange": 2400.0,
              "quiet_ratio": 1.0, "coverage": 1.0, "steadiness": 0.9}
    parts = components(script, base, systematic_exchanges=4000)
    assert parts["volume"] == 1.0 and parts["output"] == 1.0
    assert parts["regularity"] == pytest.approx(0.9)
    assert parts["systematic"] == pytest.approx(4000 / 4200)
    assert operator_likeness(parts) > 0.9
    person = {"exchanges": 18, "exchanges_per_active_day": 3.0, "output_per_exchange": 700.0,
              "quiet_ratio": 0.0, "coverage": 0.6, "steadiness": 0.6}
    assert operator_likeness(components(person, base)) < 0.1
    # the same script in a graph ten times busier is ordinary
    busy = Baseline(per_day_p50=300.0, output_p50=2400.0)
    assert components(script, busy)["volume"] == 0.0


def ring(members):
    return DetectedRing(members=sorted(members), member_scores={}, score=0.9, behaviour=0.9, coordination=1.0, signals=[])


def test_ring_ids_are_kept_by_best_overlap_and_new_ones_hash_their_members():
    existing = [
        {"ring_id": "R-old1", "detected_members": ["a", "b", "c", "d"], "retired": False},
        {"ring_id": "R-old2", "detected_members": ["x", "y", "z"], "retired": False},
        {"ring_id": "R-gone", "detected_members": ["q", "r"], "retired": False},
        {"ring_id": "R-manual", "detected_members": [], "retired": False, "detected": False},
    ]
    new = [ring(["a", "b", "c", "e"]), ring(["x", "y", "k", "l", "m"]), ring(["n1", "n2", "n3"])]
    ids, unmatched = assign_ids(new, existing)
    assert ids[0] == "R-old1"  # J = 3/5
    assert ids[1] != "R-old2"  # J = 2/6 < 0.5: a new ring
    assert ids[1] == new[1].fingerprint() and ids[2] == new[2].fingerprint()
    assert sorted(unmatched) == ["R-gone", "R-old2"]  # R-manual was never detection's to retire
    # the same members always hash to the same id; one-to-one matching
    assert ring(["n3", "n1", "n2"]).fingerprint() == new[2].fingerprint()
    ids2, _ = assign_ids([ring(["a", "b", "c", "d"]), ring(["a", "b", "c", "d", "e"])], existing)
    assert ids2[0] == "R-old1" and ids2[1] != "R-old1"


def test_component_labels_match_networkx():
    rng = np.random.default_rng(9)
    n = 400
    a = rng.integers(0, n, 300)
    b = rng.integers(0, n, 300)
    # plus a long chain, the worst case for label propagation
    a = np.r_[a, np.arange(100, 199)]
    b = np.r_[b, np.arange(101, 200)]
    from ringscope.detection.rings import component_labels

    label = component_labels(n, a, b)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(a.tolist(), b.tolist()))
    for comp in nx.connected_components(g):
        comp = sorted(comp)
        assert set(label[comp].tolist()) == {comp[0]}


def test_vectorised_cliques_equal_one_group_at_a_time():
    rng = np.random.default_rng(11)
    idx = AccountIndex()
    idx.add([f"v{i}" for i in range(300)])
    groups = []
    for k in range(400):
        m = np.unique(rng.integers(0, 300, rng.integers(2, 40)))
        fam = ["instrument", "ip", "email", "template"][k % 4]
        extra = {}
        if fam == "ip":
            f = rng.integers(0, 10**6, len(m))
            extra = dict(first_s=f, last_s=f + rng.integers(0, 10**5, len(m)), network=f"AS{k % 5}")
        if fam == "template":
            extra = dict(volume=rng.integers(1, 100, len(m)).astype(float))
        groups.append(Group(fam, f"g{k}", m, float(rarity_weight(len(m))), **extra))
    one, many = LinkBuilder(idx, ip_window_s=5000), LinkBuilder(idx, ip_window_s=5000)
    for g in groups:
        one.add(g)
    many.add_all(groups)
    t1, t2 = one.build(), many.build()
    assert np.array_equal(t1.a, t2.a) and np.array_equal(t1.b, t2.b)
    assert np.allclose(t1.scores, t2.scores, atol=1e-6)


def test_a_shared_proxy_exit_alone_never_makes_a_strong_link():
    """Six template-only rings renting one proxy pool met on its exits within a day
    (1,359 address-only strong links across rings, more than inside them) and came
    back as one ring of 167 with 47 residents: an address confirms a link, it does
    not start one."""
    from ringscope.detection.links import PairTable
    from ringscope.detection.registry import FAMILIES, FAMILY_INDEX
    from ringscope.detection.rings import strong_mask

    scores = np.zeros((3, len(FAMILIES)), np.float32)
    scores[0, FAMILY_INDEX["ip"]] = 0.63  # two accounts alone on one exit within a day
    scores[1, FAMILY_INDEX["ip"]] = 0.3  # ... and a similar template mix
    scores[1, FAMILY_INDEX["template"]] = 0.3
    scores[2, FAMILY_INDEX["instrument"]] = 0.63  # two accounts alone on one card
    pairs = PairTable(np.array([0, 2, 4]), np.array([1, 3, 5]), scores)
    assert strong_mask(pairs, RingParams()).tolist() == [False, True, True]


def test_addresses_shared_on_three_networks_link_accounts_without_template_mixes():
    """Field report (matrix cell "standard without templates", F1 0.96 -> 0.77 once
    addresses only confirmed): careful rings with a card and a device per account
    and no templates to compare were tied by nothing else than the exits of three
    proxy networks their accounts rotate through within a day, and 2-3 rings of 6
    were lost each seed. Meeting on a third network is a shared route, not chance;
    when both accounts send templates their mixes decide (six template-only rings
    renting one pool must stay six)."""
    from ringscope.detection.rings import strong_mask

    def pairs(networks: int, templates: bool):
        idx = AccountIndex()
        a, b, c, d = idx.add(["a", "b", "c", "d"])
        lb = LinkBuilder(idx, ip_window_s=86_400)
        for k in range(networks):
            lb.add(Group("ip", f"10.{k}.0.1", np.array([a, b]), 0.4, first_s=np.array([0, 60]),
                         last_s=np.array([3600, 3600]), network=f"AS{k}"))
        if templates:  # a and b each send their own private template; c and d another
            lb.add(Group("template", "tpl-a", np.array([a, c]), 0.5, volume=np.array([40.0, 40.0])))
            lb.add(Group("template", "tpl-b", np.array([b, d]), 0.5, volume=np.array([40.0, 40.0])))
        t = lb.build()
        k = int(np.flatnonzero((t.a == min(a, b)) & (t.b == max(a, b)))[0])
        return t, k

    t, k = pairs(3, templates=False)
    assert t.networks[k] == 3 and t.mixed is None
    assert strong_mask(t, RingParams())[k]
    assert not strong_mask(t, RingParams(min_networks_alone=0))[k]  # the rule off: addresses only confirm
    t, k = pairs(2, templates=False)
    assert t.networks[k] == 2 and not strong_mask(t, RingParams())[k]  # two networks: still chance
    t, k = pairs(3, templates=True)
    assert t.mixed[k] and t.family("template")[k] == 0.0
    assert not strong_mask(t, RingParams())[k]  # the mixes were compared and disagree


def test_a_shared_e_mail_stem_alone_never_makes_a_strong_link():
    """Field report (incident world, 1M accounts): households of one surname met on
    numbered stems alone (harnold3@ and harnold7@gmail.com, link 0.43) and 44 groups
    of 5-17 household members came back as rings. A stem confirms a link; with a
    card, or with an exit shared within a day, it is strong."""
    from ringscope.detection.links import PairTable
    from ringscope.detection.registry import FAMILIES, FAMILY_INDEX
    from ringscope.detection.rings import strong_mask

    scores = np.zeros((3, len(FAMILIES)), np.float32)
    scores[0, FAMILY_INDEX["email"]] = 0.43  # two addresses on one stem of four
    scores[1, FAMILY_INDEX["email"]] = 0.43  # ... and one exit within a day
    scores[1, FAMILY_INDEX["ip"]] = 0.3
    scores[2, FAMILY_INDEX["email"]] = 0.2  # ... and a card
    scores[2, FAMILY_INDEX["instrument"]] = 0.3
    pairs = PairTable(np.array([0, 2, 4]), np.array([1, 3, 5]), scores)
    assert strong_mask(pairs, RingParams()).tolist() == [False, True, True]


def test_a_sign_up_burst_on_one_e_mail_domain_alone_never_makes_a_strong_link():
    """Field report (incident world, after the stem fix): the last 4 false rings were
    households joined by three or four strangers signing up on mail.ru, 163.com or
    gmx.de within the hour (a burst link of 0.43-0.5 alone). A burst on a shared card
    has that card agreeing and stays strong."""
    from ringscope.detection.links import PairTable
    from ringscope.detection.registry import FAMILIES, FAMILY_INDEX
    from ringscope.detection.rings import strong_mask

    scores = np.zeros((2, len(FAMILIES)), np.float32)
    scores[0, FAMILY_INDEX["burst"]] = 0.5  # three sign-ups on one webmail domain within the hour
    scores[1, FAMILY_INDEX["burst"]] = 0.3  # a batch of sign-ups on one card
    scores[1, FAMILY_INDEX["instrument"]] = 0.3
    pairs = PairTable(np.array([0, 2]), np.array([1, 3]), scores)
    assert strong_mask(pairs, RingParams()).tolist() == [False, True]


def test_a_faint_template_mix_does_not_start_a_link_that_a_burst_confirms():
    """Field report (replay world rw22, seed 22): on three days a household account
    joined a confirmed ring's case (ring_grew, then ring_weakened when it was dropped):
    strangers signing up on gmail.com within the hour (burst 0.43) plus a template mix
    of 0.11 from a few popular public templates made a strong link. A starting family
    counts from `start_floor` (0.2); a similar mix beside an exit still starts one."""
    from ringscope.detection.links import PairTable
    from ringscope.detection.registry import FAMILIES, FAMILY_INDEX
    from ringscope.detection.rings import strong_mask

    scores = np.zeros((4, len(FAMILIES)), np.float32)
    scores[0, FAMILY_INDEX["burst"]] = 0.431  # the field report's link
    scores[0, FAMILY_INDEX["template"]] = 0.108
    scores[1, FAMILY_INDEX["ip"]] = 0.2  # a shared exit and a similar mix
    scores[1, FAMILY_INDEX["template"]] = 0.2
    scores[2, FAMILY_INDEX["instrument"]] = 0.387  # a card of five, with a faint mix
    scores[2, FAMILY_INDEX["template"]] = 0.108
    scores[3, FAMILY_INDEX["burst"]] = 0.3  # two confirming families agree with each other
    scores[3, FAMILY_INDEX["ip"]] = 0.3
    pairs = PairTable(np.arange(0, 8, 2), np.arange(1, 8, 2), scores)
    assert strong_mask(pairs, RingParams()).tolist() == [False, True, True, True]
    assert strong_mask(pairs, RingParams(start_floor=0.0)).tolist() == [True, True, True, True]


def test_a_big_block_pairs_members_with_their_most_similar_mixes():
    """A dense block holding two rings (FRAUDAR keeps both: their union is as dense as
    each) proposes pairs inside each ring, not random pairs across them."""
    index = AccountIndex()
    ring_a = index.add([f"a{i}" for i in range(40)])
    ring_b = index.add([f"b{i}" for i in range(40)])
    groups = [Group("template", f"ta{k}", ring_a, 0.2, volume=np.full(40, 3.0), meta={"accounts": 40}) for k in range(6)]
    groups += [Group("template", f"tb{k}", ring_b, 0.2, volume=np.full(40, 3.0), meta={"accounts": 40}) for k in range(6)]
    groups.append(Group("block", "block-1", np.r_[ring_a, ring_b], 0.25, meta={"accounts": 80}))
    builder = LinkBuilder(index, max_clique=32, min_shared_templates=2, popular_above=200, template_cap=0.3)
    builder.add_all(groups)
    pairs = builder.build()
    lifted = pairs.family("template") > 0.3
    assert lifted.any()
    same_ring = (pairs.a[lifted] < 40) == (pairs.b[lifted] < 40)
    assert same_ring.all()
    # every member gets its 8 nearest mixes (random pairs would give each about 4
    # partners of its own ring and 4 of the other)
    partners = np.bincount(np.r_[pairs.a[lifted], pairs.b[lifted]], minlength=80)
    assert partners.min() >= 8


def _parts_of_private_sets(rng, rings, *, set_size: int, share: float, min_senders: int = 0) -> list[Group]:
    """Template groups of rings each sending parts of its own private set: every member
    sends each of its ring's `set_size` templates with probability `share`, three
    exchanges each; templates with fewer than `min_senders` senders are left out."""
    groups = []
    for ring, name in zip(rings, ("ta", "tb", "tc", "td")):
        parts = rng.random((len(ring), set_size)) < share
        for k in range(set_size):
            who = ring[parts[:, k]]
            if len(who) >= min_senders:
                groups.append(Group("template", f"{name}{k}", who, 0.2, volume=np.full(len(who), 3.0),
                                    meta={"accounts": len(who)}))
    return groups


def _strong_links(index: AccountIndex, groups: list[Group]):
    """The pair table of these groups as `detect` builds it, and its strong-link mask."""
    from ringscope.detection.rings import strong_mask

    builder = LinkBuilder(index, max_clique=32, min_shared_templates=2, popular_above=200, template_cap=0.3)
    builder.add_all(groups)
    pairs = builder.build()
    return pairs, strong_mask(pairs, RingParams())


def test_a_ring_sending_parts_of_one_private_set_is_linked_inside_its_block():
    """Held-out world, seed 1: a template-and-proxy ring of 65 accounts, each sending a
    different part of one private template set, sat in a pure dense block with two
    other rings; its members' mixes met at cosine 0.35-0.40, under the 0.4 of a strong
    link, and it came back as pieces of 8 and 4 (the 4 with a family: a false ring).
    Inside a block a pair is strong from `block_link`; the same mixes outside a block
    are not, and two rings sharing the block still do not link."""
    rng = np.random.default_rng(7)
    index = AccountIndex()
    ring_a = index.add([f"a{i}" for i in range(40)])
    ring_b = index.add([f"b{i}" for i in range(40)])
    # each member sends about a third of its ring's set
    groups = _parts_of_private_sets(rng, (ring_a, ring_b), set_size=16, share=0.35)
    outside = [Group(g.family, g.identifier, g.members, g.weight, volume=g.volume, meta=g.meta) for g in groups]
    groups.append(Group("block", "block-1", np.r_[ring_a, ring_b], 0.25, meta={"accounts": 80}))

    pairs, mask = _strong_links(index, groups)
    assert pairs.in_block is not None
    inside = mask & pairs.in_block
    same_ring = (pairs.a < 40) == (pairs.b < 40)
    assert same_ring[inside].all()
    below = inside & (pairs.total < RingParams().strong_link)
    assert below.sum() >= 40  # links the 0.4 bar alone would have missed
    lone, lone_mask = _strong_links(index, outside)
    assert lone.in_block is None
    assert not (lone_mask & (lone.total < RingParams().strong_link)).any()


def _two_rings_and_a_bridge(order: list[str]) -> tuple[AccountIndex, list[list[str]]]:
    """Two 20-account rings (a clique each, cards in pairs) touching through one weak
    link, with accounts indexed in `order`: the split must not depend on it."""
    from ringscope.detection.rings import StrongLinks, split_clean
    idx = AccountIndex()
    idx.add(order)
    pairs = []
    for tag in ("a", "b"):
        names = [f"{tag}{i:02d}" for i in range(20)]
        pairs += [(x, y, 1.0 + 0.01 * ((i * 7 + j) % 5)) for i, x in enumerate(names) for j, y in enumerate(names) if i < j]
    pairs.append(("a00", "b00", 0.8))
    links = StrongLinks(np.array([idx.get(x) for x, _, _ in pairs]), np.array([idx.get(y) for _, y, _ in pairs]),
                        np.array([w for _, _, w in pairs]))
    members = np.sort(np.array([idx.get(x) for x in order]))
    parts = split_clean(members, links, RingParams(min_size=3), idx.rank())
    return idx, sorted(sorted(idx.ids[i] for i in p) for p in parts)


def test_clean_split_does_not_depend_on_the_order_accounts_were_read():
    names = [f"{t}{i:02d}" for t in "ab" for i in range(20)]
    _, first = _two_rings_and_a_bridge(names)
    _, second = _two_rings_and_a_bridge(names[::-1])
    assert first == second == [names[:20], names[20:]]


def test_a_homogeneous_ring_is_not_split():
    from ringscope.detection.rings import StrongLinks, split_clean
    idx = AccountIndex()
    ring = idx.add([f"r{i:02d}" for i in range(40)])
    a, b = np.array(list(itertools.combinations(ring.tolist(), 2))).T
    links = StrongLinks(a, b, np.ones(len(a)))
    assert [p.tolist() for p in split_clean(np.sort(ring), links, RingParams(min_size=3), idx.rank())] == [sorted(ring.tolist())]


def test_thin_slices_of_a_private_set_link_inside_it_and_not_outside():
    """template_thin: each member sends 15 % of its ring's private set, so two members'
    mixes meet at a cosine of 0.1-0.25, under `block_link`. Inside a private set
    (family ``private``) they link from `private_link`; the same mixes without the set
    do not, and two rings' sets never link each other's members."""
    rng = np.random.default_rng(13)
    index = AccountIndex()
    ring_a = index.add([f"a{i}" for i in range(25)])
    ring_b = index.add([f"b{i}" for i in range(25)])
    groups = _parts_of_private_sets(rng, (ring_a, ring_b), set_size=40, share=0.15, min_senders=2)
    outside = list(groups)
    groups.append(Group("private", "private-set-1", ring_a, 0.25, meta={"accounts": 25}))
    groups.append(Group("private", "private-set-2", ring_b, 0.25, meta={"accounts": 25}))

    pairs, mask = _strong_links(index, groups)
    assert pairs.in_private is not None and pairs.in_block is None
    thin = mask & pairs.in_private & (pairs.family("template") < RingParams().block_link)
    assert thin.sum() >= 50  # links neither the 0.4 bar nor a block's 0.25 would make
    same_ring = (pairs.a < 25) == (pairs.b < 25)
    assert same_ring[mask].all()
    lone, lone_mask = _strong_links(index, outside)
    assert lone.in_private is None and not lone_mask.any()
