"""The evidence panel: why detection flagged a ring, from the JSON text it stored.

Detection decides the evidence's shape; this renders any JSON as plain facts and
tables (never as HTML or Markdown from the data), with sentences first when the
evidence carries them.
"""
from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from ringscope import display, domain

from . import ui

#: Keys whose text is a sentence explaining the ring (shown first, as text).
_SENTENCE_KEYS = ("summary", "explanation", "why", "reason", "reasons", "headline")


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str, ensure_ascii=False)
    return value


def _table(rows: list[Any]) -> pd.DataFrame:
    if rows and all(isinstance(r, dict) for r in rows):
        frame = pd.DataFrame([{k: _cell(v) for k, v in r.items()} for r in rows])
    else:
        frame = pd.DataFrame({"value": [_cell(r) for r in rows]})
    for col in frame.columns:  # one type per column, or Arrow refuses it
        if len({type(v) for v in frame[col] if v is not None}) > 1:
            frame[col] = frame[col].map(lambda v: None if v is None else str(v))
    return frame


def split(evidence: Any) -> tuple[list[str], list[tuple[str, Any]], list[tuple[str, list[Any]]]]:
    """Sentences, scalar facts (dotted keys for nested maps) and tables (lists of records)."""
    sentences: list[str] = []
    facts: list[tuple[str, Any]] = []
    tables: list[tuple[str, list[Any]]] = []

    def walk(prefix: str, value: Any, depth: int) -> None:
        if isinstance(value, dict):
            if depth >= 3:
                facts.append((prefix, _cell(value)))
                return
            for k, v in value.items():
                name = f"{prefix}.{k}" if prefix else str(k)
                if str(k).lower() in _SENTENCE_KEYS and isinstance(v, str):
                    sentences.append(v)
                elif str(k).lower() in _SENTENCE_KEYS and isinstance(v, list) and all(isinstance(x, str) for x in v):
                    sentences.extend(v)
                else:
                    walk(name, v, depth + 1)
        elif isinstance(value, list):
            if value and any(isinstance(v, (dict, list)) for v in value):
                tables.append((prefix or "evidence", value))
            else:
                facts.append((prefix or "evidence", ", ".join(str(v) for v in value)))
        else:
            facts.append((prefix or "evidence", value))

    if isinstance(evidence, str):
        sentences.append(evidence)
    elif evidence is not None:
        walk("", evidence, 0)
    return sentences, facts, tables


def signal_rows(evidence: Any) -> list[dict[str, Any]]:
    """Detection's per-signal evidence (`signals: {name: {identifiers, links_supported, top}}`)
    as one row per signal, with its strongest shared identifiers."""
    signals = evidence.get("signals") if isinstance(evidence, dict) else None
    if not isinstance(signals, dict):
        return []
    rows = []
    for name, info in signals.items():
        if not isinstance(info, dict):
            continue
        top = info.get("top") if isinstance(info.get("top"), list) else []
        shown = []
        for item in top[:5]:
            if isinstance(item, dict) and "id" in item:
                members, accounts = item.get("members"), item.get("accounts")
                count = f"{members} of the ring" if members is not None else ""
                if accounts is not None and accounts != members:
                    count += f", {accounts} in all"
                shown.append(f"{item['id']} ({count})" if count else str(item["id"]))
        rows.append({"signal": domain.signal_title(str(name)), "identifiers shared": info.get("identifiers"),
                     "links supported": info.get("links_supported"), "strongest shared identifiers": "; ".join(shown),
                     "code name": str(name)})
    return rows


def summary_sentence(evidence: Any) -> str | None:
    """`summary: {members, strong_links, behaviour, coordination, exchanges, created_first, ...}` in words."""
    s = evidence.get("summary") if isinstance(evidence, dict) else None
    if not isinstance(s, dict):
        return None
    parts = []
    if s.get("members") is not None:
        parts.append(f"{s['members']} accounts joined by {s.get('strong_links', '?')} strong links")
    if s.get("coordination") is not None or s.get("behaviour") is not None:
        parts.append(f"coordination {s.get('coordination', '?')}, operator-like behaviour {s.get('behaviour', '?')}")
    if s.get("created_first"):
        parts.append(f"signed up between {display.when(s['created_first'])} and "
                     f"{display.when(s.get('created_last') or s['created_first'])}")
    if s.get("exchanges") is not None:
        parts.append(f"{s['exchanges']:,} exchanges" if isinstance(s["exchanges"], int) else f"{s['exchanges']} exchanges")
    orgs = s.get("declared_orgs")
    if isinstance(orgs, dict) and orgs:
        parts.append("declared orgs: " + ", ".join(f"{k} ({v})" for k, v in orgs.items()))
    return "; ".join(parts) + "." if parts else None


def render_headline(summary: dict[str, Any]) -> None:
    """Signals and the one-sentence summary: text only, shown above the graph."""
    signals = summary.get("signals") or []
    if signals:
        # plain words; the code names (Ring.signals, the stored queries) in the tooltip
        st.markdown("Signals: " + " · ".join(f"**{ui.md(domain.signal_title(s))}**" for s in signals),
                    help="Code names: " + ", ".join(ui.md(s) for s in signals))
    evidence = summary.get("evidence_parsed")
    sentence = summary_sentence(evidence)
    if sentence:
        st.markdown(ui.md(sentence))
    for text in split(evidence)[0]:
        st.markdown("- " + ui.md(text))


def render(summary: dict[str, Any]) -> None:
    """The evidence in detail: per-signal table, facts, other tables, the stored JSON."""
    evidence = summary.get("evidence_parsed")
    sentence = summary_sentence(evidence)
    rows = signal_rows(evidence)
    if rows:
        st.dataframe(ui.table(pd.DataFrame(rows)), hide_index=True, width="stretch")
    if isinstance(evidence, dict) and (sentence or rows):
        # what the dedicated views above showed is not repeated as raw facts
        evidence = {k: v for k, v in evidence.items() if not (k == "summary" and sentence) and not (k == "signals" and rows)}
    _, facts, tables = split(evidence)
    base = [
        ("first sign-up", summary.get("first_signup")),
        ("last sign-up", summary.get("last_signup")),
        ("last exchange", summary.get("last_exchange")),
        ("detected at", summary.get("detected_at")),
        ("detection version", summary.get("detection_version")),
    ]
    shared = summary.get("shared") or []
    base += [(f"shared {s['kind']} identifiers", s["identifiers"]) for s in shared]
    rows = [(k, display.when(v)) for k, v in base if v not in (None, "")] + [(k, display.when(v)) for k, v in facts]
    if rows:
        st.dataframe(ui.table(pd.DataFrame([{"fact": k, "value": "" if v is None else str(v)} for k, v in rows])),
                     hide_index=True, width="stretch")
    for name, records in tables:
        st.markdown(f"**{ui.md(name)}**")
        st.dataframe(ui.table(_table(records)), hide_index=True, width="stretch")
    stored = summary.get("evidence_parsed")
    if stored is None:
        st.caption("Detection stored no evidence for this ring.")
    else:
        with st.expander("Evidence as stored (JSON)"):
            st.json(stored if not isinstance(stored, str) else {"evidence": stored}, expanded=2)
