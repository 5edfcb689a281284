"""How well detection works on a labelled world, next to two naive baselines.

- account level: flagged = member of any detected ring; precision, recall, F1 against
  `labels.csv` (an account is positive when its `ring_id` is not empty);
- ring level: a true ring is *found* when one detected ring has Jaccard >= 0.5 with
  it; a detected ring is *false* when it matches no true ring and most of its members
  are legitimate.

Baseline A links accounts through every shared card, device and IP (connected
components of size >= 2 are its rings); baseline B does the same after dropping
identifiers shared by more than 25 accounts.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..catalog import run_query
from ..config import Settings
from ..errors import RingScopeError

Progress = Callable[[int, int | None, str], None]

JACCARD_FOUND = 0.5
BASELINE_B_CAP = 25


@dataclass
class Scores:
    name: str
    flagged: int
    precision: float
    recall: float
    f1: float
    rings_detected: int
    true_rings: int
    rings_found: int
    false_rings: int
    seconds: float | None = None
    missed: list[str] = field(default_factory=list)

    @property
    def found_share(self) -> float:
        return self.rings_found / self.true_rings if self.true_rings else 0.0

    @property
    def false_share(self) -> float:
        return self.false_rings / self.rings_detected if self.rings_detected else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.name,
            "flagged_accounts": self.flagged,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "rings_detected": self.rings_detected,
            "true_rings": self.true_rings,
            "rings_found": self.rings_found,
            "rings_found_share": round(self.found_share, 4),
            "false_rings": self.false_rings,
            "false_rings_share": round(self.false_share, 4),
            "seconds": None if self.seconds is None else round(self.seconds, 1),
        }


def read_labels(world_dir: str | Path) -> dict[str, str]:
    """account_id -> ring_id ('' for legitimate) from labels.csv[.gz] or labels.parquet."""
    import pandas as pd

    world = Path(world_dir)
    for name in ("labels.csv", "labels.csv.gz", "labels.parquet"):
        path = world / name
        if path.is_file():
            if name.endswith(".parquet"):
                df = pd.read_parquet(path)
            else:
                df = pd.read_csv(path, dtype=str, keep_default_na=False)
            if "account_id" not in df.columns:
                raise RingScopeError(f"{path} has no account_id column: it is not a labels file")
            ring = df["ring_id"] if "ring_id" in df.columns else ""
            out: dict[str, str] = {}
            for acc, r in zip(df["account_id"].astype(str), pd.Series(ring, index=df.index).fillna("").astype(str)):
                out[acc] = r.strip()
            return out
    raise RingScopeError(f"no labels.csv in {world}: evaluate needs a world with ground truth")


def score(name: str, rings: Sequence[Iterable[str]], labels: dict[str, str], seconds: float | None = None) -> Scores:
    detected = [set(r) for r in rings if r]
    truth: dict[str, set[str]] = defaultdict(set)
    for acc, rid in labels.items():
        if rid:
            truth[rid].add(acc)
    positives = {a for a, r in labels.items() if r}
    flagged = set().union(*detected) if detected else set()
    tp = len(flagged & positives)
    precision = tp / len(flagged) if flagged else 0.0
    recall = tp / len(positives) if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    member_of: dict[str, list[int]] = defaultdict(list)
    for k, ring in enumerate(detected):
        for acc in ring:
            member_of[acc].append(k)
    matched_detected: set[int] = set()
    found = 0
    missed = []
    for rid, members in truth.items():
        overlap: dict[int, int] = defaultdict(int)
        for acc in members:
            for k in member_of.get(acc, ()):
                overlap[k] += 1
        hit = False
        for k, inter in overlap.items():
            if inter / len(members | detected[k]) >= JACCARD_FOUND:
                hit = True
                matched_detected.add(k)
        found += hit
        if not hit:
            missed.append(rid)
    false_rings = 0
    for k, ring in enumerate(detected):
        if k in matched_detected:
            continue
        legit = sum(1 for a in ring if not labels.get(a))
        if legit > len(ring) / 2:
            false_rings += 1
    return Scores(name, len(flagged), precision, recall, f1, len(detected), len(truth), found, false_rings, seconds, sorted(missed))


def baseline_rings(max_accounts: int | None, settings: Settings | None = None) -> list[set[str]]:
    """Connected components (size >= 2) over shared cards, devices and IPs."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    rows = run_query("baseline_shared_identifiers", {"max_accounts": max_accounts}, settings=settings)
    for row in rows:
        accounts = row["accounts"]
        first = find(accounts[0])
        parent.setdefault(first, first)
        for other in accounts[1:]:
            r = find(other)
            if r != first:
                parent[r] = first
    comps: dict[str, set[str]] = defaultdict(set)
    for acc in list(parent):
        comps[find(acc)].add(acc)
    return [c for c in comps.values() if len(c) >= 2]


