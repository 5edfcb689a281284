"""Run the stored detection queries and turn their rows into `Group`s.

Each signal is one `.cypher` file in `cypher/detection/` (run it in Neo4j Browser to
see exactly what the detector sees). Here we only choose parameters, derived from
the graph itself where a fixed number would tie the detector to one data set; each
signal's record in `registry` turns its rows into groups.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..catalog import run_query
from ..config import Settings
from .groups import AccountIndex, Group
from .registry import DATA_KINDS, IP_KIND_WEIGHTS, SIGNALS, UNKNOWN_KIND_WEIGHT, Signal, SignalContext, network_key

Progress = Callable[[int, int, str], None]

__all__ = ["SignalParams", "SignalResult", "data_kinds", "fetch_groups", "graph_stats", "network_key", "not_judged"]


@dataclass
class SignalParams:
    """Knobs of the signal queries. Defaults are structural, not fitted to a world:
    caps scale with the number of accounts (an identifier shared by more than
    `supernode_share` of all accounts, or by more than `supernode_min` when the graph
    is small, is a supernode), volumes are judged against the graph's own median."""

    supernode_share: float = 0.002
    supernode_min: int = 200
    supernode_max: int = 5000
    #: a template is "sent heavily" when its senders average at least as many
    #: exchanges on it as the median active account sends in this many active days
    heavy_template_days: float = 4.0
    burst_gap_minutes: int = 60
    burst_min_accounts: int = 3
    email_min_stem: int = 4
    ip_kind_weights: dict[str, float] = field(default_factory=lambda: dict(IP_KIND_WEIGHTS))
    #: an address weighing less than the family floor of a strong link (a CGNAT egress
    #: shared by more than a handful, a VPN exit shared by dozens) cannot make a link
    #: count on its own network: left out, which keeps the big shared pools off the wire
    ip_min_weight: float = 0.1
    #: addresses shared by more accounts are sampled (kept with probability k / n);
    #: None: every address. A sample keeps a pool of hundreds of exits represented
    #: and bounds the work on a world of a million accounts (whose supernode cap is
    #: 2,050), but it drops a hub address that every member of a ring uses on a coin
    #: flip: at 32 a front org's hosting address (80 accounts) was lost. From 256
    #: accounts on an address weighs at most 1 / log2(257) = 0.125 a pair, under a
    #: third of a strong link, and a ring's hub that large is rarely its only tie.
    ip_sample_above: int | None = 256
    unknown_kind_weight: float = UNKNOWN_KIND_WEIGHT
    #: signal queries sent to Neo4j at a time (each runs on one server core)
    query_workers: int = 2

    def supernode_cap(self, accounts: int) -> int:
        cap = max(self.supernode_min, int(math.ceil(self.supernode_share * accounts)))
        return min(cap, self.supernode_max)


@dataclass
class SignalResult:
    groups: list[Group]
    counts: dict[str, int]
    params: dict[str, Any]
    #: signals not run, with the data kinds (registry.DATA_KINDS) they lacked
    skipped: dict[str, list[str]] = field(default_factory=dict)


def data_kinds(settings: Settings | None) -> dict[str, int]:
    """How much of each kind of data (registry.DATA_KINDS) the graph holds."""
    rows = run_query("data_kinds", {}, settings=settings)
    return {k: int(v or 0) for k, v in dict(rows[0]).items()} if rows else {}


def not_judged(data: dict[str, int], skipped: dict[str, list[str]]) -> list[str]:
    """One sentence per judgement the data did not allow."""
    out = []
    if not data:
        return out
    if not data.get("exchanges"):
        out.append("behaviour (automation_signature): no exchanges, so rings rest on shared identifiers alone")
    for query, lacking in skipped.items():
        out.append(f"{query}: no {', no '.join(DATA_KINDS.get(k, k) for k in lacking)}")
    return out


def graph_stats(settings: Settings | None) -> dict[str, Any]:
    """The graph's own yardsticks: account count, median usage per active day, median
    output per exchange."""
    base = run_query("behaviour_baseline", {"min_exchanges": 1}, settings=settings)
    return dict(base[0]) if base else {}


def fetch_groups(
    index: AccountIndex,
    stats: dict[str, Any],
    params: SignalParams,
    *,
    settings: Settings | None = None,
    progress: Progress | None = None,
    signals: Sequence[Signal] | None = None,
    data: dict[str, int] | None = None,
    drop: Callable[[Group], bool] | None = None,
) -> SignalResult:
    """Run the registered signals (`registry.SIGNALS`, or the given ones) and return
    their groups, with how many each family gave and the derived parameters. Given
    `data` (the `data_kinds` counts), signals whose data is absent are not run and
    are listed in `skipped`. `params.query_workers` queries run at a time. Groups
    for which `drop` says True (identifiers an investigator marked known-good) are
    left out before derived signals see them."""
    accounts = int(stats.get("accounts") or 0)
    cap = params.supernode_cap(accounts)
    median_per_day = float(stats.get("per_day_p50") or 1.0)
    heavy = max(2.0, params.heavy_template_days * median_per_day)
    used = {
        "supernode_cap": cap,
        "heavy_template_exchanges_per_account": heavy,
        "burst_gap_minutes": params.burst_gap_minutes,
    }
    ctx = SignalContext(accounts=accounts, supernode_cap=cap, heavy_template_exchanges=heavy, params=params)
    groups: list[Group] = []
    counts: dict[str, int] = {}
    chosen = [s for s in (signals if signals is not None else SIGNALS)]
    skipped: dict[str, list[str]] = {}
    if data is not None:
        # a signal whose data is absent would only return nothing: say so instead
        for signal in chosen:
            lacking = [k for k in signal.needs if not data.get(k)]
            if lacking:
                skipped[signal.query] = lacking
        chosen = [s for s in chosen if s.query not in skipped]
    limit = 100_000_000
    # the queries run `query_workers` at a time (Community Neo4j runs one query on one core,
    # and Python waits meanwhile); their rows become groups here, one signal after
    # another in registry order, so account indices do not depend on which query
    # finished first
    with ThreadPoolExecutor(max_workers=max(1, params.query_workers)) as pool:
        pending = {
            k: pool.submit(run_query, signal.query, {**signal.params(ctx), "limit": limit}, settings=settings)
            for k, signal in enumerate(chosen) if signal.derive is None
        }
        try:
            for k, signal in enumerate(chosen):
                if progress:
                    progress(k, len(chosen), f"signal: {signal.query}")
                if signal.derive is not None:  # made from the groups of the signals before it
                    made = [g for g in signal.derive(groups, index) if g.size >= 2]
                else:
                    rows = pending.pop(k).result()
                    made = [g for g in (signal.to_group(r, index) for r in rows) if g is not None and g.size >= 2]
                    del rows
                    if drop is not None:
                        made = [g for g in made if not drop(g)]
                groups.extend(made)
                counts[signal.family] = counts.get(signal.family, 0) + len(made)
        finally:
            for future in pending.values():
                future.cancel()
    if progress:
        progress(len(chosen), len(chosen), "signals fetched")
    return SignalResult(groups, counts, used, skipped)
