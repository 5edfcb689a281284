"""Why an account is, or is not, in a ring: `explain_accounts` (`ringscope explain`).

For each account: the identifiers it shares (per signal family, with how many
accounts share each and what that weighs), its strongest links (one score per
family, and whether the link is strong), its behaviour, and a verdict:

- ``ring``        it is a member: the ring's evidence (`evidence.Evidence`) and its
                  own ties to the other members;
- ``attached``    a member the ring's own card or device brought in after judging
                  (`attach`): which identifier, and how many of its users are the ring's;
- ``peeled``      its links reach a candidate group but it is tied to the members by
                  less than `min_member_tie` identifiers' worth;
- ``group``       its group was judged and fell short of the threshold: the evidence
                  per family and what it lacked;
- ``weak_links``  it has links, none strong (below `strong_link`, or made by one
                  confirming family alone: addresses, stems, bursts);
- ``known_good``  an investigator marked it known-good (`verdicts`): never a member;
- ``no_links``    it shares nothing with another account that a signal counts;
- ``unknown``     the id is not in the graph's signals at all (not an account, or one
                  with no shared identifier).

Reusable: `explain(account_ids, result)` takes a `pipeline.DetectionResult` (the app
can keep one), `explain_accounts(ids, settings)` runs detection without writing.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..config import Settings
from .evidence import member_ties
from .registry import CONFIRMING_FAMILIES, FAMILIES, signal_of
from .rings import RingParams, strong_mask

TOP_LINKS = 5
TOP_IDENTIFIERS = 5


def explain_accounts(account_ids: Sequence[str], settings: Settings | None = None) -> list[dict[str, Any]]:
    """Run detection without writing and explain each account (see the module)."""
    from .pipeline import detect

    result = detect(settings, write=False)
    return explain(account_ids, result)


def explain(account_ids: Sequence[str], result) -> list[dict[str, Any]]:
    """One dict per account id: ``account_id``, ``verdict``, ``reason`` (one
    sentence), ``ring`` (members/evidence when in one), ``group`` (the candidate
    group's evidence when judged), ``identifiers`` (per family: id, accounts,
    weight), ``links`` (top partners with per-family scores), ``behaviour``."""
    index = result.index
    params = result.params.rings if result.params is not None else None
    strong = params.strong_link if params else 0.4
    min_tie = params.min_member_tie if params else 2.0
    ring_of = {a: r for r in result.rings for a in r.members}
    judged_of = {a: j for j in result.judged for a in j.ids}
    exchanges = bool((result.stats.get("data") or {}).get("exchanges"))
    out = []
    for acc in account_ids:
        i = index.get(acc) if index is not None else None
        item: dict[str, Any] = {"account_id": acc}
        beh = result.behaviour.get(acc)
        item["behaviour"] = None if beh is None else {"operator_likeness": round(beh[0], 3),
                                                      **{k: round(v, 3) for k, v in beh[1].items()}}
        if beh is None:  # profiling reads only the members of candidate groups
            item["behaviour_note"] = ("not profiled: only members of a candidate group are" if exchanges
                                      else "no exchanges in the graph")
        if i is None:
            item.update(verdict="unknown", reason="it shares no identifier that a signal counts with another account",
                        identifiers={}, links=[])
            out.append(item)
            continue
        item["identifiers"] = _identifiers(i, result.groups)
        item["links"] = _links(i, result)
        if ("account", acc) in result.verdicts.good:
            who = result.verdicts.by.get(("account", acc)) or "an investigator"
            item.update(verdict="known_good", reason=f"marked known-good by {who}: never a ring member")
            out.append(item)
            continue
        ring = ring_of.get(acc)
        judged = judged_of.get(acc)
        attached = ring.evidence.get("attached", {}).get(acc) if ring is not None else None
        if attached is not None:
            ev = ring.evidence.get("decision", {})
            item.update(verdict="attached", reason=(
                f"brought into a ring of {ring.size} by its {attached['family']} {attached['identifier']}: "
                f"{attached['inside']} of that identifier's {attached['accounts']} accounts are the ring's members, "
                f"so the ring owns it (the ring itself stands on evidence {ev.get('total')} >= {ev.get('threshold')})"),
                ring={"members": ring.size, "score": ring.score, "signals": ring.signals, "decision": ev},
                attached=attached)
        elif ring is not None:
            ev = ring.evidence.get("decision", {})
            item.update(verdict="ring", reason=(
                f"member of a ring of {ring.size}: evidence {ev.get('total')} >= {ev.get('threshold')} "
                f"(structure {ev.get('structure')}, behaviour {ev.get('behaviour')}; kinds: {', '.join(ev.get('kinds', []))})"),
                ring={"members": ring.size, "score": ring.score, "signals": ring.signals, "decision": ev},
                tie=_tie(i, judged, result) if judged is not None else None)
        elif judged is not None:
            ev = judged.evidence
            lacking = [f"{f}: {d['identifiers']:.0f} shared, redundancy {d['redundancy']:.2f} gives {d['evidence']:.2f}"
                       for f, d in ev.families.items() if d.get("evidence", 0.0) < 0.5 and f in FAMILIES]
            item.update(verdict="group", reason=(
                f"in a group of {len(judged.ids)} whose evidence {ev.total:.2f} is under the threshold {ev.threshold:.2f} "
                f"(structure {ev.structure:.2f}, behaviour {ev.behaviour_evidence:.2f}): {_short_of(ev)}"),
                group={"members": len(judged.ids), "decision": ev.as_dict(), "weak_families": lacking})
        else:
            strong_partners = [x for x in item["links"] if x["strong"]]
            near = _nearest_group(i, result)
            if near is not None:
                j, tie = near
                item.update(verdict="peeled", reason=(
                    f"linked to a candidate group of {len(j.ids)} but tied to its members by identifiers worth "
                    f"{tie:.2f} < {min_tie} (two independent identifiers, such as a card and a device)"),
                    group={"members": len(j.ids), "is_ring": j.evidence.is_ring, "decision": j.evidence.as_dict()})
            elif strong_partners:
                around = np.array([i] + [result.index.get(x["account_id"]) for x in strong_partners], dtype=np.int64)
                tie = float(member_ties([around], result.groups, len(result.index))[i])
                item.update(verdict="weak_links", reason=(
                    f"{len(strong_partners)}{' or more' if len(strong_partners) == TOP_LINKS else ''} strong link(s), but no group of {params.min_size if params else 3} or more "
                    f"survived around it: split off at a clean cut, or peeled (its identifiers tie it to its strong "
                    f"partners by {tie:.2f}, {'under' if tie < min_tie else 'not under'} the {min_tie} a member needs)"))
            elif item["links"]:
                best = item["links"][0]
                item.update(verdict="weak_links", reason=_weak_reason(best, strong, params.min_networks_alone if params else 0,
                                                                      params.start_floor if params else 0.0))
            else:
                item.update(verdict="no_links", reason="it shares identifiers, but with no account a signal pairs it with")
        out.append(item)
    return out


def _short_of(ev) -> str:
    """Why a judged group's evidence (`evidence.Evidence`) is not a ring's, in words:
    nothing beyond ordinary sharing, one kind of evidence alone (the rule never lets one
    carry a ring, however strong), or several kinds that together fall short."""
    other = {"behaviour": ev.behaviour_evidence, "marks": ev.marks}
    kinds = [(k, other[k] if k in other else ev.families[k]["evidence"]) for k in ev.kinds]
    if not kinds:
        return ("nothing its members share goes beyond what a household, team or class explains "
                "(one card, one device, one burst, one template, two networks), and its behaviour is not script-like")
    named = ", ".join(f"{f} {e:.2f}" for f, e in kinds)
    if len(kinds) == 1:
        return (f"it has one kind of evidence ({named}), and one kind alone never makes a ring however strong: "
                "it needs a second family or script-like behaviour")
    return f"its kinds of evidence ({named}) fall {_short(ev.threshold - ev.total)} short together"


def _shown(value: float, faithful) -> str:
    """`value` to two decimals, or as many more (up to six) as it takes for the rounded
    text to keep `faithful(rounded)` true."""
    for digits in range(2, 7):
        text = f"{value:.{digits}f}"
        if faithful(float(text)):
            return text
    return repr(value)


def _under(value: float, bar: float) -> str:
    """`value`, never rounded up to `bar` when it is under it (a field report: "its
    strongest link (0.40, ...) is under the threshold 0.4", the link being 0.399)."""
    return _shown(value, lambda rounded: value >= bar or rounded < bar)


def _short(gap: float) -> str:
    """How far under a threshold, never shown as 0.00 while it is short at all."""
    return _shown(gap, lambda rounded: gap <= 0 or rounded > 0)


def _weak_reason(best: dict[str, Any], strong: float, min_networks: int = 0, start_floor: float = 0.0) -> str:
    """Why an account's strongest link is not strong: under the threshold, or made
    by one confirming family alone (registry ``confirms_only``; for addresses, on
    fewer than `min_networks` networks or between two accounts whose template
    mixes were compared: `rings.RingParams.min_networks_alone`), beside starting
    families too faint to start it (under `start_floor`)."""
    head = f"its strongest link ({_under(best['total'], strong)}, to {best['account_id']}) "
    if best["total"] < strong:
        return head + f"is under the strong-link threshold {strong}"
    faint = {f: v for f, v in best["families"].items() if f not in CONFIRMING_FAMILIES and v < start_floor}
    families = sorted(f for f in best["families"] if f not in faint)
    named = ", ".join(f"{f} {v:.2f}" for f, v in sorted(faint.items()))
    if not families:
        return head + f"is made of families each too faint to start a link ({named}; each needs {start_floor})"
    reason = head + (f"comes from {', '.join(families)} alone, which only confirms a link that a card, device "
                     "or template mix starts (strangers share addresses and name stems by chance)")
    if faint:
        reason += f"; {named} {'is' if len(faint) == 1 else 'are'} under the {start_floor} a family needs to start a link"
    if min_networks and families == ["ip"]:
        reason += (f"; addresses alone make a link on {min_networks} or more networks between accounts without "
                   f"template mixes to compare (this pair: {best.get('networks', 0)} network(s)"
                   f"{', both send templates' if best.get('mixed') else ''})")
    return reason


def _identifiers(i: int, groups) -> dict[str, list[dict[str, Any]]]:
    by_family: dict[str, list[dict[str, Any]]] = {}
    for g in groups:
        if g.size < 2 or g.family not in FAMILIES or i not in g.members:
            continue
        by_family.setdefault(g.family, []).append({
            "id": g.identifier, "accounts": int(g.meta.get("accounts") or g.size), "weight": round(g.weight, 3),
            "character": round(g.character, 3), "signal": signal_of(g.family).query})
    for fam, items in by_family.items():
        items.sort(key=lambda x: (x["accounts"], x["id"]))
        by_family[fam] = items[:TOP_IDENTIFIERS] + ([{"more": len(items) - TOP_IDENTIFIERS}] if len(items) > TOP_IDENTIFIERS else [])
    return by_family


def _strong(result) -> np.ndarray:
    """Which of the result's pairs are strong links, by the rule grouping used."""
    return strong_mask(result.pairs, result.params.rings if result.params else RingParams())


def _links(i: int, result) -> list[dict[str, Any]]:
    pairs = result.pairs
    if pairs is None or len(pairs) == 0:
        return []
    mask = (pairs.a == i) | (pairs.b == i)
    if not mask.any():
        return []
    other = np.where(pairs.a[mask] == i, pairs.b[mask], pairs.a[mask])
    scores = pairs.scores[mask]
    total = scores.sum(axis=1)
    is_strong = _strong(result)[mask]
    order = np.argsort(-total)[:TOP_LINKS]
    networks = pairs.networks[mask] if pairs.networks is not None else np.zeros(len(other), np.int32)
    mixed = pairs.mixed[mask] if pairs.mixed is not None else np.zeros(len(other), bool)
    return [{"account_id": result.index.ids[int(other[k])], "total": round(float(total[k]), 3), "strong": bool(is_strong[k]),
             "families": {f: round(float(v), 3) for f, v in zip(FAMILIES, scores[k]) if v > 0},
             "networks": int(networks[k]), "mixed": bool(mixed[k])} for k in order]


def _tie(i: int, judged, result) -> float:
    tie = member_ties([judged.members], result.groups, len(result.index))
    return round(float(tie[i]), 3)


def _nearest_group(i: int, result):
    """The judged group this account has the most strong links into, and its tie."""
    pairs = result.pairs
    if pairs is None or not result.judged:
        return None
    mask = ((pairs.a == i) | (pairs.b == i)) & _strong(result)
    if not mask.any():
        return None
    others = set(np.where(pairs.a[mask] == i, pairs.b[mask], pairs.a[mask]).tolist())
    best = None
    for j in result.judged:
        k = len(others & set(j.members.tolist()))
        if k and (best is None or k > best[1]):
            best = (j, k)
    if best is None:
        return None
    j = best[0]
    tie = member_ties([np.append(j.members, i)], result.groups, len(result.index))
    return j, float(tie[i])