def database_contents(settings: Settings | None = None) -> dict[str, Any]:
    return run_query("database_contents", {}, settings=settings)[0]


def evaluate_world(
    world_dir: str | Path,
    *,
    settings: Settings | None = None,
    reset: bool = False,
    progress: Progress | None = None,
    detect_params=None,
) -> dict[str, Any]:
    """Load `world_dir` into an empty database, detect, and score against its labels
    and the two baselines. Refuses a database holding data unless `reset`."""
    from .. import schema
    from ..ingest.job import ingest_world
    from .pipeline import detect

    world = Path(world_dir)
    if not world.is_dir():
        raise RingScopeError(f"{world} is not a directory: give the folder of a generated world")
    labels = read_labels(world)
    contents = database_contents(settings)
    if contents["has_data"]:
        if not reset:
            raise RingScopeError(
                f"the database already holds data ({contents['accounts']:,} accounts, {contents['rings']:,} rings, "
                f"{contents['audit_events']:,} audit events): evaluate loads a world into an EMPTY database; "
                "add --reset to wipe it first (investigator tags included)"
            )
        schema.reset(settings)
    t0 = time.perf_counter()
    ingest = ingest_world(world, settings, progress)
    load_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = detect(settings, params=detect_params, progress=progress)
    detect_seconds = time.perf_counter() - t0
    ours = score("RingScope", [r.members for r in result.rings], labels, detect_seconds)
    t0 = time.perf_counter()
    a = baseline_rings(None, settings)
    base_a = score("A: all shared card/device/IP", a, labels, time.perf_counter() - t0)
    t0 = time.perf_counter()
    b = baseline_rings(BASELINE_B_CAP, settings)
    base_b = score(f"B: same, identifiers > {BASELINE_B_CAP} accounts dropped", b, labels, time.perf_counter() - t0)
    return {
        "world": str(world),
        "accounts": len(labels),
        "operator_accounts": sum(1 for r in labels.values() if r),
        "load_seconds": round(load_seconds, 1),
        "detect_seconds": round(detect_seconds, 1),
        "ingest": ingest,
        "detection": result,
        "scores": [ours, base_a, base_b],
    }


def format_table(scores: Sequence[Scores]) -> str:
    """The side-by-side table `ringscope evaluate` prints."""
    rows = [
        ("flagged accounts", lambda s: f"{s.flagged:,}"),
        ("account precision", lambda s: f"{s.precision:.3f}"),
        ("account recall", lambda s: f"{s.recall:.3f}"),
        ("account F1", lambda s: f"{s.f1:.3f}"),
        ("rings detected", lambda s: f"{s.rings_detected:,}"),
        ("true rings found (J>=0.5)", lambda s: f"{s.rings_found}/{s.true_rings} ({s.found_share:.0%})"),
        ("false rings", lambda s: f"{s.false_rings:,} ({s.false_share:.1%})"),
        ("seconds", lambda s: "" if s.seconds is None else f"{s.seconds:.1f}"),
    ]
    headers = ["", *[s.name for s in scores]]
    table = [[label, *[fmt(s) for s in scores]] for label, fmt in rows]
    widths = [max(len(str(r[i])) for r in [headers, *table]) for i in range(len(headers))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in [headers, *table]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
