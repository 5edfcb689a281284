"""Write detected rings back to the graph, keeping ring ids stable and investigator
data untouched.

Ids: each new ring is matched to the existing rings it overlaps, best Jaccard
overlap first, one to one; a match of at least `min_jaccard` (0.5) keeps the old
ring's id, so a ring that gained or lost a few accounts between runs is the same case
for the investigator. A ring with no match gets `R-` + a hash of its sorted members
(the same ring found on a fresh database gets the same id).

Investigator data (status other than new, labels, note, audit events, exports,
members they added or removed) and alerts about a ring are never overwritten: `write_rings` sets status only
when it creates a ring, and an existing ring the run no longer finds is never deleted:
it is kept with `retired = true`, `detection_status = 'stale'` and marked weakened
(retire_rings.cypher); one found with fewer accounts or less evidence is marked
weakened too (write_rings.cypher).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from .. import db
from ..config import Settings
from . import DETECTION_VERSION
from .rings import DetectedRing, evidence_json

Progress = Callable[[int, int, str], None]


@dataclass
class WriteSummary:
    created: int = 0
    kept: int = 0
    retired: int = 0
    deleted: int = 0
    ring_ids: list[str] = field(default_factory=list)


def assign_ids(
    rings: Sequence[DetectedRing], existing: Sequence[dict[str, Any]], *, min_jaccard: float = 0.5
) -> tuple[list[str], list[str]]:
    """Ids for `rings` (reusing matched existing ids), and the existing detection
    rings left unmatched (to retire or delete)."""
    by_account: dict[str, list[int]] = defaultdict(list)
    members = [set(e.get("detected_members") or []) for e in existing]
    for k, m in enumerate(members):
        for acc in m:
            by_account[acc].append(k)
    scored: list[tuple[float, int, int, int, str]] = []
    for r, ring in enumerate(rings):
        new = set(ring.members)
        overlap: dict[int, int] = defaultdict(int)
        for acc in new:
            for k in by_account.get(acc, ()):
                overlap[k] += 1
        for k, inter in overlap.items():
            jac = inter / len(new | members[k])
            if jac >= min_jaccard:
                retired = 1 if existing[k].get("retired") else 0
                scored.append((-jac, retired, r, k, existing[k]["ring_id"]))
    scored.sort()
    ids: list[str | None] = [None] * len(rings)
    taken: set[int] = set()
    for _negj, _ret, r, k, _rid in scored:
        if ids[r] is None and k not in taken:
            ids[r] = existing[k]["ring_id"]
            taken.add(k)
    used = {e["ring_id"] for e in existing} | {i for i in ids if i}
    for r, ring in enumerate(rings):
        if ids[r] is None:
            base = ring.fingerprint()
            rid, n = base, 1
            while rid in used:
                n += 1
                rid = f"{base}-{n}"
            ids[r] = rid
            used.add(rid)
    unmatched = [
        e["ring_id"] for k, e in enumerate(existing)
        if k not in taken and not e.get("retired") and e.get("detected", True)
    ]
    return [str(i) for i in ids], unmatched


def write_rings(
    rings: Sequence[DetectedRing],
    *,
    settings: Settings | None = None,
    detected_at: dt.datetime | None = None,
    progress: Progress | None = None,
    batch_members: int = 5000,
) -> WriteSummary:
    detected_at = detected_at or dt.datetime.now(dt.timezone.utc)
    stamp = detected_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    existing = db.run("existing_rings", mode=db.READ, settings=settings)
    ids, unmatched = assign_ids(rings, existing)
    known = {e["ring_id"] for e in existing}
    summary = WriteSummary(ring_ids=ids)
    summary.created = sum(1 for i in ids if i not in known)
    summary.kept = len(ids) - summary.created
    rows = [
        {
            "ring_id": rid,
            "score": ring.score,
            "size": ring.size,
            "signals": ring.signals,
            "evidence": evidence_json(ring),
            "member_ids": ring.members,
            "members": [{"account_id": a, "score": ring.member_scores.get(a, ring.score)} for a in ring.members],
        }
        for rid, ring in zip(ids, rings)
    ]
    total = sum(len(r["members"]) for r in rows) or 1
    sizes: deque[int] = deque()  # members per batch handed to the runner, in order
    done = 0

    def batches() -> Iterator[list[dict[str, Any]]]:
        """Rings cut into batches of about `batch_members` members (a ring is never split)."""
        batch: list[dict[str, Any]] = []
        members = 0
        for row in rows:
            batch.append(row)
            members += len(row["members"])
            if members >= batch_members:
                sizes.append(members)
                yield batch
                batch, members = [], 0
        if batch:
            sizes.append(members)
            yield batch

    def written(_rings: int) -> None:
        nonlocal done
        done += sizes.popleft()
        if progress:
            progress(done, total, "writing rings")

    db.run_batched("write_rings", batches(), params={"detected_at": stamp, "detection_version": DETECTION_VERSION},
                   settings=settings, progress=written)
    if unmatched:
        outcomes = db.run("retire_rings", {"ring_ids": unmatched, "detected_at": stamp}, mode=db.WRITE, settings=settings)
        summary.retired = sum(1 for o in outcomes if o["outcome"] == "retired")
        summary.deleted = sum(1 for o in outcomes if o["outcome"] == "deleted")
    return summary
