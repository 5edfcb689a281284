"""Ring evidence: how much a candidate group's shared identifiers and its behaviour
say that it is one operator's network rather than a household, a team or a class.

The rule (README "Detection", *The decision rule*), for a candidate group G:

    R_f   = sum over the networks / identifiers of family f shared by >= 2 members of G of
            character(i) x concentration(i),   concentration = members of G using i / all accounts using i
            (a network counts its best address x (1 + log2 of its shared addresses))
            (0 when every member of G using i declares the same org, and that org's
            typical account is not script-like)
    e_f   = weight_f x (1 - 2 ** -((R_f - free_f) / scale_f))   when R_f > free_f, else 0
    S     = sum_f e_f                                       (structure, one term per family)
    B     = clip((median operator-likeness - 0.25) / 0.5, 0, 1)   (behaviour; 0 when no exchanges)
    M     = 1 when an investigator marked a member, or an identifier two members share,
            known-bad (`verdicts`), else 0
    ring  <=>  S + B + M >= THRESHOLD (1.75; in a world without exchanges, the same share
                                   of what its data can show at most)

Why each part:

- *Redundancy beyond what ordinary sharing explains.* A family shares one card, one
  PC, one home network; a company team one corporate card and one office; a class one
  campus network. `free_f` (one card, device, burst or template; two networks, home
  and office or phone; no counted e-mail stem, whose character already discounts two
  people on a common stem) is subtracted, so those score 0 however rare their one
  identifier is; a ring that rotates twenty prepaid cards, a pool of VM images or a
  residential-proxy pool spanning many ISPs scores near 1 in that family. IP
  addresses count per network (ASN, else /16), logarithmically in the addresses
  shared in it, so a campus NAT range or a carrier's CGNAT pool stays small while a
  rented list of datacenter proxies does not. Templates halve per 2 beyond the first
  (`scale`): a class or a team shares a set of several.
- *Concentration* corrects for chance: an exit of a residential-proxy pool that
  legitimate residents also use still counts for the share of its users that are in
  G; a VPN exit two members met on among forty strangers counts 1/20.
- *Character* (registry: ip_intel kind, burst via card/device vs e-mail domain) is
  how telling an identifier of that kind is, whatever its rarity.
- *Additive, no veto.* Each family adds at most 1, behaviour at most 1. Structure in
  two families beyond ordinary (S >= 1.75) carries a ring with human-looking traffic;
  script-like behaviour (B = 1) carries one with moderate structure (S >= 0.75, e.g. a
  shared private template set). One family alone (e <= 1) never makes a ring, and
  neither does behaviour alone (every candidate group is already tied by links).
- *A declared org explains what its own accounts share among themselves*: an
  identifier whose users in G all declare one org (corporate cards, offices, internal
  templates, an onboarding burst) adds nothing (`org_explained`), as long as the org's
  typical account is not script-like (a front org made of the ring explains nothing);
  a front org declared on part of a ring leaves the ring's mixed identifiers
  counting. A group mostly declaring one org has its behaviour judged with the org's
  other accounts: a company's service accounts are judged among its staff.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .groups import Group, component_labels, owner_of
from .registry import FAMILIES, FREE, IDENTITY_FAMILIES, SCALE, WEIGHT, combine_of
from .verdicts import MARK_EVIDENCE

#: S + B a ring needs: more than one family's full evidence (<= 1) plus the
#: incidental extra a household or a team with an employee's family reaches (a
#: second card, a third network: 0.4-0.6 on our worlds)
THRESHOLD = 1.75


def effective_threshold(families: Sequence[str], behaviour: bool, threshold: float = THRESHOLD) -> float:
    """The threshold for a world without exchanges (sign-ups and payments alone, or
    with logins): the same share of the most evidence its data allows (the weights
    of the families that could run) as THRESHOLD is of the most a complete world
    allows (every family plus 1 for behaviour).

    A world *with* exchanges keeps THRESHOLD whatever identifier family it lacks:
    behaviour is still judged and its rings keep their other families, while an
    honest group's evidence never grows by losing a family; lowering the bar there
    only lets classes and teams through (a class on its campus NAT and course
    templates, 1.62, in a world without payments). Behaviour is the one judgement a
    world without exchanges cannot make at all."""
    if behaviour:
        return float(threshold)
    full = sum(WEIGHT.get(f, 1.0) for f in FAMILIES) + 1.0
    available = sum(WEIGHT.get(f, 1.0) for f in families if f in FAMILIES) + (1.0 if behaviour else 0.0)
    return float(threshold * min(1.0, available / full))


#: behaviour evidence is 0 at a median operator-likeness of BEHAVIOUR_ZERO and 1 at
#: BEHAVIOUR_ZERO + BEHAVIOUR_SPAN: the population's ordinary user sits near 0.1, a
#: script near 0.9, and 0.5 (the old hard cut) now gives half the evidence
BEHAVIOUR_ZERO = 0.25
BEHAVIOUR_SPAN = 0.5


@dataclass
class Evidence:
    """The evidence of one candidate group (see the module docstring)."""

    families: dict[str, dict[str, float]]  # family -> identifiers, redundancy R, evidence e
    structure: float
    behaviour: float | None  # median operator-likeness of its judged active members; None: no exchanges
    behaviour_evidence: float
    threshold: float = THRESHOLD
    notes: list[str] = field(default_factory=list)
    #: known-bad marks the group reaches (`verdicts`), as kind:key, and what they add (M)
    marked: list[str] = field(default_factory=list)
    marks: float = 0.0

    @property
    def total(self) -> float:
        return self.structure + self.behaviour_evidence + self.marks

    @property
    def is_ring(self) -> bool:
        return self.total >= self.threshold

    @property
    def kinds(self) -> list[str]:
        """The kinds of evidence that count (families with e > 0, and behaviour)."""
        out = [f for f in FAMILIES if self.families.get(f, {}).get("evidence", 0.0) > 0]
        if self.behaviour_evidence > 0:
            out.append("behaviour")
        if self.marks > 0:
            out.append("marks")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": "ring when S + B + M >= threshold; S = sum over families of 1 - 2^-(R - free), R = sum of character x concentration; M = 1 when an investigator marked a member or a shared identifier known-bad",
            "families": {f: {k: round(v, 3) for k, v in d.items()} for f, d in self.families.items()},
            "structure": round(self.structure, 3),
            "behaviour_median": None if self.behaviour is None else round(self.behaviour, 3),
            "behaviour": round(self.behaviour_evidence, 3),
            "marks": round(self.marks, 3),
            **({"marked": list(self.marked)} if self.marked else {}),
            "total": round(self.total, 3),
            "threshold": round(self.threshold, 3),
            "kinds": self.kinds,
            "notes": self.notes,
        }


def family_evidence(redundancy: float, free: float, scale: float = 1.0) -> float:
    """e_f: 0 up to what ordinary sharing explains, then 1 - 2^-(excess / scale)."""
    excess = redundancy - free
    return float(1.0 - 2.0 ** (-excess / scale)) if excess > 0 else 0.0


def behaviour_evidence(median: float | None) -> float:
    if median is None:
        return 0.0
    return float(min(1.0, max(0.0, (median - BEHAVIOUR_ZERO) / BEHAVIOUR_SPAN)))


def org_explained(key: np.ndarray, acc: np.ndarray, org_of: np.ndarray | None) -> np.ndarray:
    """Per entry (one account in one identifier-and-group key): whether every account
    of its key declares the same org. What one declared org's own accounts share
    only among themselves (corporate cards, offices, internal templates, an
    onboarding burst) is the org's business, not a network's evidence."""
    if org_of is None or len(key) == 0:
        return np.zeros(len(key), bool)
    org = org_of[acc]
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    lo = np.minimum.reduceat(org[order], starts)
    hi = np.maximum.reduceat(org[order], starts)
    same = (lo == hi) & (lo >= 0)
    per_entry = np.empty(len(key), bool)
    per_entry[order] = np.repeat(same, np.diff(np.r_[starts, len(k)]))
    return per_entry


def redundancy(candidates: Sequence[np.ndarray], groups: Sequence[Group], n_accounts: int,
               org_of: np.ndarray | None = None) -> list[dict[str, dict[str, float]]]:
    """Per candidate group, per family: how many identifiers its members share
    (``identifiers``) and their redundancy R (character x concentration, IP addresses
    counted once per network at their best). Vectorised over all groups at once."""
    out: list[dict[str, dict[str, float]]] = [dict() for _ in candidates]
    if not candidates or not groups:
        return out
    owner = owner_of(candidates, n_accounts)
    groups = [g for g in groups if combine_of(g.family) != "context"]
    if not groups:
        return out
    sizes = np.array([g.size for g in groups], dtype=np.int64)
    gid = np.repeat(np.arange(len(groups)), sizes)
    acc = np.concatenate([g.members for g in groups]).astype(np.int64)
    own = owner[acc]
    keep = own >= 0
    if not keep.any():
        return out
    gid, own, acc = gid[keep], own[keep], acc[keep]
    key = gid * np.int64(len(candidates)) + own
    explained = org_explained(key, acc, org_of)
    uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
    inside = counts >= 2
    uniq, counts, by_org = uniq[inside], counts[inside], explained[first[inside]]
    per: dict[tuple[int, str], dict[str, float]] = {}
    for k, c, org in zip(uniq.tolist(), counts.tolist(), by_org.tolist()):
        g = groups[k // len(candidates)]
        r = k % len(candidates)
        total = int(g.meta.get("accounts") or g.size)
        value = 0.0 if org else g.character * min(1.0, c / max(total, c))
        slot = per.setdefault((r, g.family), {"identifiers": 0.0, "_best": {}, "_count": {}})
        slot["identifiers"] += 1
        unit = (g.network or g.identifier) if combine_of(g.family) == "per_network" else g.identifier
        best = slot["_best"]
        if value > best.get(unit, 0.0):
            best[unit] = value
        if value > 0:
            slot["_count"][unit] = slot["_count"].get(unit, 0) + 1
    for (r, fam), slot in per.items():
        # within one network, more shared addresses say more, but only
        # logarithmically: a campus NAT or a carrier pool is one institution's few or
        # many addresses, a list of dozens of rented proxies in one provider's space
        # is a purchase (best x (1 + log2 addresses))
        R = float(sum(v * (1.0 + np.log2(max(1, slot["_count"].get(u, 1)))) for u, v in slot["_best"].items()))
        e = WEIGHT.get(fam, 1.0) * family_evidence(R, FREE.get(fam, 1.0), SCALE.get(fam, 1.0))
        out[r][fam] = {"identifiers": slot["identifiers"], "redundancy": R, "evidence": e}
    return out


def assess(families: dict[str, dict[str, float]], behaviour: float | None, threshold: float = THRESHOLD,
           notes: list[str] | None = None, marked: Sequence[str] = ()) -> Evidence:
    """The evidence of one group: S from its families, B from its behaviour, M = 1 when
    it reaches an investigator's known-bad mark (`verdicts`)."""
    structure = float(sum(d.get("evidence", 0.0) for d in families.values()))
    return Evidence(families, structure, behaviour, behaviour_evidence(behaviour), threshold, list(notes or []),
                    marked=list(marked), marks=MARK_EVIDENCE if marked else 0.0)


