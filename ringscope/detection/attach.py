"""Accounts a ring's own identifiers bring in: `attach_owned`.

A ring stands on its own evidence (`evidence`: shared identifiers of at least two
kinds, or structure and behaviour). Some of its accounts are not linked to it
strongly: they share one identifier of one kind with it, such as one of the ring's
prepaid cards, and one identifier of one kind never makes a strong link (a household
shares a card: `rings.strong_mask`, `evidence.MIN_MEMBER_TIE`).

Once the ring is established, though, such an identifier is no longer a chance tie
between two strangers: when most of its users are members of that ring, it is the
ring's own (its operator bought the card, imaged the VM), and its remaining users are
the operator's accounts too. The rule, for a ring R and an identifier i of an
*attaching* kind (registry ``Signal.attaches``: cards and other instruments, devices)
used by the accounts U_i:

    attach U_i \\ R  when  |U_i ∩ R| >= min_inside (3)  and  |U_i ∩ R| >= min_share x |U_i| (0.5)

- only accounts in no ring are attached, each to one ring (the one owning the larger
  share of the identifier, then the larger ring);
- one pass: an attached account does not attach others (no chains from one ring's
  card to a stranger's household);
- addresses, templates, sign-up bursts and e-mail stems never attach: strangers share
  them (a resident on an exit of the ring's proxy pool, a student on a public
  template, someone signing up within the same hour, and people of one surname on a
  counted stem: on the incident world a ring's `gyilmaz+N@gmail.com`, 28 of the
  stem's 36 users, would have brought in 8 owners of addresses like
  `gyilmaz535@gmail.com`, 195 legitimate accounts in all);
- a ring's evidence is what it was judged on; attached accounts are listed with the
  identifier that brought each in (``evidence.attached``) and score lower than core
  members (the ring's strength times the share of the identifier the ring holds).

This is the guilt-by-association step of label propagation from confirmed nodes
(e.g. Akoglu, Tong & Koutra, "Graph based anomaly detection and description: a
survey", DMKD 2015, section on guilt by association), limited to one hop and to
identifiers the ring already dominates.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from .groups import AccountIndex, Group, owner_of
from .registry import ATTACHING_FAMILIES

#: ring members that must use an identifier before it can bring others in: two is
#: what a household shares, three is already more than chance puts in one ring
MIN_INSIDE = 3
#: the share of an identifier's users that must be in the ring: the ring owns it
MIN_SHARE = 0.5


def attach_owned(rings: Sequence[Any], groups: Sequence[Group], index: AccountIndex, *,
                 exclude: np.ndarray | None = None,
                 min_inside: int = MIN_INSIDE, min_share: float = MIN_SHARE) -> list[Any]:
    """`rings`: judged rings (`rings.Judged`, disjoint). Returns them with the accounts
    their own identifiers bring in added to ``members`` / ``ids`` / ``member_scores``
    and described in ``attached`` (account index -> {family, identifier, inside,
    accounts}). Accounts where `exclude` (bool per account index) is True, such as
    those an investigator marked known-good, are never attached. Rings are returned
    in the same order; nothing else changes."""
    n = len(index)
    ring_of = owner_of([j.members for j in rings], n)
    if exclude is not None:
        ring_of[exclude[:n]] = -2  # never attached, and not counted as inside
    # per attaching group, vectorised (a million-account world has ~10^6 of them): the
    # ring holding most of its users, how many, and how many users are outside any ring
    sel = [g for g in groups if g.family in ATTACHING_FAMILIES and g.size >= 2]
    offers: dict[int, tuple[tuple, int, dict[str, Any]]] = {}
    if sel and len(rings):
        sizes = np.fromiter((g.size for g in sel), dtype=np.int64, count=len(sel))
        gid = np.repeat(np.arange(len(sel), dtype=np.int64), sizes)
        owner = ring_of[np.concatenate([g.members for g in sel]).astype(np.int64)]
        outside = np.bincount(gid[owner == -1], minlength=len(sel))
        ins = owner >= 0
        key, counts = np.unique(gid[ins] * len(rings) + owner[ins], return_counts=True)
        g_of, r_of = key // len(rings), key % len(rings)
        order = np.lexsort((r_of, -counts, g_of))  # per group: most members first
        first = order[np.r_[True, g_of[order][1:] != g_of[order][:-1]]] if len(key) else order
        for k, r, c in zip(g_of[first].tolist(), r_of[first].tolist(), counts[first].tolist()):
            g = sel[k]
            users = max(int(g.meta.get("accounts") or g.size), g.size)
            if outside[k] == 0 or c < min_inside or c < min_share * users:
                continue
            why = {"family": g.family, "identifier": g.identifier, "inside": c, "accounts": users}
            rank = (c / users, c, len(rings[r].members), -r)
            for a in g.members[ring_of[g.members] == -1].tolist():
                if a not in offers or rank > offers[a][0]:
                    offers[a] = (rank, r, why)
    if not offers:
        return list(rings)
    by_ring: dict[int, dict[int, dict[str, Any]]] = {}
    for a, (_, r, why) in offers.items():
        by_ring.setdefault(r, {})[a] = why
    out = []
    for r, judged in enumerate(rings):
        extra = by_ring.get(r)
        if not extra:
            out.append(judged)
            continue
        added = np.array(sorted(extra), dtype=np.int64)
        scores = dict(judged.member_scores)
        for a, why in extra.items():
            scores[a] = round(float(np.sqrt(judged.strength * why["inside"] / why["accounts"])), 4)
        out.append(replace(judged, members=np.concatenate([judged.members, added]),
                           ids=list(judged.ids) + [index.ids[a] for a in added.tolist()],
                           member_scores=scores, attached={**judged.attached, **extra}))
    return out
