"""Group accounts over strong links, judge each group on its evidence, explain it.

A link is *strong* when the families' scores add up to at least `strong_link`
(0.4): every family counts, none is required. Groups are the connected components
of strong links; a component is then split with Louvain communities only where the
split is clean (the weight between two communities is at most `max_conductance` of
the smaller one's), so two rings joined by a handful of cross links come apart while
a dense ring, which Louvain would happily cut into arbitrary halves, stays whole.

A group becomes a ring on *evidence*, not on a veto (see `evidence`): structure
beyond what a household, team or class explains, and script-like behaviour, each
add up; households, teams and classes share one card, one office, one campus
network and a few templates, and that scores nothing.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .behaviour import COMPONENTS
from .groups import component_labels, louvain_membership, merge_entangled, owner_of
from .links import FAMILIES, FAMILY_INDEX, AccountIndex, Group, PairTable
from .evidence import BEHAVIOUR_ZERO, MIN_MEMBER_TIE, THRESHOLD, Evidence, assess, merge_networks, redundancy, trim
from .registry import CONFIRMING_FAMILIES, SIGNAL_NAMES

AUTOMATION_SIGNAL = "automation_signature"


@dataclass
class RingParams:
    #: a link is strong when its family scores add up to this: two accounts alone on
    #: a card (0.63), or on one address of a rare pool within a day, or a partial
    #: card plus a similar template mix; a CGNAT egress (<= 0.13) or a template mix
    #: alone below 0.4 cosine never is
    strong_link: float = 0.4
    #: a pair inside one pure dense block is strong from this template-mix cosine: the
    #: block (FRAUDAR peeling, `blocks`) is already the evidence that its accounts
    #: share a private column set beyond chance; the pair's mix only has to say which
    #: part of the block it belongs to (one block can hold several rings, whose
    #: private sets do not overlap). Members of one ring that each send a different
    #: part of its set meet at a cosine of about the share they send (0.3-0.5), under
    #: `strong_link`, and the ring came apart into pieces too small to judge
    block_link: float = 0.25
    #: a pair inside one private template set (a pure Louvain community of a block
    #: found over templates alone, `blocks.private_sets`) is strong from this mix
    #: cosine: members each sending a thin slice (8-20 %) of the set meet at about the
    #: slice, and the set's purity is the evidence that the slices are one set. At
    #: 0.15 *inside a mixed block* (templates and addresses: a proxy pool's residents,
    #: a class, power users) a household and four power users became a false ring;
    #: a pure set's templates are sent mostly by its own accounts, which kept them
    #: out there (the purity is over templates: an account sending two of them is a
    #: member whatever else it sends, as one power user on template_only seed 3)
    private_link: float = 0.1
    #: shared addresses alone make a strong link when the two accounts met on exits of
    #: this many distinct networks within the window and the template family cannot
    #: judge them (one of them sends no templates). Two residents of one proxy pool meet
    #: on one network by chance; meeting again on a second and a third network, each
    #: within a day, is a route the two share: an operator rotating its accounts through
    #: the same pools. When both send templates, their mixes decide instead (a pool that
    #: separate rings rent together must not merge them). 0: never
    min_networks_alone: int = 3
    #: families that must each score >= family_floor on a strong link (1: any)
    min_families: int = 1
    family_floor: float = 0.1
    #: a family that starts a link (not `confirms_only`) counts as agreeing from this
    #: score: a faint template-mix overlap (two people sending a few popular public
    #: templates, cosine ~0.1) starts nothing, and with a confirming family (strangers
    #: signing up on one webmail domain within the hour) it pulled households into a
    #: ring's group on the replay world rw22
    start_floor: float = 0.2
    min_size: int = 3
    #: S + B a group needs to be a ring (see `evidence`)
    threshold: float = THRESHOLD
    #: an account counts as script-like (reported, never required) from this likeness
    min_behaviour: float = 0.5
    #: a group mostly declaring one org with at most this many script-like accounts is
    #: read as that org's own automation (a company's pipeline and eval accounts)
    org_automation_max: int = 3
    #: identifiers' worth tying a member to the rest of its group (see evidence.MIN_MEMBER_TIE)
    min_member_tie: float = MIN_MEMBER_TIE
    split: str = "louvain"  # "louvain" or "none"
    max_conductance: float = 0.05
    split_weight_power: float = 2.0
    seed: int = 7
    evidence_top: int = 8


@dataclass
class DetectedRing:
    members: list[str]
    member_scores: dict[str, float]
    score: float
    behaviour: float
    coordination: float
    signals: list[str]
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.members)

    def fingerprint(self) -> str:
        """A stable id for a brand-new ring: a hash of its sorted members."""
        h = hashlib.sha1("\n".join(sorted(self.members)).encode("utf-8")).hexdigest()
        return f"R-{h[:10]}"


def strong_mask(pairs: PairTable, params: RingParams) -> np.ndarray:
    """Links whose family scores add up to `strong_link`, from at least
    `min_families` families, and not from one confirming family alone
    (registry ``confirms_only``: shared addresses, shared e-mail stems), or pairs
    inside one pure dense block whose template mixes reach `block_link`, or inside one
    private template set whose mixes reach `private_link`. Two
    accounts on one exit of a busy proxy pool within a day is what separate rings
    renting the same pool (and residents living on its exits) meet on by chance, and
    two people of one surname on a numbered stem what households meet on; they
    confirm a link that a card, device or template mix (or each other) starts; a
    starting family agrees from `start_floor` (a faint mix starts nothing), so
    starters that are all faint make no strong link either. One exception: addresses
    shared on `min_networks_alone` distinct networks, for a pair the template family
    cannot judge (see RingParams), make a link alone."""
    confirming = [FAMILY_INDEX[f] for f in CONFIRMING_FAMILIES if f in FAMILY_INDEX]
    floor = np.full(pairs.scores.shape[1], max(params.family_floor, params.start_floor))
    floor[confirming] = params.family_floor
    agreeing = pairs.scores >= floor
    count = agreeing.sum(axis=1)
    alone = (count == 1) & agreeing[:, confirming].any(axis=1) if confirming else np.zeros(len(count), bool)
    if params.min_networks_alone and pairs.networks is not None and "ip" in FAMILY_INDEX:
        unjudged = ~pairs.mixed if pairs.mixed is not None else np.ones(len(count), bool)
        alone &= ~((pairs.networks >= params.min_networks_alone)
                   & (pairs.family("ip") >= params.family_floor) & unjudged)
    strong = (pairs.total >= params.strong_link) & (count >= params.min_families) & ~alone
    if pairs.in_block is not None:
        strong |= pairs.in_block & (pairs.family("template") >= params.block_link)
    if pairs.in_private is not None:
        strong |= pairs.in_private & (pairs.family("template") >= params.private_link)
    return strong


@dataclass
class StrongLinks:
    """The strong links: parallel arrays of account indices and total link weight."""

    a: np.ndarray
    b: np.ndarray
    w: np.ndarray

    @classmethod
    def of(cls, pairs: PairTable, params: RingParams) -> "StrongLinks":
        mask = strong_mask(pairs, params)
        return cls(pairs.a[mask], pairs.b[mask], pairs.total[mask].astype(float))


def components(n: int, links: StrongLinks, params: RingParams, rank: np.ndarray | None = None) -> list[np.ndarray]:
    """Connected components of strong links with at least `min_size` accounts, in a
    deterministic order (by the smallest hash rank in each)."""
    label = component_labels(n, links.a, links.b)
    linked = np.unique(np.concatenate([links.a, links.b])) if len(links.a) else np.empty(0, np.int64)
    if len(linked) == 0:
        return []
    labs = label[linked]
    order = np.argsort(labs, kind="stable")
    labs, linked = labs[order], linked[order]
    starts = np.flatnonzero(np.r_[True, labs[1:] != labs[:-1]])
    ends = np.r_[starts[1:], len(labs)]
    groups = [np.sort(linked[s:e]) for s, e in zip(starts, ends) if e - s >= params.min_size]
    key = (lambda g: int(rank[g].min())) if rank is not None else (lambda g: int(g.min()))
    return sorted(groups, key=key)


def split_clean(members: np.ndarray, links: StrongLinks, params: RingParams, rank: np.ndarray | None = None) -> list[np.ndarray]:
    """Louvain communities of one component, kept apart only where the cut between
    them is clean (at most `max_conductance` of the smaller side's link weight
    crosses it); communities joined by more are merged back.

    Both use the *squared* link weight: a cut through weak bridges (two rings of one
    operator touching through a shared proxy seller and part of a prompt set, total
    ~0.4) is far cleaner than a cut through a ring's own links (~1 and more), while
    spurious cuts inside a homogeneous ring are no cleaner than before."""
    inside = np.isin(links.a, members) & np.isin(links.b, members)
    a, b, w = links.a[inside], links.b[inside], links.w[inside] ** params.split_weight_power
    if not len(a):
        return [members]
    nodes = np.unique(np.concatenate([a, b]))
    local = np.arange(len(nodes))
    if rank is not None:
        # node ids and edge order decide Louvain's visiting order: make them depend on
        # the accounts (their hash rank), not on the order the queries returned them
        by_rank = np.argsort(rank[nodes], kind="stable")
        local[by_rank] = np.arange(len(nodes))
        ra, rb = rank[a], rank[b]
        order = np.lexsort((np.maximum(ra, rb), np.minimum(ra, rb)))
        a, b, w = a[order], b[order], w[order]
    la = local[np.searchsorted(nodes, a)]
    lb = local[np.searchsorted(nodes, b)]
    nodes = nodes[np.argsort(local)]  # nodes[local id] = account index
    membership = louvain_membership(len(nodes), la, lb, w, params.seed)
    k = int(membership.max()) + 1
    if k <= 1:
        return [members]
    # Louvain happily cuts a homogeneous ring in halves: merge communities back
    # until every remaining pair is cleanly separated
    membership, alive = merge_entangled(membership, membership[la], membership[lb], w, params.max_conductance)
    if len(alive) == 1:
        return [members]
    parts = [np.sort(nodes[membership == i]) for i in alive]
    return [p for p in parts if len(p) >= params.min_size]


def candidate_groups(
    pairs: PairTable, params: RingParams, rank: np.ndarray | None = None, n_accounts: int | None = None,
    shared: Sequence[Group] | None = None,
) -> tuple[list[np.ndarray], StrongLinks]:
    """The grouping `detect` runs: components of strong links with at least
    `min_size` accounts, each component of at least twice that size split where
    Louvain finds clean cuts (`split_clean`), then, given the signal groups
    (`shared`), groups sharing identifiers as wholes joined (`evidence.merge_networks`:
    one network, one ring) and members tied to their group by less than
    `min_member_tie` peeled off (`evidence.trim`). Returns the groups (account indices) and the strong links
    they were built from."""
    links = StrongLinks.of(pairs, params)
    n = n_accounts or (int(max(links.a.max(), links.b.max())) + 1 if len(links.a) else 0)
    groups = []
    comps = components(n, links, params, rank)
    # a part never has more structure than its component (fewer identifiers, none more
    # concentrated) and at most 1 of behaviour: a component that cannot reach the
    # threshold that way holds no ring, and Louvain is spared on it
    hopeless = set()
    if shared is not None:
        for k, fam in enumerate(redundancy(comps, shared, n)):
            if sum(d["evidence"] for d in fam.values()) + 1.0 < params.threshold:
                hopeless.add(k)
    # each component's own links, sliced once (a strong link never leaves its
    # component): testing every link against every component was quadratic
    comp_of = np.full(n, -1, dtype=np.int64)
    for k, comp in enumerate(comps):
        comp_of[comp] = k
    link_comp = comp_of[links.a] if len(links.a) else np.empty(0, np.int64)
    order = np.argsort(link_comp, kind="stable")
    bounds = np.searchsorted(link_comp[order], np.arange(len(comps) + 1))
    for k, comp in enumerate(comps):
        if params.split == "louvain" and len(comp) >= 2 * params.min_size and k not in hopeless:
            own = order[bounds[k]:bounds[k + 1]]
            groups.extend(split_clean(comp, StrongLinks(links.a[own], links.b[own], links.w[own]), params, rank))
        else:
            groups.append(comp)
    if shared is not None:
        groups = merge_networks(groups, shared, n, min_tie=params.min_member_tie)
        groups = trim(groups, shared, n, min_tie=params.min_member_tie, min_size=params.min_size)
    return groups, links


@dataclass
class Judged:
    """A candidate group and its evidence; `evidence.is_ring` says whether it is a ring."""

    members: np.ndarray
    evidence: Evidence
    coordination: float  # mean over members of their strongest tie (scaled to [0, 1])
    member_scores: dict[int, float]
    org_context: dict[str, Any] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)  # account ids of `members`, same order
    #: accounts the ring's own identifiers brought in after judging (`attach`):
    #: account index -> {family, identifier, inside, accounts}
    attached: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def behaviour(self) -> float:
        return self.evidence.behaviour or 0.0

    @property
    def strength(self) -> float:
        """The evidence as a share of twice the threshold, capped at 1."""
        return float(min(1.0, self.evidence.total / (2.0 * self.evidence.threshold)))


def judge(
    candidates: Sequence[np.ndarray],
    links: StrongLinks,
    index: AccountIndex,
    behaviour: dict[str, tuple[float, dict[str, float]]],
    params: RingParams,
    groups: Sequence[Group] = (),
    *,
    org_of: dict[str, str] | None = None,
    org_accounts: dict[str, Sequence[str]] | None = None,
    org_index: np.ndarray | None = None,
    mark_hits: Sequence[Sequence[str]] | None = None,
) -> list[Judged]:
    """Every candidate group with its evidence (`evidence.assess`); the rings are those
    with ``evidence.is_ring``.

    Structure comes from the groups (shared identifiers) its members share; behaviour
    is the median operator-likeness of its *active* members (dormant accounts have no
    behaviour to judge); `mark_hits` (per candidate, `verdicts.Verdicts.bad_hits`) are
    the investigators' known-bad marks it reaches. When at least half of its members
    declare one org, that org's other accounts are judged with it: a company's service
    accounts are part of a company of ordinary people, while an operator's front org
    holds only the ring.
    """
    org_of = org_of or {}
    org_accounts = org_accounts or {}
    plain = redundancy(candidates, groups, len(index))
    by_org = redundancy(candidates, groups, len(index), org_index) if org_index is not None else plain
    best_tie = strongest_ties(candidates, links, len(index))
    hits = list(mark_hits) if mark_hits is not None else [()] * len(candidates)
    out = []
    for members, families, org_families, marked in zip(candidates, plain, by_org, hits):
        ids = [index.ids[i] for i in members]
        judged = set(ids)
        context: dict[str, Any] = {}
        declared = Counter(org_of[x] for x in ids if org_of.get(x))
        for org, k in declared.items():
            if k >= 0.5 * len(ids) and org in org_accounts:
                mates = set(org_accounts[org])
                judged |= mates
                context[org] = {"declared_in_group": k, "org_accounts": len(mates), "judged_with_group": len(mates - set(ids))}
        active = [behaviour[x][0] for x in judged if x in behaviour]
        notes = [] if active else ["no exchanges: behaviour could not be judged, structure only"]
        typical = float(np.median(active)) if active else None
        scripted = sum(1 for x in ids if x in behaviour and behaviour[x][0] >= params.min_behaviour)
        if context and typical is not None and scripted <= params.org_automation_max:
            # a handful of script-like accounts of one declared org is that org's own
            # automation (pipeline, eval, support-bot accounts): their behaviour is the
            # org's, not evidence of a network; a front org of dozens stays judged
            notes.append(f"{scripted} script-like accounts of a declared org: read as the org's automation, behaviour not counted")
            typical = min(typical, BEHAVIOUR_ZERO)
        if typical is None or typical < params.min_behaviour:
            # a declared org explains what its own accounts share among themselves,
            # as long as it behaves like an org of people: an org whose typical
            # account is a script (a front made of the ring) explains nothing
            if org_families != families:
                notes.append("identifiers shared only among one declared org's accounts are the org's own: not counted")
            families = org_families
        ev = assess(families, typical, params.threshold, notes, marked=marked)
        ties = {i: float(best_tie[i]) for i in members.tolist()}
        coordination = float(np.mean(list(ties.values()))) if ties else 0.0
        strength = min(1.0, ev.total / (2.0 * params.threshold))
        member_scores = {i: round(float(np.sqrt(strength * ties[i])), 4) for i in members.tolist()}
        out.append(Judged(members, ev, coordination, member_scores, context, ids))
    return out


def strongest_ties(candidates: Sequence[np.ndarray], links: StrongLinks, n_accounts: int) -> np.ndarray:
    """Per account index: its strongest link to another member of its own candidate
    group, scaled so 1.5 (three families at half strength) counts as fully tied (0
    outside candidates). One pass over the links for every group at once."""
    owner = owner_of(candidates, n_accounts)
    best = np.zeros(n_accounts)
    if len(links.a):
        same = (owner[links.a] >= 0) & (owner[links.a] == owner[links.b])
        np.maximum.at(best, links.a[same], links.w[same])
        np.maximum.at(best, links.b[same], links.w[same])
    return np.minimum(1.0, best / 1.5)


def explain(
    rings: Sequence[Judged],
    groups: Sequence[Group],
    index: AccountIndex,
    behaviour: dict[str, tuple[float, dict[str, float]]],
    profiles: dict[str, dict[str, Any]],
    pairs: PairTable,
    params: RingParams,
) -> list[DetectedRing]:
    """Turn judged groups into `DetectedRing`s with per-signal evidence."""
    ring_of = owner_of([j.members for j in rings], len(index))
    shared: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for g in groups:
        owners = ring_of[g.members]
        inside = owners >= 0
        if inside.sum() < 2:
            continue
        for r, count in zip(*np.unique(owners[inside], return_counts=True)):
            if count < 2:
                continue
            mask = owners == r
            item: dict[str, Any] = {"id": g.identifier, "members": int(count), "accounts": g.size}
            if g.first_s is not None and g.last_s is not None:
                item["first"] = _iso_s(int(g.first_s[mask].min()))
                item["last"] = _iso_s(int(g.last_s[mask].max()))
            for k in ("kind", "network", "via", "span_minutes", "exchanges", "plus_tagged", "counted", "first", "last"):
                v = g.meta.get(k)
                if v not in (None, "") and k not in item:
                    item[k] = v
            if g.volume is not None:
                item["exchanges_by_members"] = int(np.asarray(g.volume)[mask].sum())
            shared[int(r)][g.family].append(item)

    # how many of a ring's internal strong links each family supports
    mask = strong_mask(pairs, params)
    ra, rb = ring_of[pairs.a[mask]], ring_of[pairs.b[mask]]
    same = (ra >= 0) & (ra == rb)
    ring_pairs = np.zeros((len(rings), len(FAMILIES)), dtype=np.int64)
    np.add.at(ring_pairs, ra[same], (pairs.scores[mask][same] >= params.family_floor).astype(np.int64))
    ring_links = np.bincount(ra[same], minlength=len(rings))

    out: list[DetectedRing] = []
    for r, judged in enumerate(rings):
        members, typical, coordination = judged.members, judged.behaviour, judged.coordination
        ev = judged.evidence
        ids = [index.ids[i] for i in members]
        evidence_signals: dict[str, Any] = {}
        signals: list[str] = []
        for fam in FAMILIES:
            items = shared[r].get(fam, [])
            if not items:
                continue
            items.sort(key=lambda x: (-x["members"], x["id"]))
            evidence_signals[SIGNAL_NAMES[fam]] = {
                "identifiers": len(items),
                "links_supported": int(ring_pairs[r][FAMILY_INDEX[fam]]),
                "top": items[: params.evidence_top],
            }
            signals.append(SIGNAL_NAMES[fam])
        parts = [behaviour[x][1] for x in ids if x in behaviour]
        medians = {c: round(float(np.median([p.get(c, 0.0) for p in parts])), 3) if parts else 0.0 for c in COMPONENTS}
        if ev.behaviour is not None:
            signals.append(AUTOMATION_SIGNAL)
        orgs = Counter(profiles.get(x, {}).get("org_id") for x in ids)
        orgs.pop(None, None)
        orgs.pop("", None)
        created = [profiles.get(x, {}).get("created_s") for x in ids]
        created = [c for c in created if c is not None]
        exchanges = sum(int(profiles.get(x, {}).get("exchanges") or 0) for x in ids)
        score = round(float(np.sqrt(judged.strength * coordination)), 4)
        evidence = {
            "summary": {
                "members": len(ids),
                "strong_links": int(ring_links[r]),
                "behaviour": round(typical, 3),
                "coordination": round(coordination, 3),
                "evidence_kinds": ev.kinds,
                "exchanges": exchanges,
                "created_first": _iso_s(min(created)) if created else None,
                "created_last": _iso_s(max(created)) if created else None,
                "declared_orgs": dict(orgs.most_common(5)),
                "members_with_declared_org": int(sum(orgs.values())),
                "org_context": judged.org_context,
            },
            "decision": ev.as_dict(),
            "behaviour": {
                "active_members": len(parts),
                "median_operator_likeness": round(typical, 3),
                "median_components": medians,
            },
            "signals": evidence_signals,
        }
        if judged.attached:
            evidence["summary"]["attached_members"] = len(judged.attached)
            evidence["attached"] = {index.ids[a]: why for a, why in sorted(judged.attached.items())}
        out.append(
            DetectedRing(
                members=sorted(ids),
                member_scores={index.ids[i]: s for i, s in judged.member_scores.items()},
                score=score,
                behaviour=round(typical, 4),
                coordination=round(coordination, 4),
                signals=signals,
                evidence=evidence,
            )
        )
    out.sort(key=lambda x: (-x.score, x.members[0] if x.members else ""))
    return out


def evidence_json(ring: DetectedRing) -> str:
    return json.dumps(ring.evidence, sort_keys=True, default=str)


def _iso_s(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    import datetime as _dt

    return _dt.datetime.fromtimestamp(int(seconds), tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