#: a member must be tied to the rest of its group by identifiers worth this much
#: (character x concentration, summed): two independent identifiers, such as a card
#: and a device, or a card and a sign-up burst. A resident whose home address is one
#: exit of a ring's proxy pool, or a stranger on one VPN exit, shares one.
MIN_MEMBER_TIE = 2.0


def member_ties(candidates: Sequence[np.ndarray], groups: "Sequence[Group] | _GroupTable", n_accounts: int,
                org_of: np.ndarray | None = None) -> np.ndarray:
    """Per account index: the sum over the identifiers it shares with at least one
    other member of its candidate group of character x concentration (0 outside
    candidates; families weighing nothing in the evidence, such as blocks, left out).
    A member's ties depend on its own group's members only."""
    tie = np.zeros(n_accounts)
    flat = groups if isinstance(groups, _GroupTable) else _GroupTable.for_ties(groups)
    if not len(flat.acc) or not candidates:
        return tie
    owner = owner_of(candidates, n_accounts)
    own = owner[flat.acc]
    keep = own >= 0
    gid, acc, own = flat.gid[keep], flat.acc[keep], own[keep]
    key = gid * np.int64(max(1, len(candidates))) + own
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    inside = counts[inverse] >= 2
    value = flat.character[gid] * np.minimum(1.0, counts[inverse] / np.maximum(flat.total[gid], counts[inverse]))
    value[org_explained(key, acc, org_of)] = 0.0
    np.add.at(tie, acc[inside], value[inside])
    return tie


