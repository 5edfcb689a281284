"""Accounts a ring's own identifiers bring in: `attach_owned`.

A ring stands on its own evidence (`evidence`: shared identifiers of at least two
kinds, or structure and behaviour). Some of its accounts are not linked to it
strongly: they share one identifier of one kind with it, most often the ring's
numbered e-mail stem (``harvest.k7+12@``, ``harvest.k7+13@``) or one of its cards,
and one identifier of one kind never makes a strong link (a household shares a
card, two people of one surname a stem: `rings.strong_mask`, `evidence.MIN_MEMBER_TIE`).

Once the ring is established, though, such an identifier is no longer a chance tie
between two strangers: when most of its users are members of that ring, it is the
ring's own (its operator registered the stem, bought the card, imaged the VM), and
its remaining users are the operator's accounts too. The rule, for a ring R and an
identifier i of an *attaching* kind (registry ``Signal.attaches``: cards and other
instruments, devices, e-mail stems) used by the accounts U_i:

    attach U_i \\ R  when  |U_i ∩ R| >= min_inside (3)  and  |U_i ∩ R| >= min_share x |U_i| (0.5)

- only accounts in no ring are attached, each to one ring (the one owning the larger
  share of the identifier, then the larger ring);
- one pass: an attached account does not attach others (no chains from one ring's
  card to a stranger's household);
- addresses, templates and sign-up bursts never attach: strangers share them (a
  resident on an exit of the ring's proxy pool, a student on a public template,
  someone signing up within the same hour);
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

from .groups import AccountIndex, Group
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
    ring_of = np.full(n, -1, dtype=np.int64)
    for r, judged in enumerate(rings):
        ring_of[judged.members] = r
    if exclude is not None:
        ring_of[exclude[:n]] = -2  # never attached, and not counted as inside
    # best offer per outside account: (share, inside, ring size, -ring) -> ring, why
    offers: dict[int, tuple[tuple, int, dict[str, Any]]] = {}
    for g in groups:
        if g.family not in ATTACHING_FAMILIES or g.size < 2:
            continue
        owners = ring_of[g.members]
        inside = owners >= 0
        outside = owners == -1
        if inside.sum() < min_inside or not outside.any():
            continue
        users = max(int(g.meta.get("accounts") or g.size), g.size)
        ring_ids, counts = np.unique(owners[inside], return_counts=True)
        best = int(np.argmax(counts))
        r, k = int(ring_ids[best]), int(counts[best])
        if k < min_inside or k < min_share * users:
            continue
        why = {"family": g.family, "identifier": g.identifier, "inside": k, "accounts": users}
        key = (k / users, k, len(rings[r].members), -r)
        for a in g.members[outside].tolist():
            if a not in offers or key > offers[a][0]:
                offers[a] = (key, r, why)
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
