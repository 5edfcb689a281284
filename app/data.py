"""What the pages read, through stored queries only, cached per parameters.

Every reader returns plain Python (pandas frames, lists, dicts with ISO text for
times) so results can be cached and rendered without touching driver types. Reads
that investigators change (ring queue, summary, members, history) are cached
briefly and cleared after every tag the app writes (`clear_ring_caches`).
"""
from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from ringscope import db, domain
from ringscope import search as search_logic
from ringscope.config import load_settings

from .graph_view import (KINDS, GEdge, GNode, GraphTexts, graph_from_maps, graph_from_values, graph_texts, node_id,
                         plain, ring_view_layout)

#: Short-lived cache for data investigators change; long for data only ingest changes.
_TAGGED_TTL = 30
_GRAPH_TTL = 600


#: links a ring view draws at most: vis-network draws ~4,000 links in a few hundred ms on a
#: laptop-class CPU; a ring whose members all share dozens of templates would otherwise send tens
#: of thousands (34,809 for the incident world's largest ring at 500 members).
RING_GRAPH_MAX_LINKS = 4000


# Every read here is made for a person waiting on a page: `interactive=True` makes the
# runner fail within seconds with "cannot reach Neo4j at ..." when the server is down.


def _read(name: str, params: dict[str, Any] | None = None, **kw) -> list[dict[str, Any]]:
    return [plain(row) for row in db.run(name, params or {}, mode=db.READ, settings=load_settings(), interactive=True, **kw)]


def _read_graph(name: str, params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return db.run_graph(name, params, settings=load_settings(), interactive=True)


def _frame(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns) if columns else pd.DataFrame(rows)
    for col in frame.columns:
        if col in {"created_at", "first_activity", "last_activity", "detected_at", "first_exchange",
                   "last_exchange", "at", "bucket", "day", "first_signup", "last_signup"}:
            frame[col] = pd.to_datetime(frame[col], utc=True, errors="coerce", format="ISO8601")
    return frame


# --------------------------------------------------------------------------- triage


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def ring_queue(statuses: tuple[str, ...] = (), min_score: float = 0.0, signal: str = "", label: str = "",
               limit: int = 200, include_retired: bool = False) -> pd.DataFrame:
    rows = _read("ring_queue", queue_params(statuses, min_score, signal, label, limit, include_retired))
    frame = _frame(rows, ["ring_id", "score", "size", "signals", "status", "labels", "assignee", "exchanges", "tokens",
                          "first_activity", "last_activity", "detected_at"])
    return frame


def queue_params(statuses, min_score, signal, label, limit, include_retired=False) -> dict[str, Any]:
    return {"statuses": list(statuses), "min_score": float(min_score), "signal": signal or "",
            "label": label or "", "include_retired": bool(include_retired), "limit": int(limit)}


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def ring_filter_options() -> dict[str, Any]:
    rows = _read("ring_filter_options")
    if not rows:
        return {"total": 0, "max_score": 0.0, "signals": [], "labels": []}
    row = rows[0]
    return {"total": row["total"], "max_score": row["max_score"] or 0.0,
            "signals": [s["value"] for s in row["signals"]], "labels": [s["value"] for s in row["labels"]]}


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def ring_summary(ring_id: str) -> dict[str, Any] | None:
    rows = _read("ring_summary", {"ring_id": ring_id})
    if not rows:
        return None
    row = rows[0]
    row["evidence_parsed"] = parse_evidence(row.get("evidence"))
    return row


def parse_evidence(text: Any) -> Any:
    """Detection's evidence is JSON text; anything else is shown as the text it is."""
    return None if text is None or text == "" else domain.decode_json(text)


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def ring_members(ring_id: str, include_removed: bool = False, skip: int = 0, limit: int = 500) -> pd.DataFrame:
    rows = _read("ring_members", {"ring_id": ring_id, "include_removed": include_removed, "skip": skip, "limit": limit})
    return _frame(rows, ["account_id", "display_name", "email", "created_at", "country", "org_id", "tier",
                         "exchanges", "tokens", "first_exchange", "last_exchange", "member_score", "added_by",
                         "removed"])


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False, max_entries=64)
def ring_case(ring_id: str) -> list[tuple[str, str | None, bool]]:
    """(account_id, added_by, removed) of every account the ring's case holds or held: what the
    ring graph marks accounts by on every run (ring_case reads three values per account; the
    members table's query, with its times, cost ~2 s of CPU for a 900-account ring)."""
    return [(str(r["account_id"]), r["added_by"], bool(r["removed"])) for r in _read("ring_case", {"ring_id": ring_id})]


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def ring_signups(ring_id: str, bucket: str = "day") -> pd.DataFrame:
    return _frame(_read("ring_signups", {"ring_id": ring_id, "bucket": bucket}), ["bucket", "signups"])


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def ring_daily_exchanges(ring_id: str) -> pd.DataFrame:
    return _frame(_read("ring_daily_exchanges", {"ring_id": ring_id}), ["day", "exchanges", "active_accounts"])


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def ring_hour_profile(ring_id: str) -> pd.DataFrame:
    return _frame(_read("ring_hour_profile", {"ring_id": ring_id}), ["hour", "exchanges"])


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def recent_audit_events(by: str = "", action: str = "", limit: int = 200) -> pd.DataFrame:
    return _frame(_read("recent_audit_events", {"by": by, "action": action, "limit": limit}),
                  ["at", "by", "ring_id", "action", "before", "after", "event_id"])


