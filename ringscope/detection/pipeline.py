"""`detect()`: signals -> links -> groups -> judged, explained rings -> the graph.

Heavy lifting stays in Neo4j: each stored signal query aggregates the graph into
compact groups (identifier -> accounts), and only accounts already tied by strong
links are profiled. Python holds the candidate pairs as numpy arrays and only the
strong links (as numpy arrays; igraph's Louvain only to split a component that could hold rings).
"""
from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from ..catalog import run_query
from ..config import Settings
from . import DETECTION_VERSION
from .attach import attach_owned
from .behaviour import Baseline, score_accounts
from .evidence import effective_threshold
from .verdicts import Verdicts
from .registry import SIGNALS, combine_of
from .links import AccountIndex, LinkBuilder
from .rings import DetectedRing, Judged, RingParams, candidate_groups, explain, judge
from .signals import SignalParams, data_kinds, fetch_groups, graph_stats, not_judged
from .writeback import WriteSummary, write_rings

Progress = Callable[[int, int, str], None]

PROFILE_CHUNK = 20_000


@dataclass
class DetectParams:
    signals: SignalParams = field(default_factory=SignalParams)
    rings: RingParams = field(default_factory=RingParams)
    max_clique: int = 32
    successors: int = 4
    ip_window_hours: float = 24.0
    #: template mixes count from this many shared templates on (see LinkBuilder)
    min_shared_templates: int = 2
    #: the most a template mix adds to a link: ordinary users of the same tools share
    #: mixes too (a class on its course templates, power users on the popular ones),
    #: so a mix alone never makes a strong link; a shared exit, card or a pure dense
    #: block (blocks.py) completes it
    template_cap: float = 0.3


@dataclass
class DetectionResult:
    rings: list[DetectedRing]
    ring_ids: list[str]
    stats: dict[str, Any]
    timings: dict[str, float]
    write: WriteSummary | None
    #: every candidate group with its evidence, rings and the ones that fell short
    judged: list[Judged] = field(default_factory=list)
    #: what `explain` reads: the account index, the signal groups, the pair table,
    #: the behaviour scores and the parameters of this run
    index: AccountIndex | None = None
    groups: list = field(default_factory=list)
    pairs: Any = None
    behaviour: dict = field(default_factory=dict)
    params: DetectParams | None = None
    org_index: np.ndarray | None = None
    #: what this run changed, as recorded on its (:DetectionRun): new, grew, weakened,
    #: no_longer_found, found_again -> rings (empty when nothing was written)
    changes: dict[str, int] = field(default_factory=dict)
    #: the investigators' marks this run read
    verdicts: Verdicts = field(default_factory=Verdicts)

    @property
    def flagged_accounts(self) -> int:
        return len({a for r in self.rings for a in r.members})