#: a shared identifier ties candidate groups only when most of its accounts are in
#: candidate groups (the network's own card, device, stem or burst, not a public resource)
MERGE_MIN_CONCENTRATION = 0.5


@dataclass
class _GroupTable:
    """Signal groups as flat arrays, built once per detection: group index and
    account index per membership, accounts and character per group."""

    groups: list[Group]
    gid: np.ndarray
    acc: np.ndarray
    total: np.ndarray
    character: np.ndarray

    @classmethod
    def of(cls, groups: Sequence[Group]) -> "_GroupTable":
        kept = list(groups)
        sizes = np.array([g.size for g in kept], dtype=np.int64)
        gid = np.repeat(np.arange(len(kept)), sizes)
        acc = np.concatenate([g.members for g in kept]).astype(np.int64) if kept else np.empty(0, np.int64)
        total = np.array([float(g.meta.get("accounts") or g.size) for g in kept], dtype=float)
        character = np.array([g.character for g in kept], dtype=float)
        return cls(kept, gid, acc, total, character)

    @classmethod
    def for_ties(cls, groups: Sequence[Group]) -> "_GroupTable":
        """The groups member ties count: families weighing something in the evidence."""
        return cls.of([g for g in groups if WEIGHT.get(g.family, 1.0) > 0 and combine_of(g.family) != "context"])

    @classmethod
    def for_identity(cls, groups: Sequence[Group]) -> "_GroupTable":
        """The identity groups (registry `Signal.identity`) of at least two accounts."""
        return cls.of([g for g in groups if g.family in IDENTITY_FAMILIES and g.size >= 2])