def ring_graph_params(ring_id: str, max_members: int = 250, max_identifiers: int = 250, min_shared: int = 2,
                      max_per_kind: int = 50, max_links: int = RING_GRAPH_MAX_LINKS) -> dict[str, Any]:
    return {"ring_id": ring_id, "min_shared": int(min_shared), "max_members": int(max_members),
            "max_identifiers": int(max_identifiers), "max_per_kind": int(max_per_kind), "max_links": int(max_links)}


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False, max_entries=64)
def ring_graph(ring_id: str, max_members: int = 250, max_identifiers: int = 250, min_shared: int = 2,
               max_per_kind: int = 50, max_links: int = RING_GRAPH_MAX_LINKS) -> tuple[dict[str, GNode], dict[str, GEdge], int]:
    """Members and shared identifiers of a ring as graph nodes and edges, and how many
    qualifying identifiers were left out to keep within the link budget."""
    return read_ring_graph(ring_graph_params(ring_id, max_members, max_identifiers, min_shared, max_per_kind, max_links))


@st.cache_resource(ttl=_TAGGED_TTL, max_entries=32, show_spinner=False)
def ring_view(ring_id: str, max_members: int = 250, max_identifiers: int = 250, min_shared: int = 2,
              max_per_kind: int = 50) -> tuple[dict[str, GNode], dict[str, GEdge], int, dict[str, tuple[float, float]],
                                               frozenset[str], GraphTexts]:
    """A ring view's graph (`ring_graph`) with its layout, the nodes whose label fits
    (graph_view.ring_view_layout) and its labels and tooltips (graph_texts), built once for every session that opens the ring with these
    parameters: eight investigators on one ring cost one query and one layout, not eight.
    Shared, so read-only: GraphState copies the dicts it changes and never changes a node or
    an edge. Kept briefly (cleared with the ring caches after a tag)."""
    nodes, edges, left_out = ring_graph(ring_id, max_members, max_identifiers, min_shared, max_per_kind)
    positions, labelled = ring_view_layout(nodes, edges.values())
    return nodes, edges, left_out, positions, frozenset(labelled), graph_texts(nodes, edges)