def detect(
    settings: Settings | None = None,
    *,
    params: DetectParams | None = None,
    progress: Progress | None = None,
    write: bool = True,
) -> DetectionResult:
    """Run every signal, build and judge rings, and (unless `write=False`) write them."""
    params = params or DetectParams()
    started = dt.datetime.now(dt.timezone.utc)
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 2)
        t = now

    stats = graph_stats(settings)
    data = data_kinds(settings)
    index = AccountIndex()
    # investigators' verdicts: known-good identifiers link no one (see `verdicts`)
    verdicts = Verdicts.load(settings)
    signals = fetch_groups(index, stats, params.signals, settings=settings, progress=progress, data=data,
                           drop=verdicts.is_known_good if verdicts.good else None)
    lap("signals")

    builder = LinkBuilder(index, max_clique=params.max_clique, successors=params.successors,
                          ip_window_s=int(params.ip_window_hours * 3600),
                          min_shared_templates=params.min_shared_templates,
                          popular_above=int(signals.params["supernode_cap"]), template_cap=params.template_cap)
    candidate_pairs = builder.add_all(signals.groups)
    pairs = builder.build()
    lap("links")

    # a world without some kinds of data is judged on what it can show
    ran = [s.family for s in SIGNALS if s.query not in signals.skipped]
    threshold = effective_threshold(ran, bool(data.get("exchanges")), params.rings.threshold)
    # ... and its members and pieces are tied by the same share of what a complete
    # world's identifiers tie them by (a world of sign-ups and payments has no device
    # or address to make a member's second tie)
    share = threshold / params.rings.threshold if params.rings.threshold > 0 else 1.0
    judge_params = replace(params.rings, threshold=threshold, min_member_tie=params.rings.min_member_tie * share)
    rank = index.rank()
    org_index = declared_org_index(signals.groups, len(index))
    candidates, links = candidate_groups(pairs, judge_params, rank, len(index), signals.groups)
    good = verdicts.good_accounts(index)
    if good.any():  # a known-good account is never a member; its group is judged on the rest
        candidates = [c for c in (c[~good[c]] for c in candidates) if len(c) >= judge_params.min_size]
    lap("grouping")

    ids = sorted({index.ids[i] for members in candidates for i in members.tolist()})
    profiles = _profiles(ids, settings, progress)
    # a declared org is context: groups mostly declaring one org are judged with its other accounts
    org_of = {a: p["org_id"] for a, p in profiles.items() if p.get("org_id")}
    group_orgs = set()
    for members in candidates:
        declared = Counter(org_of.get(index.ids[i]) for i in members.tolist())
        declared.pop(None, None)
        group_orgs |= {o for o, k in declared.items() if k >= 0.5 * len(members)}
    org_accounts: dict[str, list[str]] = {}
    if group_orgs:
        for row in run_query("org_members", {"org_ids": sorted(group_orgs)}, settings=settings):
            org_accounts[row["org_id"]] = row["accounts"]
        extra = sorted({a for accs in org_accounts.values() for a in accs} - set(profiles))
        profiles.update(_profiles(extra, settings, progress, "profiling the other accounts of their orgs"))
    share = builder.template_share(len(index), float(signals.params["heavy_template_exchanges_per_account"]),
                                   org_of=org_index)
    systematic = {a: float(share[index.get(a)]) for a in profiles if index.get(a) is not None}
    behaviour = score_accounts(profiles.values(), Baseline.from_stats(stats), systematic)
    lap("profiling")

    judged = judge(candidates, links, index, behaviour, judge_params, signals.groups,
                   org_of=org_of, org_accounts=org_accounts, org_index=org_index,
                   mark_hits=verdicts.bad_hits(candidates, signals.groups, index))
    owned = attach_owned([j for j in judged if j.evidence.is_ring], signals.groups, index, exclude=good)
    rings = explain(owned, signals.groups, index, behaviour, profiles, pairs, params.rings)
    lap("judging")

    summary = None
    ring_ids: list[str] = []
    changes: dict[str, int] = {}
    if write:
        summary = write_rings(rings, settings=settings, detected_at=started, progress=progress)
        ring_ids = summary.ring_ids
        changes = record_run(started, len(rings), settings)
        lap("writing")
    out_stats = {
        "data": data,
        "not_judged": not_judged(data, signals.skipped),
        "threshold": round(threshold, 3),
        "orgs_as_context": len(org_accounts),
        "marks": {"known_bad": len(verdicts.bad), "known_good": len(verdicts.good),
                  "accounts_cleared": int(good.sum())},
        "accounts": stats.get("accounts"),
        "groups": signals.counts,
        "parameters": signals.params,
        "candidate_pairs": candidate_pairs,
        "pairs": len(pairs),
        "strong_links": len(links.a),
        "candidate_groups": len(candidates),
        "candidate_accounts": len(ids),
        "profiled_accounts": len(profiles),
        "rings": len(rings),
        "flagged_accounts": len({a for r in rings for a in r.members}),
    }
    return DetectionResult(rings=rings, ring_ids=ring_ids, stats=out_stats, timings=timings, write=summary, judged=judged,
                           index=index, groups=signals.groups, pairs=pairs, behaviour=behaviour, params=params,
                           org_index=org_index, changes=changes, verdicts=verdicts)


#: what a run can do to a ring, as counted on its (:DetectionRun)
RUN_CHANGES = ("new", "grew", "weakened", "no_longer_found", "found_again")


def record_run(started: dt.datetime, rings: int, settings: Settings | None = None) -> dict[str, int]:
    """Record the run that started at `started` as a (:DetectionRun) linked to every ring
    it changed (`record_detection_run`, from the stamps the write-back left); returns the
    counts per change (RUN_CHANGES)."""
    stamp = started.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # as write_rings stamps
    rows = run_query("record_detection_run", {"run_id": uuid.uuid4().hex, "detected_at": stamp, "rings": rings,
                                              "detection_version": DETECTION_VERSION},
                     settings=settings, allow_write=True)
    return {k: int(rows[0][k] or 0) for k in RUN_CHANGES} if rows else {}


def declared_org_index(groups, n: int) -> np.ndarray:
    """Per account index: a code of the org it declares (-1: none), from the
    `declared_orgs` context groups."""
    org = np.full(n, -1, dtype=np.int64)
    for k, g in enumerate(x for x in groups if combine_of(x.family) == "context"):
        org[g.members] = k
    return org


def _profiles(ids: list[str], settings: Settings | None, progress: Progress | None,
              what: str = "profiling candidate accounts") -> dict[str, dict[str, Any]]:
    """`automation_signature` rows for these accounts, in chunks; `what` names the step."""
    profiles: dict[str, dict[str, Any]] = {}
    for k in range(0, len(ids), PROFILE_CHUNK):
        if progress:
            progress(k, len(ids), what)
        for row in run_query("automation_signature", {"account_ids": ids[k : k + PROFILE_CHUNK]}, settings=settings):
            profiles[row["account_id"]] = row
    if progress:
        progress(len(ids), len(ids), what)
    return profiles
