"""How script-like an account's usage is, judged against the graph's own baseline.

Distillation traffic is made by programs: many exchanges every day, long outputs,
activity that does not sleep, days that look alike, and most of it on a systematic
set of prompt templates. Each of those is one component in [0, 1]; the account's
`operator_likeness` is their mean. Components are relative (volume against the
median account of *this* graph, output length against the median exchange), so the
same detector reads a one-week demo and a quarter of production traffic.

None of these components alone is abuse: service accounts and researchers run
scripts too. Detection only uses them to judge groups that shared identifiers
already tie together, and a ring is judged on its *typical* member (the median),
so one busy service account does not turn its company into a ring, and one quiet
front account does not clear an operator's ring.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

COMPONENTS = ("volume", "output", "round_the_clock", "regularity", "systematic")

#: Volume scores 1 at VOLUME_FULL_RATIO times the median account's exchanges per
#: active day (log scale from 1x = 0); output at OUTPUT_FULL_RATIO times the median
#: output per exchange. Ratios, not counts: they do not depend on the data's scale.
VOLUME_FULL_RATIO = 8.0
OUTPUT_FULL_RATIO = 2.5


@dataclass(frozen=True)
class Baseline:
    per_day_p50: float
    output_p50: float

    @classmethod
    def from_stats(cls, stats: dict[str, Any]) -> "Baseline":
        return cls(
            per_day_p50=max(float(stats.get("per_day_p50") or 1.0), 1e-9),
            output_p50=max(float(stats.get("output_p50") or 1.0), 1e-9),
        )


def _ratio_score(value: float, reference: float, full_ratio: float) -> float:
    if value <= 0 or reference <= 0:
        return 0.0
    return float(min(1.0, max(0.0, math.log(value / reference) / math.log(full_ratio))))


def components(row: dict[str, Any], baseline: Baseline, systematic_exchanges: float = 0.0) -> dict[str, float]:
    """The behaviour components of one account (a row of `automation_signature`)."""
    exchanges = float(row.get("exchanges") or 0)
    return {
        "volume": _ratio_score(float(row.get("exchanges_per_active_day") or 0.0), baseline.per_day_p50, VOLUME_FULL_RATIO),
        "output": _ratio_score(float(row.get("output_per_exchange") or 0.0), baseline.output_p50, OUTPUT_FULL_RATIO),
        "round_the_clock": float(row.get("quiet_ratio") or 0.0),
        "regularity": float(row.get("coverage") or 0.0) * float(row.get("steadiness") or 0.0),
        "systematic": min(1.0, systematic_exchanges / exchanges) if exchanges > 0 else 0.0,
    }


def operator_likeness(parts: dict[str, float]) -> float:
    return float(sum(parts[c] for c in COMPONENTS) / len(COMPONENTS))


def score_accounts(
    rows: Iterable[dict[str, Any]],
    baseline: Baseline,
    systematic: dict[str, float],
) -> dict[str, tuple[float, dict[str, float]]]:
    """account_id -> (operator_likeness, components), for accounts with any exchange:
    an account that sent nothing in the data (not yet active, or rotated out before
    the window) has no behaviour to judge and is left out, not scored 0."""
    out: dict[str, tuple[float, dict[str, float]]] = {}
    for row in rows:
        if not row.get("exchanges"):
            continue
        parts = components(row, baseline, systematic.get(row["account_id"], 0.0))
        out[row["account_id"]] = (operator_likeness(parts), parts)
    return out


def median(values: Iterable[float]) -> float:
    arr = np.asarray(list(values), dtype=float)
    return float(np.median(arr)) if len(arr) else 0.0