def read_ring_graph(params: dict[str, Any]) -> tuple[dict[str, GNode], dict[str, GEdge], int]:
    # raw record values: no per-value transform of thousands of links
    keys, rows = _read_graph("ring_graph", params)
    if not rows:
        return {}, {}, 0
    row = dict(zip(keys, rows[0]))
    nodes, edges = graph_from_maps(row["members"] + row["identifiers"], row["links"])
    return nodes, edges, int(row["left_out"] or 0)


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False, max_entries=1024)
def mark_of(label: str, key: str) -> Any:
    """The mark of the node `label`/`key` (ringscope.marks.Mark), None when unmarked or when
    nodes of that label cannot be marked; cleared by clear_mark_caches after a mark is saved."""
    from ringscope import marks

    kind = marks.kind_of_label(label)
    return marks.mark_of(kind, key) if kind else None


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False, max_entries=256)
def marks_by_id(mark_ids: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """mark id -> (verdict, description) for the marked ones among `mark_ids` (the nodes on a
    graph: one round trip for all of them); cleared by clear_mark_caches after a mark is saved."""
    from ringscope import marks

    return {mid: (m.verdict, m.describe()) for mid, m in marks.marks_by_id(list(mark_ids)).items()}


#: Seconds a graph on screen trusts the marks it looked up (marks saved in this app apply at
#: once, see marks_generation; this bounds how long another investigator's take).
MARKS_TTL = _TAGGED_TTL
_marks_generation = [0]


def marks_generation() -> int:
    """Bumped whenever this app saves a mark (clear_mark_caches): graphs look their marks up again."""
    return _marks_generation[0]


def clear_mark_caches() -> None:
    mark_of.clear()
    marks_by_id.clear()
    _marks_generation[0] += 1


def clear_ring_caches() -> None:
    """After a tag: the queue, summary, members, graph and history show the change at once."""
    for reader in (ring_queue, ring_filter_options, ring_summary, ring_members, ring_case, ring_signups,
                   ring_daily_exchanges, ring_hour_profile, recent_audit_events, ring_graph, ring_view, entity):
        reader.clear()


# --------------------------------------------------------------------------- exploration


def neighbourhood(kind: str, key: str, skip: int, limit: int, after: str = "",
                  link: str = "") -> tuple[list[GNode], list[GEdge], int]:
    """One page of a node's neighbours, in the query's order (GraphState's fetch): an account's
    evidence first (the kinds it has fewest of, the most shared first); with `link`, only its
    identifiers over that relationship type. Not cached: pages are cheap and an investigator
    expects what the graph holds now."""
    _, rows = _read_graph("neighbourhood", {"kind": kind, "key": key, "skip": int(skip), "limit": int(limit),
                                            "after": str(after), "link": str(link)})
    if not rows:
        return [], [], (0 if link else _neighbour_total(kind, key))
    nodes, edges = graph_from_values(v for row in rows for v in row[:3])
    centre = node_id(kind, key)
    neighbours = [n for nid, n in nodes.items() if nid != centre]
    return neighbours, list(edges.values()), int(rows[0][3])


def _neighbour_total(kind: str, key: str) -> int:
    found = entity(kind, key)
    return found["total"] if found else 0


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False, max_entries=256)
def entity(kind: str, key: str) -> dict[str, Any] | None:
    """The node, its relationship counts by type and the rings it is part of; None when absent."""
    if kind not in KINDS:
        return None
    keys, rows = _read_graph("entity_lookup", {"kind": kind, "key": key})
    if not rows:
        return None
    row = dict(zip(keys, rows[0]))
    nodes, _ = graph_from_values([row["n"]])
    node = nodes.get(node_id(kind, key))
    links = plain(row["links"])
    return {"node": node, "kind": row["kind"], "links": links, "total": sum(link["links"] for link in links),
            "rings": plain(row["rings"]), "rings_listed": bool(row["rings_listed"])}


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def account_rings(account_id: str) -> pd.DataFrame:
    return _frame(_read("account_rings", {"account_id": account_id}),
                  ["ring_id", "ring_score", "status", "member_score", "added_by", "removed"])


def shortest_path(from_account: str, to_account: str, skip_kinds: list[str],
                  max_accounts: int = 5000) -> tuple[dict[str, GNode], dict[str, GEdge], int | None]:
    keys, rows = _read_graph("shortest_path", {"from_account": from_account, "to_account": to_account,
                                               "skip_kinds": list(skip_kinds), "max_accounts": int(max_accounts)})
    if not rows:
        return {}, {}, None
    nodes, edges = graph_from_values(rows[0])
    return nodes, edges, int(dict(zip(keys, rows[0]))["hops"])


@st.cache_data(ttl=_GRAPH_TTL, show_spinner=False)
def missing_accounts(account_ids: tuple[str, ...]) -> list[str]:
    """The ids of `account_ids` that are no account in the graph (a typo), in the order given."""
    present = {r["account_id"] for r in _read("accounts_present", {"account_ids": list(account_ids)})}
    return [a for a in account_ids if a not in present]


