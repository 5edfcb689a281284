"""Run the stored detection queries and turn their rows into `Group`s.

Each signal is one `.cypher` file in `cypher/detection/` (run it in Neo4j Browser to
see exactly what the detector sees). Here we only choose parameters, derived from
the graph itself where a fixed number would tie the detector to one data set, and
convert rows to numpy groups.
"""
from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..catalog import run_query
from ..config import Settings
from .links import AccountIndex, Group, rarity_weight

Progress = Callable[[int, int, str], None]

#: Down-weighting of shared addresses by what ip_intel says they are: one carrier
#: CGNAT egress or VPN exit carries hundreds of unrelated subscribers; a campus or
#: office NAT a whole institution. Unknown kinds get UNKNOWN_KIND_WEIGHT.
IP_KIND_WEIGHTS = {
    "mobile": 0.2,
    "vpn": 0.3,
    "education": 0.3,
    "corporate": 0.5,
    "hosting": 1.0,
    "proxy": 1.0,
    "residential": 1.0,
}
UNKNOWN_KIND_WEIGHT = 0.8


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
    #: addresses shared by more accounts are sampled (kept with probability 32 / n):
    #: the same size above which groups are sampled into pairs rather than expanded
    ip_sample_above: int | None = 32
    unknown_kind_weight: float = UNKNOWN_KIND_WEIGHT

    def supernode_cap(self, accounts: int) -> int:
        cap = max(self.supernode_min, int(math.ceil(self.supernode_share * accounts)))
        return min(cap, self.supernode_max)


@dataclass
class SignalResult:
    groups: list[Group]
    counts: dict[str, int]
    params: dict[str, Any]


def network_key(address: str, asn: Any, network: str | None) -> str:
    """What counts as 'one network' for IP evidence: the ASN when intel knows it,
    else the /16 (IPv4) or /32 (IPv6) around the address."""
    if asn not in (None, ""):
        return f"AS{asn}"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return network or address
    prefix = 16 if ip.version == 4 else 32
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


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
) -> SignalResult:
    accounts = int(stats.get("accounts") or 0)
    cap = params.supernode_cap(accounts)
    median_per_day = float(stats.get("per_day_p50") or 1.0)
    heavy = max(2.0, params.heavy_template_days * median_per_day)
    used = {
        "supernode_cap": cap,
        "heavy_template_exchanges_per_account": heavy,
        "burst_gap_minutes": params.burst_gap_minutes,
    }
    groups: list[Group] = []
    counts: dict[str, int] = {}
    steps = [
        ("instrument", "instrument_fanout", {"min_accounts": 2, "max_accounts": cap}),
        ("device", "device_fanout", {"min_accounts": 2, "max_accounts": cap}),
        ("ip", "ip_cooccurrence", {
            "min_accounts": 2, "max_accounts": cap, "kind_weights": params.ip_kind_weights,
            "unknown_kind_weight": params.unknown_kind_weight, "min_weight": params.ip_min_weight,
            "sample_above": params.ip_sample_above,
        }),
        ("email", "email_pattern_clusters", {
            "min_accounts": 2, "min_stem_length": params.email_min_stem, "max_accounts": cap,
        }),
        ("burst", "signup_bursts", {
            "min_accounts": params.burst_min_accounts, "gap_minutes": params.burst_gap_minutes, "max_accounts": cap * 10,
        }),
        ("template", "template_co_usage", {
            "min_accounts": 2, "max_accounts": cap * 10, "min_exchanges_per_account": heavy,
        }),
    ]
    limit = 100_000_000
    for k, (family, query, qparams) in enumerate(steps):
        if progress:
            progress(k, len(steps), f"signal: {query}")
        rows = run_query(query, {**qparams, "limit": limit}, settings=settings)
        made = [g for g in (_to_group(family, r, index) for r in rows) if g is not None and g.size >= 2]
        groups.extend(made)
        counts[family] = len(made)
    if progress:
        progress(len(steps), len(steps), "signals fetched")
    return SignalResult(groups, counts, used)


def _to_group(family: str, row: dict[str, Any], index: AccountIndex) -> Group | None:
    members = index.add(row["accounts"])
    n = int(row.get("account_count") or len(members))
    if family == "ip":
        return Group(
            family, str(row["identifier"]), members, float(row["weight"]),
            first_s=np.asarray(row["first_seen_s"], dtype=np.int64),
            last_s=np.asarray(row["last_seen_s"], dtype=np.int64),
            network=network_key(row["identifier"], row.get("asn"), row.get("network")),
            meta={"kind": row.get("kind"), "network": row.get("network"), "asn": row.get("asn"), "accounts": n},
        )
    if family in ("instrument", "device"):
        meta = {"accounts": n}
        if family == "instrument":
            meta.update(kind=row.get("kind"), bin=row.get("bin"))
        return Group(
            family, str(row["identifier"]), members, float(rarity_weight(n)),
            first_s=np.asarray(row["first_seen_s"], dtype=np.int64),
            last_s=np.asarray(row["last_seen_s"], dtype=np.int64),
            meta=meta,
        )
    if family == "email":
        return Group(family, str(row["identifier"]), members, float(rarity_weight(n)),
                     meta={"accounts": n, "plus_tagged": row.get("plus_tagged"), "counted": row.get("counted")})
    if family == "burst":
        return Group(family, str(row["identifier"]), members, float(rarity_weight(n)),
                     meta={"accounts": n, "via": row.get("via"), "span_minutes": row.get("span_minutes"),
                           "first": _iso(row.get("first_signup")), "last": _iso(row.get("last_signup"))})
    if family == "template":
        return Group(family, str(row["identifier"]), members, float(rarity_weight(n)),
                     volume=np.asarray(row["exchanges"], dtype=float),
                     meta={"accounts": n, "exchanges": int(sum(row["exchanges"]))})
    raise ValueError(f"unknown family {family!r}")


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return value.iso_format()
    except AttributeError:
        return str(value)