def group_ties(candidates: Sequence[np.ndarray], groups: "Sequence[Group] | _GroupTable", n_accounts: int,
               min_concentration: float = MERGE_MIN_CONCENTRATION) -> dict[tuple[int, int], float]:
    """Per pair of candidate groups (r < s): what the identifiers used by at least two
    members of *each* are worth: per family, the sum of character x concentration
    (concentration = accounts of any candidate group using it / all its accounts; an
    identifier counted only from `min_concentration`), capped at 1; then summed over
    families.

    Only identity families count (registry `Signal.identity`: cards, devices, e-mail
    stems, sign-up bursts): addresses and templates are what an operator's separate
    rings share too. Two members on each side makes a practice both sides share,
    not one chance meeting; the concentration keeps popular identifiers out; the
    cap per family (as in the ring evidence) keeps one kind of sharing, such as
    twenty devices of one VM image, from counting as twenty independent ties. Same
    unit as the member ties (MIN_MEMBER_TIE): two families spanning both groups."""
    out: dict[tuple[int, int], float] = {}
    if len(candidates) < 2:
        return out
    owner = owner_of(candidates, n_accounts)
    flat = groups if isinstance(groups, _GroupTable) else _GroupTable.for_identity(groups)
    best: dict[tuple[int, int, int], float] = {}
    if len(flat.acc):
        own = owner[flat.acc]
        inside = own >= 0
        per_group = np.bincount(flat.gid[inside], minlength=len(flat.groups))
        # concentration over every candidate group using it: an identifier that the
        # pieces of one network share is mostly theirs, however many pieces there are
        conc = np.minimum(1.0, per_group / np.maximum(flat.total, 1.0))
        hot = (per_group >= 4) & (conc >= min_concentration)
        sel = inside & hot[flat.gid]
        gid, r = flat.gid[sel], own[sel]
        key = gid * np.int64(len(candidates)) + r
        uniq, counts = np.unique(key, return_counts=True)
        uniq = uniq[counts >= 2]
        g_of, r_of = uniq // len(candidates), uniq % len(candidates)
        starts = np.flatnonzero(np.r_[True, g_of[1:] != g_of[:-1]]) if len(g_of) else np.empty(0, np.int64)
        ends = np.r_[starts[1:], len(g_of)]
        for a, b in zip(starts.tolist(), ends.tolist()):
            if b - a < 2:
                continue
            k = int(g_of[a])
            value = flat.groups[k].character * float(conc[k])
            rs = r_of[a:b].tolist()
            for x in range(len(rs)):
                for y in range(x + 1, len(rs)):
                    pair = (rs[x], rs[y], k)
                    if value > best.get(pair, 0.0):
                        best[pair] = value
    per_family: dict[tuple[int, int, str], float] = {}
    for (r, s, k), value in best.items():
        key = (r, s, flat.groups[k].family)
        per_family[key] = per_family.get(key, 0.0) + value
    for (r, s, _family), value in per_family.items():
        out[(r, s)] = out.get((r, s), 0.0) + min(1.0, value)
    return out


