"""Investigators' marks as detection input (`ringscope mark`, the entity view).

A mark is a person's verdict on an account or identifier, kept with its reason in the
audit trail (`ringscope.marks`). Detection reads the ones in force on accounts, cards
and other instruments, devices, addresses and templates (`marks_in_force.cypher`):

- **known-good identifier**: an investigator said this sharing is legitimate (the
  office's NAT, the company's card, the course's template). Its group is dropped
  before links are built, so it links no one and adds no evidence.
- **known-good account**: it is never a ring member; a candidate group loses it
  before judging (and is judged on the rest).
- **known-bad account or identifier**: a verdict is evidence of a kind of its own,
  M = 1 for a candidate group that holds a known-bad account or whose members (two or
  more) share a known-bad identifier, else 0. It is added to the rule like a family
  (S + B + M >= threshold): it never makes a ring alone (a group is already tied by
  links, and one family's worth is under the threshold), and a group it reaches still
  needs as much again from its own structure or behaviour.

E-mail and e-mail-domain marks feed the recidivism alert only: a domain is shared by
strangers, and an e-mail address belongs to one account.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..catalog import run_query
from ..config import Settings
from .groups import AccountIndex, Group, owner_of

#: mark kind -> the signal family whose group identifiers are that kind's keys
FAMILY_OF_KIND = {"instrument": "instrument", "device": "device", "ip": "ip", "template": "template"}

_KIND_OF_FAMILY = {f: k for k, f in FAMILY_OF_KIND.items()}

#: the evidence a known-bad verdict adds to a group it reaches (one family's full worth)
MARK_EVIDENCE = 1.0


@dataclass
class Verdicts:
    """Marks in force, as (kind, key) pairs; ``by`` says who set each."""

    bad: set[tuple[str, str]] = field(default_factory=set)
    good: set[tuple[str, str]] = field(default_factory=set)
    by: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings | None = None) -> "Verdicts":
        out = cls()
        for row in run_query("marks_in_force", {}, settings=settings):
            key = (str(row["kind"]), str(row["key"]))
            (out.bad if row["verdict"] == "known_bad" else out.good).add(key)
            out.by[key] = str(row.get("by") or "")
        return out

    def _of(self, g: Group) -> tuple[str, str] | None:
        kind = _KIND_OF_FAMILY.get(g.family)
        return None if kind is None else (kind, g.identifier)

    def is_known_good(self, g: Group) -> bool:
        """Whether a group's identifier is marked known-good (it then links no one)."""
        key = self._of(g)
        return key is not None and key in self.good

    def good_accounts(self, index: AccountIndex) -> np.ndarray:
        """Per account index: marked known-good."""
        out = np.zeros(len(index), bool)
        for kind, key in self.good:
            i = index.get(key) if kind == "account" else None
            if i is not None:
                out[i] = True
        return out

    def bad_hits(self, candidates: Sequence[np.ndarray], groups: Sequence[Group],
                 index: AccountIndex) -> list[list[str]]:
        """Per candidate group: the known-bad marks it reaches, as ``kind:key`` (its
        known-bad members, and known-bad identifiers two or more of its members share)."""
        out: list[list[str]] = [[] for _ in candidates]
        if not self.bad or not candidates:
            return out
        owner = owner_of(candidates, len(index))
        for kind, key in sorted(self.bad):
            if kind == "account":
                i = index.get(key)
                if i is not None and owner[i] >= 0:
                    out[int(owner[i])].append(f"account:{key}")
        for g in groups:
            key = self._of(g)
            if key is None or key not in self.bad:
                continue
            owners = owner[g.members]
            rs, counts = np.unique(owners[owners >= 0], return_counts=True)
            for r, c in zip(rs.tolist(), counts.tolist()):
                if c >= 2:
                    out[r].append(f"{key[0]}:{key[1]}")
        return out