@st.cache_data(ttl=_GRAPH_TTL, show_spinner=False)
def shared_identifiers(account_ids: tuple[str, ...], min_accounts: int = 2) -> pd.DataFrame:
    return _frame(_read("shared_identifiers", {"account_ids": list(account_ids), "min_accounts": int(min_accounts)}),
                  ["kind", "key", "shared_by", "accounts"])


# --------------------------------------------------------------------------- search

# The search logic lives in ringscope/search.py (no Streamlit) so the CLI can reuse it;
# these names stay here for the pages.
SEARCH_KINDS = search_logic.SEARCH_KINDS
SEARCH_COLUMNS = search_logic.SEARCH_COLUMNS
guess_search_kinds = search_logic.guess_search_kinds
cidr_params = search_logic.cidr_params
search_params = search_logic.search_params
malformed_address = search_logic.malformed_address


@st.cache_data(ttl=_TAGGED_TTL, show_spinner=False)
def search(kind: str, text: str, limit: int = 50) -> pd.DataFrame:
    """Hits of one search kind (ringscope.search.search) as a frame of SEARCH_COLUMNS."""
    rows = [plain(row) for row in search_logic.search(kind, text, limit, settings=load_settings(), interactive=True)]
    return pd.DataFrame(rows, columns=SEARCH_COLUMNS)


#: Hits per search kind at most (each kind's stored query takes it as $limit).
SEARCH_LIMIT = 50


def search_all(text: str, kinds: list[str], limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    frames = [search(kind, text, limit) for kind in kinds]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=SEARCH_COLUMNS)
    return pd.concat(frames, ignore_index=True).drop_duplicates(subset=["kind", "key"]).reset_index(drop=True)


def full_searches(text: str, kinds: list[str], limit: int = SEARCH_LIMIT) -> list[str]:
    """The kinds whose search stopped at `limit` hits (there may be more); cached like search_all."""
    return [kind for kind in kinds if len(search(kind, text, limit)) >= limit]


# --------------------------------------------------------------------------- console


def run_console(cypher: str, params: dict[str, Any], *, timeout: float, max_rows: int) -> tuple[list[str], list[list[Any]], bool]:
    """An analyst's query: planned and vetted, then run in a READ transaction with a
    server-side time limit and a row cap (`ringscope.console.run_console`). Returns keys,
    driver rows (nodes kept) and whether rows were cut."""
    from ringscope import console

    return console.run_console(cypher, params, timeout=timeout, max_rows=max_rows, settings=load_settings())


def console_cell(value: Any) -> Any:
    """A driver value as table text: nodes as `(:Label {key})`, relationships as `[:TYPE]`."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        labels = ":".join(sorted(value.labels))
        kind = next((label for label in value.labels if label in KINDS), None)
        key = dict(value).get(KINDS[kind].key) if kind else None
        return f"(:{labels} {key})" if key is not None else f"(:{labels} {json.dumps(plain(dict(value)), default=str)[:200]})"
    if isinstance(value, Relationship):
        return f"[:{value.type}]"
    if isinstance(value, Path):
        return " ".join(str(console_cell(n)) for n in value.nodes)
    if isinstance(value, (list, tuple)):
        return json.dumps([console_cell(v) for v in value], default=str)
    if isinstance(value, dict):
        return json.dumps({k: console_cell(v) for k, v in value.items()}, default=str)
    value = plain(value)
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def console_frame(keys: list[str], rows: list[list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame([[console_cell(v) for v in row] for row in rows], columns=keys)
    # mixed types in one column break Arrow: show such columns as text
    for col in frame.columns:
        types = {type(v) for v in frame[col] if v is not None}
        if len(types) > 1:
            frame[col] = frame[col].map(lambda v: None if v is None else str(v))
    return frame


def detection_state() -> dict[str, Any]:
    """The graph's account and relationship counts and its latest detection run (id,
    finish time): what a detection result kept by the app depends on (`why_panel`)."""
    rows = _read("detection_state")
    return rows[0] if rows else {}
