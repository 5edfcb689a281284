"""Group accounts over strong links, judge each group, and explain it.

A link is *strong* when several independent signal families agree on it (by default
at least two families each scoring 0.1 or more, and 0.6 in total): a shared card
alone, a shared CGNAT address alone or a template mix alone never ties two accounts
together. Groups are the connected components of strong links; a component is then
split with Louvain communities only where the split is clean (a community whose
conductance, the share of its link weight leaving it, is at most `max_conductance`),
so two rings joined by a handful of cross links come apart while a dense ring, which
Louvain would happily cut into arbitrary halves, stays whole.

A group becomes a ring when its *typical* member behaves like a script: the median
`operator_likeness` (see `behaviour`) is at least `min_behaviour`. Households, teams
and classes share cards, offices, templates and sign-up days exactly like operators
do; what they do not do is send high volumes of long, systematic, round-the-clock
traffic. An org declared on the accounts is reported as context in the evidence and
never clears a ring.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

import networkx as nx
import numpy as np

from .behaviour import COMPONENTS
from .links import FAMILIES, FAMILY_INDEX, AccountIndex, Group, PairTable

#: Ring.signals names: the stored query behind each family.
SIGNAL_NAMES = {
    "instrument": "instrument_fanout",
    "device": "device_fanout",
    "ip": "ip_cooccurrence",
    "email": "email_pattern_clusters",
    "burst": "signup_bursts",
    "template": "template_co_usage",
}
AUTOMATION_SIGNAL = "automation_signature"


@dataclass
class RingParams:
    strong_link: float = 0.6
    min_families: int = 2
    family_floor: float = 0.1
    min_size: int = 3
    min_behaviour: float = 0.5
    split: str = "louvain"  # "louvain" or "none"
    max_conductance: float = 0.2
    seed: int = 7
    evidence_top: int = 8


@dataclass
class Candidate:
    members: np.ndarray  # account indices


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
    agreeing = (pairs.scores >= params.family_floor).sum(axis=1)
    return (pairs.total >= params.strong_link) & (agreeing >= params.min_families)


def candidate_groups(pairs: PairTable, params: RingParams) -> tuple[list[np.ndarray], nx.Graph]:
    """Connected components of strong links, split where Louvain finds clean cuts."""
    mask = strong_mask(pairs, params)
    g = nx.Graph()
    a, b, w = pairs.a[mask], pairs.b[mask], pairs.total[mask]
    g.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.astype(float).tolist()))
    groups: list[np.ndarray] = []
    for comp in nx.connected_components(g):
        if len(comp) < params.min_size:
            continue
        if params.split == "louvain" and len(comp) >= 2 * params.min_size:
            groups.extend(_clean_split(g.subgraph(comp), params))
        else:
            groups.append(np.array(sorted(comp), dtype=np.int64))
    return [x for x in groups if len(x) >= params.min_size], g


def _clean_split(sub: nx.Graph, params: RingParams) -> list[np.ndarray]:
    communities = nx.community.louvain_communities(sub, weight="weight", seed=params.seed, resolution=1.0)
    if len(communities) <= 1:
        return [np.array(sorted(sub.nodes), dtype=np.int64)]
    total_vol = sum(d for _, d in sub.degree(weight="weight"))
    keep: list[np.ndarray] = []
    rest: set[int] = set()
    for com in communities:
        vol = sum(d for _, d in sub.degree(com, weight="weight"))
        cut = nx.cut_size(sub, com, weight="weight")
        denom = min(vol, total_vol - vol)
        phi = cut / denom if denom > 0 else 0.0
        if phi <= params.max_conductance and len(com) >= params.min_size:
            keep.append(np.array(sorted(com), dtype=np.int64))
        else:
            rest |= com
    if not keep:
        return [np.array(sorted(sub.nodes), dtype=np.int64)]
    if rest:
        for comp in nx.connected_components(sub.subgraph(rest)):
            keep.append(np.array(sorted(comp), dtype=np.int64))
    return keep


def judge(
    candidates: Sequence[np.ndarray],
    graph: nx.Graph,
    index: AccountIndex,
    behaviour: dict[str, tuple[float, dict[str, float]]],
    params: RingParams,
) -> list[tuple[np.ndarray, float, float, dict[int, float]]]:
    """(members, behaviour, coordination, member scores) for each group that is a ring."""
    out = []
    for members in candidates:
        ids = [index.ids[i] for i in members]
        likeness = np.array([behaviour.get(x, (0.0, {}))[0] for x in ids])
        typical = float(np.median(likeness)) if len(likeness) else 0.0
        if typical < params.min_behaviour:
            continue
        member_set = set(members.tolist())
        ties = {}
        for i in members.tolist():
            best = max((d.get("weight", 0.0) for n, d in graph[i].items() if n in member_set), default=0.0)
            ties[i] = min(1.0, best / 1.5)
        coordination = float(np.mean(list(ties.values()))) if ties else 0.0
        member_scores = {
            i: round(float(np.sqrt(max(0.0, l) * ties[i])), 4) for i, l in zip(members.tolist(), likeness.tolist())
        }
        out.append((members, typical, coordination, member_scores))
    return out


def explain(
    rings: Sequence[tuple[np.ndarray, float, float, dict[int, float]]],
    groups: Sequence[Group],
    index: AccountIndex,
    behaviour: dict[str, tuple[float, dict[str, float]]],
    profiles: dict[str, dict[str, Any]],
    pairs: PairTable,
    params: RingParams,
) -> list[DetectedRing]:
    """Turn judged groups into `DetectedRing`s with per-signal evidence."""
    ring_of = np.full(len(index), -1, dtype=np.int64)
    for r, (members, *_rest) in enumerate(rings):
        ring_of[members] = r
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
    ring_pairs = defaultdict(lambda: np.zeros(len(FAMILIES)))
    ring_links = Counter()
    mask = strong_mask(pairs, params)
    ra, rb = ring_of[pairs.a[mask]], ring_of[pairs.b[mask]]
    same = (ra >= 0) & (ra == rb)
    fam_hits = pairs.scores[mask][same] >= params.family_floor
    for r, hits in zip(ra[same].tolist(), fam_hits):
        ring_pairs[r] += hits
        ring_links[r] += 1

    out: list[DetectedRing] = []
    for r, (members, typical, coordination, member_scores) in enumerate(rings):
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
        parts = [behaviour.get(x, (0.0, {c: 0.0 for c in COMPONENTS}))[1] for x in ids]
        medians = {c: round(float(np.median([p.get(c, 0.0) for p in parts])), 3) for c in COMPONENTS}
        signals.append(AUTOMATION_SIGNAL)
        orgs = Counter(profiles.get(x, {}).get("org_id") for x in ids)
        orgs.pop(None, None)
        orgs.pop("", None)
        created = [profiles.get(x, {}).get("created_s") for x in ids]
        created = [c for c in created if c is not None]
        exchanges = sum(int(profiles.get(x, {}).get("exchanges") or 0) for x in ids)
        score = round(float(np.sqrt(typical * coordination)), 4)
        evidence = {
            "summary": {
                "members": len(ids),
                "strong_links": int(ring_links[r]),
                "behaviour": round(typical, 3),
                "coordination": round(coordination, 3),
                "exchanges": exchanges,
                "created_first": _iso_s(min(created)) if created else None,
                "created_last": _iso_s(max(created)) if created else None,
                "declared_orgs": dict(orgs.most_common(5)),
                "members_with_declared_org": int(sum(orgs.values())),
            },
            "behaviour": {
                "median_operator_likeness": round(typical, 3),
                "median_components": medians,
            },
            "signals": evidence_signals,
        }
        out.append(
            DetectedRing(
                members=sorted(ids),
                member_scores={index.ids[i]: s for i, s in member_scores.items()},
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