def merge_networks(candidates: Sequence[np.ndarray], groups: Sequence[Group], n_accounts: int, *,
                   min_tie: float = MIN_MEMBER_TIE) -> list[np.ndarray]:
    """One network, one ring: join candidate groups whose `group_ties` reach
    `min_tie` (transitively). Strong links follow the densest sharing (accounts on
    one card, in one sign-up burst), so a ring that rotates cards per batch falls
    apart into pieces that still share its devices, its e-mail stem or its bursts as
    wholes; those pieces are one operator's network. Two rings that only met on a
    few identifiers (a proxy exit here and there) stay apart: a cut is clean when
    fewer than two identifiers' worth of shared practice crosses it."""
    current = [np.asarray(c, dtype=np.int64) for c in candidates]
    table = _GroupTable.for_identity(groups)
    while True:
        joins = [pair for pair, w in group_ties(current, table, n_accounts).items() if w >= min_tie]
        if not joins:
            return current
        ja, jb = (np.array(x, dtype=np.int64) for x in zip(*joins))
        label = component_labels(len(current), ja, jb)
        merged: dict[int, list[np.ndarray]] = {}
        for r, members in enumerate(current):
            merged.setdefault(int(label[r]), []).append(members)
        current = [np.unique(np.concatenate(parts)) for _, parts in sorted(merged.items())]


def trim(candidates: Sequence[np.ndarray], groups: Sequence[Group], n_accounts: int, *,
         min_tie: float = MIN_MEMBER_TIE, min_size: int = 3, org_of: np.ndarray | None = None) -> list[np.ndarray]:
    """Peel members tied to their group by less than `min_tie` (see MIN_MEMBER_TIE),
    recomputing after each pass (a member's ties depend on who is left), and drop
    groups that fall under `min_size`. Groups are disjoint; a pass recomputes only the
    groups the last one changed (a member's ties depend on its own group alone)."""
    table = _GroupTable.for_ties(groups)
    current: list[np.ndarray | None] = [np.asarray(c, dtype=np.int64) for c in candidates]
    changed = [r for r, c in enumerate(current) if len(c) >= min_size]
    for r, c in enumerate(current):
        if len(c) < min_size:
            current[r] = None
    while changed:
        tie = member_ties([current[r] for r in changed], table, n_accounts, org_of)
        again = []
        for r in changed:
            c = current[r]
            kept = c[tie[c] >= min_tie]
            if len(kept) == len(c):
                continue
            current[r] = kept if len(kept) >= min_size else None
            if current[r] is not None:
                again.append(r)
        changed = again
    return [c for c in current if c is not None]
