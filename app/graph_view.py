"""The investigator's graph: query results -> nodes and edges -> what vis-network draws.

Plain Python, no Streamlit, so every rule here has a unit test:

* a node is identified by its label and key (`Account:acc-1`), never by a
  database-internal id, so the same account found by two queries is one node;
* only the kinds of ringscope/domain.py are drawn (`KINDS`); a label or a
  relationship type never comes from input;
* every string from the data reaches the browser as *text*: labels are drawn on
  a canvas and tooltips are built by the component with `textContent` (pyvis's
  own HTML template is not used: it sets popups with `innerHTML` and its iframe
  cannot report a click back);
* positions are computed here (`layout`, Fruchterman-Reingold on numpy arrays), so
  the browser never runs physics on hundreds of nodes;
* `GraphState` is the expand / collapse / "show more" bookkeeping kept in
  `st.session_state`: collapsing a node removes exactly what its expansion added.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ringscope import display, domain


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class NodeKind:
    label: str
    key: str
    title: str
    colour: str
    shape: str
    size: int


#: How the app draws each kind of node (colour, shape, size): the kinds themselves (label,
#: key, title) are declared in ringscope/domain.py.
_STYLE: dict[domain.Kind, tuple[str, str, int]] = {
    domain.ACCOUNT: ("#4e79a7", "dot", 12),
    domain.INSTRUMENT: ("#e15759", "diamond", 16),
    domain.DEVICE: ("#f28e2b", "square", 14),
    domain.IP: ("#59a14f", "triangle", 14),
    domain.TEMPLATE: ("#b07aa1", "star", 18),
    domain.EMAIL_DOMAIN: ("#9c755f", "hexagon", 16),
    domain.ORG: ("#76b7b2", "box", 14),
    domain.RING: ("#edc948", "ellipse", 20),
}

#: The node labels the app draws, with the property that identifies each (domain.py).
KINDS: dict[str, NodeKind] = {k.label: NodeKind(k.label, k.key, k.title, *_STYLE[k]) for k in domain.KINDS.values()}

#: The identity relationships between accounts and identifiers, as they read (declared in domain.py).
LINK_TYPES = domain.LINK_TITLES

#: Relationship properties worth showing in an edge tooltip, in this order.
_EDGE_FIELDS = ("count", "logins", "exchanges", "input_tokens", "output_tokens", "first_seen", "last_seen", "score", "added_by")

#: Node properties shown in a tooltip, per label (domain.py's display fields; others are in
#: the entity view's table).
_NODE_FIELDS = {k.label: k.display_fields for k in domain.KINDS.values()}

LABEL_CHARS = 22
TOOLTIP_VALUE_CHARS = 160


def node_id(kind: str, key: Any) -> str:
    """The drawn id of a node: `Account:acc-1`."""
    if kind not in KINDS:
        raise ValueError(f"not a drawable node kind: {kind!r}")
    return f"{kind}:{key}"


def parse_node_id(value: str) -> tuple[str, str]:
    """`Account:acc-1` -> ("Account", "acc-1"); anything else is refused."""
    kind, sep, key = str(value).partition(":")
    if not sep or kind not in KINDS or key == "":
        raise ValueError(f"not a node id: {value!r}")
    return kind, key


_ZERO_FRACTION = re.compile(r"\.0+(?=$|[+Z-])")


def plain(value: Any) -> Any:
    """A driver value as plain Python: neo4j temporal types become ISO text."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    iso = getattr(value, "iso_format", None)
    if iso is not None:
        # 2025-03-01T02:00:00.000000000+00:00 -> 2025-03-01T02:00:00Z (what people read and paste)
        return _ZERO_FRACTION.sub("", iso()).replace("+00:00", "Z")
    return value


@dataclass
class GNode:
    id: str
    kind: str
    key: str
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class GEdge:
    id: str
    type: str
    source: str
    target: str
    props: dict[str, Any] = field(default_factory=dict)


def _kind_of(labels: Iterable[str]) -> str | None:
    for label in labels:
        if label in KINDS:
            return label
    return None


def node_from_driver(node: Any) -> GNode | None:
    """A driver `Node` as a GNode, or None when it is not a drawable kind."""
    kind = _kind_of(node.labels)
    if kind is None:
        return None
    props = {k: plain(v) for k, v in dict(node).items()}
    key = props.get(KINDS[kind].key)
    if key is None:
        return None
    return GNode(node_id(kind, key), kind, str(key), props)


def edge(rel_type: str, source: str, target: str, props: dict[str, Any] | None = None) -> GEdge:
    """An edge keyed by its ends and type: the same relationship found twice is one edge."""
    return GEdge(f"{source}|{rel_type}|{target}", rel_type, source, target, dict(props or {}))


def graph_from_values(values: Iterable[Any]) -> tuple[dict[str, GNode], dict[str, GEdge]]:
    """Every Node, Relationship and Path in driver values (lists and maps searched too)."""
    from neo4j.graph import Node, Path, Relationship

    nodes: dict[str, GNode] = {}
    edges: dict[str, GEdge] = {}
    seen: dict[str, GNode | None] = {}  # element id -> converted node (a node recurs in many rows)

    def convert(node: Any) -> GNode | None:
        if node.element_id not in seen:
            seen[node.element_id] = node_from_driver(node)
        return seen[node.element_id]

    def visit(value: Any) -> None:
        if isinstance(value, Node):
            n = convert(value)
            if n is not None:
                nodes.setdefault(n.id, n)
        elif isinstance(value, Relationship):
            if value.start_node is None or value.end_node is None:
                return
            start, end = convert(value.start_node), convert(value.end_node)
            if start is None or end is None:
                return
            nodes.setdefault(start.id, start)
            nodes.setdefault(end.id, end)
            e = edge(value.type, start.id, end.id, {k: plain(v) for k, v in dict(value).items()})
            edges.setdefault(e.id, e)
        elif isinstance(value, Path):
            for n in value.nodes:
                visit(n)
            for r in value.relationships:
                visit(r)
        elif isinstance(value, (list, tuple)):
            for v in value:
                visit(v)
        elif isinstance(value, dict):
            for v in value.values():
                visit(v)

    for v in values:
        visit(v)
    return nodes, edges


#: The columns of a link list in ring_graph's result (after account_id, type, label, key).
LINK_FIELDS = ("count", "logins", "exchanges", "first_seen", "last_seen")


def graph_from_maps(nodes: Iterable[dict[str, Any]], links: Iterable[list[Any]]) -> tuple[dict[str, GNode], dict[str, GEdge]]:
    """Nodes as {label, key, props} and links as [account_id, type, label, key, *LINK_FIELDS]
    (what ring_graph returns) as GNodes and GEdges; unknown labels are skipped."""
    out_nodes: dict[str, GNode] = {}
    for n in nodes:
        label, key = n.get("label"), n.get("key")
        if label not in KINDS or key is None:
            continue
        props = {k: v for k, v in (n.get("props") or {}).items() if v is not None}
        props.setdefault(KINDS[label].key, key)
        nid = node_id(label, key)
        out_nodes[nid] = GNode(nid, label, str(key), props)
    out_edges: dict[str, GEdge] = {}
    for account, rel_type, label, key, *values in links:
        if label not in KINDS or account is None or key is None:
            continue
        source, target = node_id("Account", account), node_id(label, key)
        if source in out_nodes and target in out_nodes:
            e = edge(rel_type, source, target, {k: v for k, v in zip(LINK_FIELDS, values) if v is not None})
            out_edges[e.id] = e
    return out_nodes, out_edges


def has_graph_values(rows: Iterable[Iterable[Any]]) -> bool:
    from neo4j.graph import Node, Path, Relationship

    def check(value: Any) -> bool:
        if isinstance(value, (Node, Relationship, Path)):
            return True
        if isinstance(value, (list, tuple)):
            return any(check(v) for v in value)
        if isinstance(value, dict):
            return any(check(v) for v in value.values())
        return False

    return any(check(v) for row in rows for v in row)


# --------------------------------------------------------------------------- display


def short(text: Any, limit: int = LABEL_CHARS) -> str:
    """Text for a canvas label or tooltip: one line, bidi controls shown as `⟨U+202E⟩`
    (ringscope.display), cut to `limit` characters."""
    text = display.neutral(text)
    text = " ".join(text.split())  # no newlines or tabs in a canvas label
    return text if len(text) <= limit else text[: limit - 1] + "…"


def node_label(n: GNode) -> str:
    if n.kind == "PromptTemplate":
        return short(n.key, 14)  # fingerprints are long hashes: the start tells them apart
    return short(n.key)


def node_tooltip(n: GNode) -> str:
    """Plain text, one fact a line. The component renders it with textContent."""
    lines = [f"{KINDS[n.kind].title}: {short(n.key, TOOLTIP_VALUE_CHARS)}"]
    for name in _NODE_FIELDS.get(n.kind, ()):
        value = n.props.get(name)
        if value not in (None, "", []):
            lines.append(f"{name.replace('_', ' ')}: {short(display.when(value), TOOLTIP_VALUE_CHARS)}")
    return "\n".join(lines)


def edge_tooltip(e: GEdge) -> str:
    """One short line (thousands of edges travel to the browser on every change):
    `used IP · 28 exchanges · 2025-03-04 → 2025-03-07`."""
    parts = [LINK_TYPES.get(e.type, e.type.lower().replace("_", " "))]
    for name in ("count", "logins", "exchanges", "score"):
        value = e.props.get(name)
        if value not in (None, ""):
            parts.append(f"{short(value, 12)} {name}")
    first, last = e.props.get("first_seen"), e.props.get("last_seen")
    if first or last:
        parts.append(f"{str(first or '?')[:10]} → {str(last or '?')[:10]}")
    if e.props.get("added_by"):
        parts.append(f"added by {short(e.props['added_by'], 40)}")
    return " · ".join(parts)


def legend(kinds: Iterable[str] | None = None) -> list[dict[str, str]]:
    wanted = list(KINDS) if kinds is None else [k for k in KINDS if k in set(kinds)]
    return [{"kind": k, "title": KINDS[k].title, "colour": KINDS[k].colour, "shape": KINDS[k].shape} for k in wanted]


def _edge_width(e: GEdge) -> float:
    weight = e.props.get("exchanges") or e.props.get("logins") or e.props.get("count") or 1
    try:
        return round(1 + min(4.0, math.log10(max(1.0, float(weight)))), 2)
    except (TypeError, ValueError):
        return 1.0


#: How an account is drawn by its place in the ring's case (ring view only): detection's
#: members as their kind; accounts an investigator added with a thick green border; accounts
#: taken out of the case faded with a dashed border; accounts outside the case (pulled in by
#: an expansion) grey. (label, vis overrides, legend chip border, legend chip opacity)
CASE_STYLES: dict[str, tuple[str, dict[str, Any], str, str]] = {
    "detected": ("in the case (detection)", {}, "", ""),
    "added": ("added to the case by hand", {"borderWidth": 4, "color": {"border": "#1b7f3b"}}, "3px solid #1b7f3b", ""),
    "removed": ("taken out of the case", {"opacity": 0.35, "shapeProperties": {"borderDashes": [4, 3]},
                                          "borderWidth": 2, "color": {"border": "#b00020"}}, "2px dashed #b00020", "0.35"),
    "outside": ("not in this case", {"color": {"background": "#c7c7c7", "border": "#8a8a8a"}}, "", ""),
}


def case_legend(states: Iterable[str]) -> list[dict[str, str]]:
    """Legend entries for the case-membership marks on screen."""
    colour = KINDS["Account"].colour
    wanted = set(states)
    return [{"kind": f"case:{s}", "title": f"account {label}", "shape": "dot",
             "colour": "#c7c7c7" if s == "outside" else colour, "border": border, "opacity": opacity}
            for s, (label, _, border, opacity) in CASE_STYLES.items() if s in wanted]


#: How a marked node is drawn (ringscope.marks: an investigator's verdict on the node itself):
#: a glow round it in the verdict's colour (a channel no kind and no case mark uses, so a
#: known-bad account added by hand still shows both) and a sign before its label, which reads
#: without colour. verdict -> (legend title, label sign, glow colour).
MARK_STYLES: dict[str, tuple[str, str, str]] = {
    "known_bad": ("marked known bad", "\u2717", "#d00000"),    # ✗
    "known_good": ("marked known good", "\u2713", "#1565c0"),  # ✓
}

#: How an expanded node is drawn (a thick dark border), for the legend.
EXPANDED_BORDER = "#111111"


def node_mark_id(n: GNode) -> str | None:
    """The key of the (:Mark) that would mark this node (`device:dev-17`), None for kinds that
    cannot be marked (orgs, rings)."""
    kind = domain.KINDS_BY_LABEL.get(n.kind)
    if kind is None or kind.name not in domain.MARK_KINDS:
        return None
    return domain.mark_id(kind.name, n.key)


def mark_legend(verdicts: Iterable[str]) -> list[dict[str, str]]:
    """Legend entries for the marks on screen."""
    wanted = set(verdicts)
    return [{"kind": f"mark:{v}", "title": f"{sign} {title}", "shape": "dot", "colour": "#ffffff", "glow": glow,
             "border": f"2px solid {glow}"}
            for v, (title, sign, glow) in MARK_STYLES.items() if v in wanted]


def vis_node(n: GNode, pos: tuple[float, float] | None, *, expanded: bool = False, focus: bool = False,
             case: str | None = None, mark: tuple[str, str] | None = None, labelled: bool = True,
             texts: tuple[str, str] | None = None) -> dict[str, Any]:
    """One node for vis-network. Shape and colour come from its group (VIS_OPTIONS["groups"]),
    so a 500-node graph stays a small payload; only expanded and focused nodes, accounts
    marked by their place in the case (`case`, a CASE_STYLES key) and marked nodes (`mark`:
    (verdict, description), a MARK_STYLES key) differ."""
    k = KINDS[n.kind]
    # labelled=False: the label would cover another (labels_that_fit); the tooltip still names it
    label, tip = texts if texts is not None else (node_label(n), node_tooltip(n))
    node: dict[str, Any] = {"id": n.id, "label": label if labelled else "", "title": tip, "group": n.kind}
    if mark is not None and mark[0] in MARK_STYLES:
        _, sign, glow = MARK_STYLES[mark[0]]
        node["label"] = f"{sign} {node['label']}".rstrip()
        node["shadow"] = {"enabled": True, "color": glow, "size": 16, "x": 0, "y": 0}
        node["title"] += f"\n{short(mark[1], TOOLTIP_VALUE_CHARS)}"
    if case in CASE_STYLES and case != "detected":
        label, style, _, _ = CASE_STYLES[case]
        node.update({key: (dict(value) if isinstance(value, dict) else value) for key, value in style.items()})
        if "color" in node:
            node["color"] = {"background": k.colour, **node["color"]}
        node["title"] += f"\ncase: {label}"
    if expanded:
        node["borderWidth"] = 4
        node["color"] = {**node.get("color", {}), "background": node.get("color", {}).get("background", k.colour),
                         "border": EXPANDED_BORDER}
    if focus:
        node["size"] = k.size + 8
    if pos is not None:
        node["x"], node["y"] = round(pos[0], 1), round(pos[1], 1)
    return node


VIS_OPTIONS: dict[str, Any] = {
    # Positions come from layout(): no physics, no improvedLayout (both are what makes
    # vis-network slow on hundreds of nodes).
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False},
    "edges": {"smooth": False, "arrows": {"to": {"enabled": False}}, "width": 1,
              "color": {"color": "#9aa5b1", "highlight": "#333333", "hover": "#555555"}},
    "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True, "multiselect": False,
                    "navigationButtons": False, "keyboard": False},
    "nodes": {"font": {"face": "sans-serif", "size": 11, "color": "#222222"}, "borderWidth": 1},
    "groups": {
        k.label: {"shape": k.shape, "size": k.size,
                  "color": {"background": k.colour, "border": k.colour,
                            "highlight": {"background": k.colour, "border": "#000000"},
                            "hover": {"background": k.colour, "border": "#000000"}},
                  **({"font": {"color": "#ffffff"}} if k.shape == "box" else {})}
        for k in KINDS.values()
    },
}


def _day(value: Any) -> str | None:
    """The UTC day of a time as the app holds it (ISO text from the query or plain()), or None."""
    text = str(value or "")
    return text[:10] if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-" else None


def _account_days(n: GNode) -> Iterable[str]:
    for name in ("created_at", "first_exchange", "last_exchange"):
        day = _day(n.props.get(name))
        if day:
            yield day


def _link_days(e: GEdge) -> tuple[str | None, str | None]:
    return _day(e.props.get("first_seen")), _day(e.props.get("last_seen"))


def span_of(nodes: Iterable[GNode], edges: Iterable[GEdge]) -> tuple[str, str] | None:
    """The first and last UTC day of anything dated among `nodes` (accounts' sign-up, first
    and last exchange) and `edges` (first and last seen); None when nothing is dated."""
    days = [d for n in nodes if n.kind == "Account" for d in _account_days(n)]
    days += [d for e in edges for d in _link_days(e) if d]
    return (min(days), max(days)) if days else None


def merge_spans(*spans: tuple[str, str] | None) -> tuple[str, str] | None:
    known = [s for s in spans if s is not None]
    return (min(s[0] for s in known), max(s[1] for s in known)) if known else None


# --------------------------------------------------------------------------- layout


def layout(nodes: Iterable[str], edges: Iterable[tuple[str, str]], *, seed: int = 7,
           iterations: int = 50) -> dict[str, tuple[float, float]]:
    """Force-directed positions in screen pixels, deterministic for a given graph.

    Fruchterman-Reingold on numpy arrays (networkx's own needs scipy above 500
    nodes, which we do not ship). O(n^2) per iteration: ~0.2 s for 500 nodes.
    """
    import numpy as np

    ids = sorted(set(nodes))
    n = len(ids)
    if n == 0:
        return {}
    if n == 1:
        return {ids[0]: (0.0, 0.0)}
    index = {nid: i for i, nid in enumerate(ids)}
    pairs = np.array(sorted({(index[a], index[b]) for a, b in edges if a in index and b in index and a != b}),
                     dtype=np.int64).reshape(-1, 2)
    rng = np.random.default_rng(seed)
    x = rng.random(n, dtype=np.float32)
    y = rng.random(n, dtype=np.float32)
    k2 = np.float32(1.0 / n)
    k = math.sqrt(1.0 / n)
    a, b = (pairs[:, 0], pairs[:, 1]) if len(pairs) else (None, None)
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        f = dx * dx
        f += dy * dy
        np.maximum(f, np.float32(1e-4), out=f)
        np.divide(k2, f, out=f)  # repulsion between every pair: k^2 / d (as a vector: delta * k^2 / d^2)
        disp_x = (dx * f).sum(axis=1)
        disp_y = (dy * f).sum(axis=1)
        if a is not None:
            ex, ey = x[a] - x[b], y[a] - y[b]
            pull = np.sqrt(ex * ex + ey * ey) / k  # attraction along edges: d^2 / k
            px, py = ex * pull, ey * pull
            disp_x -= np.bincount(a, weights=px, minlength=n).astype(np.float32)
            disp_x += np.bincount(b, weights=px, minlength=n).astype(np.float32)
            disp_y -= np.bincount(a, weights=py, minlength=n).astype(np.float32)
            disp_y += np.bincount(b, weights=py, minlength=n).astype(np.float32)
        length = np.sqrt(disp_x * disp_x + disp_y * disp_y)
        np.maximum(length, np.float32(0.01), out=length)
        step = np.minimum(length, np.float32(temperature)) / length
        x += disp_x * step
        y += disp_y * step
        temperature -= cooling
    pos = np.stack([x, y], axis=1).astype(np.float64)
    pos -= pos.mean(axis=0)
    spread = np.abs(pos).max() or 1.0
    scale = 120 + 45 * math.sqrt(n)
    pos = pos / spread * scale
    return {nid: (float(pos[i, 0]), float(pos[i, 1])) for i, nid in enumerate(ids)}


GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))

#: Room each node of a ring layout gets: identifiers on the spiral, accounts along a circle.
RING_STEP = 30.0
ACCOUNT_GAP = 30.0
ACCOUNT_BAND = 46.0


def ring_layout(nodes: dict[str, "GNode"], edges: Iterable["GEdge"]) -> dict[str, tuple[float, float]]:
    """A ring view's positions, accounts kept apart from the identifiers they share (issue 14:
    a 79-account ring was a hairball, a 7-account ring's accounts were stacked in the centre).

    The identifiers fill a disc on a sunflower (Vogel) spiral, the most shared at the centre
    (as the export's graph.html); the accounts stand round it on one or more circles, each in
    the direction of the identifiers it uses, so the accounts sharing a card or a device are
    neighbours and their links run inwards. Deterministic: depends only on the input.
    Nodes that are neither (a ring node) go with the identifiers.
    """
    edges = list(edges)
    accounts = sorted(nid for nid, n in nodes.items() if n.kind == "Account")
    shared: dict[str, int] = {}
    for e in edges:
        if e.source in nodes and e.target in nodes and nodes[e.source].kind == "Account":
            shared[e.target] = shared.get(e.target, 0) + 1
    others = sorted((nid for nid, n in nodes.items() if n.kind != "Account"),
                    key=lambda nid: (-shared.get(nid, 0), nodes[nid].kind, nid))
    pos: dict[str, tuple[float, float]] = {}
    # few identifiers get more room (their labels fit); many pack at RING_STEP
    step = max(RING_STEP, min(2 * RING_STEP, 460.0 / math.sqrt(max(len(others), 1))))
    for k, nid in enumerate(others):
        radius = step * math.sqrt(k + 0.5) if len(others) > 1 else 0.0
        angle = k * GOLDEN_ANGLE - math.pi / 2
        pos[nid] = (radius * math.cos(angle), radius * math.sin(angle))
    if not accounts:
        return pos
    disc = step * math.sqrt(len(others)) if len(others) > 1 else 0.0
    pull: dict[str, list[float]] = {}
    for e in edges:
        if e.source in pos or e.target not in pos or e.source not in nodes:
            continue
        x, y = pos[e.target]
        weight = 1.0 / max(1, shared.get(e.target, 1))  # a rare identifier says more about where it belongs
        acc = pull.setdefault(e.source, [0.0, 0.0])
        acc[0] += x * weight
        acc[1] += y * weight

    def direction(nid: str) -> tuple[float, str]:
        x, y = pull.get(nid, (0.0, 0.0))
        if abs(x) < 1e-9 and abs(y) < 1e-9:
            return (10.0, nid)  # no pull either way: after every real angle
        return (math.atan2(y, x), nid)

    ordered = sorted(accounts, key=direction)
    # circles from just outside the disc outwards, each holding what fits at ACCOUNT_GAP apart
    slots: list[tuple[float, float]] = []  # (angle, radius)
    radius = max(disc + 110.0, 150.0 if len(accounts) > 1 else 0.0)
    if len(accounts) == 1 and not others:
        return {accounts[0]: (0.0, 0.0)}
    left, band = len(ordered), 0
    while left > 0:
        capacity = max(1, int(2 * math.pi * radius / ACCOUNT_GAP))
        take = min(capacity, left)
        # every circle spreads its accounts round the whole circle (the last one too), each
        # turned half a step from the one inside it
        slots.extend((-math.pi / 2 + 2 * math.pi * (i + 0.5 * (band % 2)) / take, radius) for i in range(take))
        left -= take
        radius += ACCOUNT_BAND
        band += 1
    start = direction(ordered[0])[0] if direction(ordered[0])[0] < 10 else -math.pi / 2
    slots.sort(key=lambda s: ((s[0] - start) % (2 * math.pi), s[1]))
    for nid, (angle, r) in zip(ordered, slots):
        pos[nid] = (r * math.cos(angle), r * math.sin(angle))
    return pos


#: Label boxes at layout scale (vis draws labels at font size 11 under the node; labels and
#: positions scale together when the view zooms, so what does not overlap here never does).
LABEL_CHAR_PX = 6.2
LABEL_HEIGHT_PX = 14.0


def labels_that_fit(nodes: dict[str, "GNode"], positions: dict[str, tuple[float, float]],
                    priority: Iterable[str] | None = None) -> set[str]:
    """The nodes whose label can be drawn without covering another label or node: the rest
    keep their label in the tooltip, the side panel and the table. Greedy in `priority`
    order (default: identifiers before accounts, then by id)."""
    order = list(priority) if priority is not None else sorted(
        positions, key=lambda nid: (nodes[nid].kind == "Account", nid) if nid in nodes else (True, nid))
    cell = 64.0
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def cells(box):
        x0, y0, x1, y1 = box
        for gx in range(int(math.floor(x0 / cell)), int(math.floor(x1 / cell)) + 1):
            for gy in range(int(math.floor(y0 / cell)), int(math.floor(y1 / cell)) + 1):
                yield gx, gy

    def clear(box, skip=None) -> bool:
        for c in cells(box):
            for other in grid.get(c, ()):
                if other is skip:
                    continue
                if box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]:
                    return False
        return True

    def put(box) -> None:
        for c in cells(box):
            grid.setdefault(c, []).append(box)

    bodies = {}
    for nid, (x, y) in positions.items():
        if nid not in nodes:
            continue
        r = KINDS[nodes[nid].kind].size
        bodies[nid] = (x - r, y - r, x + r, y + r)
        put(bodies[nid])
    fits: set[str] = set()
    for nid in order:
        if nid not in bodies:
            continue
        x, y = positions[nid]
        text = node_label(nodes[nid])
        half = (len(text) * LABEL_CHAR_PX + 4) / 2
        top = bodies[nid][3] + 2
        box = (x - half, top, x + half, top + LABEL_HEIGHT_PX)
        if clear(box):
            put(box)
            fits.add(nid)
    return fits


def ring_view_layout(nodes: dict[str, "GNode"], edges: Iterable["GEdge"]) -> tuple[dict[str, tuple[float, float]], set[str]]:
    """What the ring view draws a ring with: its positions (ring_layout) and the nodes whose
    label fits (labels_that_fit; identifiers first, the most shared first, then accounts)."""
    edges = list(edges)
    positions = ring_layout(nodes, edges)
    shared: dict[str, int] = {}
    for e in edges:
        shared[e.target] = shared.get(e.target, 0) + 1
    priority = sorted(positions, key=lambda nid: (nodes[nid].kind == "Account", -shared.get(nid, 0), nid))
    return positions, labels_that_fit(nodes, positions, priority)


def ring_around(center: tuple[float, float], count: int, *, page: int = 0, start_radius: float = 110.0,
                away_from: tuple[float, float] | None = None) -> list[tuple[float, float]]:
    """Positions for `count` nodes an expansion adds, round the expanded node, each page one
    band further out so pages never land on each other. With `away_from` (the centre of what
    is already drawn) the nodes fan out on the far side instead of on top of the graph."""
    out: list[tuple[float, float]] = []
    radius = start_radius + 80.0 * page
    span, facing = 2 * math.pi, 0.0
    if away_from is not None:
        dx, dy = center[0] - away_from[0], center[1] - away_from[1]
        if math.hypot(dx, dy) > 1.0:
            span, facing = math.radians(200), math.atan2(dy, dx)
    placed = 0
    while placed < count:
        capacity = max(6, int(span * radius / 34))
        take = min(capacity, count - placed)
        for i in range(take):
            if span >= 2 * math.pi:
                angle = (page * 0.37) + 2 * math.pi * i / take
            else:
                angle = facing - span / 2 + span * (i + 0.5) / take
            out.append((center[0] + radius * math.cos(angle), center[1] + radius * math.sin(angle)))
        placed += take
        radius += 55.0
    return out


# --------------------------------------------------------------------------- expansion state


#: Neighbours one click or one "show more" adds.
PAGE_SIZE = 50

#: fetch(kind, key, skip, limit, after=key) -> (neighbour nodes in page order, edges, total
#: neighbours of the node); with `after`, the page starts after that neighbour key (skip is 0).
Fetch = Callable[..., tuple[list[GNode], list[GEdge], int]]


@dataclass
class Expansion:
    node_id: str
    pages: int = 0
    total: int = 0
    #: Key of the last neighbour fetched: an identifier's next page starts after it, so a
    #: supernode's 100th page costs what its first does (accounts page by skip: their
    #: neighbours are few, and keys of different kinds may be equal).
    after: str = ""
    #: An account expanded one kind at a time: the relationship type shown ("" every kind).
    link: str = ""
    #: What this expansion put into the graph (and so what collapsing it takes out).
    nodes: list[str] = field(default_factory=list)
    edges: list[str] = field(default_factory=list)

    @property
    def shown(self) -> int:
        return min(self.total, self.pages * PAGE_SIZE)

    @property
    def has_more(self) -> bool:
        return self.pages * PAGE_SIZE < self.total

    def next_page(self) -> tuple[int, str]:
        """(skip, after) that fetch the next page: an identifier's pages start after the last
        key fetched, an account's (and every first page) by skip."""
        if self.after and parse_node_id(self.node_id)[0] != "Account":
            return 0, self.after
        return self.pages * PAGE_SIZE, ""


@dataclass(frozen=True)
class GraphTexts:
    """What every session draws the same for a graph: node (label, tooltip) and edge
    (type, width, tooltip) by id, and the graph's time span (span_of)."""

    nodes: dict[str, tuple[str, str]]
    edges: dict[str, tuple[str, float, str]]
    span: tuple[str, str] | None = None


def graph_texts(nodes: dict[str, GNode], edges: dict[str, GEdge]) -> GraphTexts:
    return GraphTexts({nid: (node_label(n), node_tooltip(n)) for nid, n in nodes.items()},
                      {eid: (e.type, _edge_width(e), edge_tooltip(e)) for eid, e in edges.items()},
                      span_of(nodes.values(), edges.values()))


@dataclass
class GraphState:
    """The graph on screen: a base (ring or entity) plus expansions, in the order made."""

    graph_id: str
    nodes: dict[str, GNode] = field(default_factory=dict)
    edges: dict[str, GEdge] = field(default_factory=dict)
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    base_nodes: set[str] = field(default_factory=set)
    expansions: dict[str, Expansion] = field(default_factory=dict)
    focus: str | None = None
    selected: str | None = None
    version: int = 0
    #: Ring view only: account_id -> "detected", "added" or "removed" (the ring's HAS_MEMBER
    #: relationships); an account on screen that is not in it is drawn "outside". None: no case.
    case: dict[str, str] | None = None
    #: node id -> (verdict, description) of the marks on the nodes on screen (set by the panel
    #: from one lookup of every node's mark before drawing; ringscope.marks).
    marks: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Nodes whose mark was looked up, and (marks generation, monotonic time) of the lookup
    #: that started this set (graph_panel.draw_marks).
    marks_checked: set[str] = field(default_factory=set)
    marks_checked_at: tuple[int, float] | None = None
    #: Node labels the investigator chose not to see (the panel's kind filter), and nodes hidden
    #: one by one. Hidden nodes stay in the state (an expansion, collapse or "show more" works
    #: as before); they and their links are only left out of what is drawn.
    hidden_kinds: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)
    #: The time slider (ring view, Bloom's slicer): draw only the accounts and links active
    #: between these two UTC days (ISO dates, both included); None draws all of them.
    window: tuple[str, str] | None = None
    #: A node to bring into view once ("find a node on screen"): (node id, request number).
    centre: tuple[str, int] | None = None
    #: Nodes drawn without their label, which would cover another (labels_that_fit; ring view).
    unlabelled: set[str] = field(default_factory=set)
    #: edge id -> (type, width, tooltip): edges never change once drawn, so each is built once.
    _edge_items: dict[str, tuple[str, float, str]] = field(default_factory=dict, repr=False)
    #: node id -> (label, tooltip): a node's text never changes, so each is built once.
    _texts: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    #: version -> the graph's time span: computed once per change.
    _span: tuple[int, tuple[str, str] | None] | None = field(default=None, repr=False)
    #: The base graph's time span ([span] once known): the base never loses a node or a link, so
    #: the span after expansions is this merged with what the expansions added.
    _base_span: list[tuple[str, str] | None] | None = field(default=None, repr=False)
    #: (version, window) -> (nodes, edges) active in the window: computed once per change.
    _in_window: tuple[Any, tuple[set[str], set[str]]] | None = field(default=None, repr=False)

    @classmethod
    def from_graph(cls, graph_id: str, nodes: dict[str, GNode], edges: dict[str, GEdge], *,
                   focus: str | None = None, positions: dict[str, tuple[float, float]] | None = None,
                   labelled: set[str] | None = None, texts: "GraphTexts | None" = None) -> "GraphState":
        """`labelled`: the nodes whose label fits (labels_that_fit); None labels every node.
        `texts`: node labels and tooltips and edge items built once (graph_texts) and shared by
        every session drawing this graph."""
        pos = positions if positions is not None else layout(nodes, ((e.source, e.target) for e in edges.values()))
        state = cls(graph_id=graph_id, nodes=dict(nodes), edges=dict(edges), positions=dict(pos),
                    base_nodes=set(nodes), focus=focus,
                    unlabelled=set() if labelled is None else set(nodes) - set(labelled))
        if texts is not None:
            state._texts, state._edge_items = dict(texts.nodes), dict(texts.edges)
        state._base_span = [texts.span if texts is not None else span_of(state.nodes.values(), state.edges.values())]
        return state

    # -- expansion -----------------------------------------------------------------

    def is_expanded(self, nid: str) -> bool:
        return nid in self.expansions

    def _add_page(self, exp: Expansion, fetch: Fetch) -> int:
        kind, key = parse_node_id(exp.node_id)
        skip, after = exp.next_page()
        extra = {"link": exp.link} if exp.link else {}
        new_nodes, new_edges, total = fetch(kind, key, skip, PAGE_SIZE, after=after, **extra)
        exp.total = total
        if new_nodes:
            exp.after = new_nodes[-1].key
        added_nodes = [n for n in new_nodes if n.id not in self.nodes]
        centre = self.positions.get(exp.node_id, (0.0, 0.0))
        drawn = [p for nid, p in self.positions.items() if nid != exp.node_id]
        middle = (sum(p[0] for p in drawn) / len(drawn), sum(p[1] for p in drawn) / len(drawn)) if drawn else None
        placed = ring_around(centre, len(added_nodes), page=exp.pages, away_from=middle)
        for n, pos in zip(added_nodes, placed):
            self.nodes[n.id] = n
            self.positions[n.id] = pos
            exp.nodes.append(n.id)
        for e in new_edges:
            if e.id not in self.edges and e.source in self.nodes and e.target in self.nodes:
                self.edges[e.id] = e
                exp.edges.append(e.id)
        exp.pages += 1
        self.version += 1
        return len(added_nodes)

    def expand(self, nid: str, fetch: Fetch) -> int:
        """Show the first page of a node's neighbours; returns how many nodes were added."""
        if nid not in self.nodes:
            raise KeyError(f"{nid} is not on the graph")
        if nid in self.expansions:
            return 0
        exp = Expansion(nid)
        self.expansions[nid] = exp
        self.selected = nid
        return self._add_page(exp, fetch)

    def expand_link(self, nid: str, link: str, fetch: Fetch) -> int:
        """Show one kind of an account's identifiers (those over relationship type `link`),
        the most shared first, instead of what the node shows now: one kind at a time.
        Returns how many nodes were added."""
        if nid not in self.nodes:
            raise KeyError(f"{nid} is not on the graph")
        if link not in LINK_TYPES:
            raise ValueError(f"unknown relationship type {link!r}")
        exp = self.expansions.get(nid)
        if exp is not None and exp.link == link:
            return 0
        if exp is not None:
            self.collapse(nid)
        exp = Expansion(nid, link=link)
        self.expansions[nid] = exp
        self.selected = nid
        return self._add_page(exp, fetch)

    def show_more(self, nid: str, fetch: Fetch) -> int:
        """The next page of an expanded node's neighbours (supernodes expand 50 at a time)."""
        exp = self.expansions.get(nid)
        if exp is None:
            return self.expand(nid, fetch)
        if not exp.has_more:
            return 0
        return self._add_page(exp, fetch)

    def collapse(self, nid: str) -> int:
        """Remove what the node's expansion added (and, first, the expansions of those
        nodes); nodes of the base graph always stay. Returns nodes removed."""
        exp = self.expansions.pop(nid, None)
        if exp is None:
            return 0
        removed = 0
        for child in exp.nodes:
            if child in self.expansions:
                removed += self.collapse(child)
        for eid in exp.edges:
            self.edges.pop(eid, None)
            self._edge_items.pop(eid, None)
        gone = set()
        for child in exp.nodes:
            if child in self.base_nodes or child not in self.nodes:
                continue
            del self.nodes[child]
            self.positions.pop(child, None)
            gone.add(child)
            if self.selected == child:
                self.selected = nid
        removed += len(gone)
        if gone:  # edges another expansion drew to these nodes go with them (one pass over the links)
            for eid in [eid for eid, e in self.edges.items() if e.source in gone or e.target in gone]:
                del self.edges[eid]
        self.version += 1
        return removed

    def toggle(self, nid: str, fetch: Fetch) -> str:
        """What a click on a node does: expand it, or collapse it when expanded."""
        self.selected = nid
        if nid in self.expansions:
            self.collapse(nid)
            return "collapsed"
        self.expand(nid, fetch)
        return "expanded"

    # -- filters ---------------------------------------------------------------------

    def show_kinds(self, kinds: Iterable[str]) -> None:
        """Draw only nodes of these labels (the others, and their links, are left out)."""
        wanted = {k for k in kinds if k in KINDS}
        hidden = {n.kind for n in self.nodes.values()} - wanted
        if hidden != self.hidden_kinds:
            self.hidden_kinds = hidden
            self.version += 1

    def hide(self, nid: str) -> None:
        if nid in self.nodes and nid not in self.hidden:
            self.hidden.add(nid)
            self.version += 1

    def unhide(self, nid: str | None = None) -> None:
        """Show one hidden node again, or (None) every node hidden by hand."""
        before = len(self.hidden)
        if nid is None:
            self.hidden.clear()
        else:
            self.hidden.discard(nid)
        if len(self.hidden) != before:
            self.version += 1

    def hidden_reason(self, nid: str) -> str | None:
        """Why a node on the graph is not drawn ('hidden', 'kind filtered out', 'outside the time
        window'), None when drawn."""
        if nid in self.hidden:
            return "hidden"
        n = self.nodes.get(nid)
        if n is not None and n.kind in self.hidden_kinds:
            return "kind filtered out"
        if self.window is not None and nid in self.nodes and nid not in self._active()[0]:
            return "outside the time window"
        return None

    def visible(self) -> set[str]:
        """The nodes drawn: every node, less those hidden by hand, by kind or by the time window."""
        if not self.hidden and not self.hidden_kinds and self.window is None:
            return set(self.nodes)
        active = self._active()[0] if self.window is not None else self.nodes
        return {nid for nid, n in self.nodes.items()
                if nid not in self.hidden and n.kind not in self.hidden_kinds and nid in active}

    # -- time ----------------------------------------------------------------------

    def time_span(self) -> tuple[str, str] | None:
        """The first and last UTC day of anything dated on the graph (accounts' sign-up, first and
        last exchange; links' first and last seen), None when nothing is dated."""
        if self._span is not None and self._span[0] == self.version:
            return self._span[1]
        if self._base_span is None:  # not made by from_graph: look at everything
            span = span_of(self.nodes.values(), self.edges.values())
        else:  # the base's span (shared by every session on a ring) and what expansions added
            added = [self.nodes[nid] for exp in self.expansions.values() for nid in exp.nodes if nid in self.nodes]
            links = [self.edges[eid] for exp in self.expansions.values() for eid in exp.edges if eid in self.edges]
            span = merge_spans(self._base_span[0], span_of(added, links))
        self._span = (self.version, span)
        return span

    def set_window(self, start: str | None, end: str | None = None) -> None:
        """Draw only what was active from day `start` to day `end` (ISO dates, included);
        set_window(None) draws everything again."""
        window = None if start is None else (str(start)[:10], str(end or start)[:10])
        if window is not None and window[0] > window[1]:
            window = (window[1], window[0])
        if window != self.window:
            self.window = window
            self.version += 1

    def _active(self) -> tuple[set[str], set[str]]:
        """(nodes, edges) active in the window. A link is active when the days it was seen
        overlap the window (a link without dates, an e-mail domain or org, always is); an
        account when its span (sign-up or first seen to its last exchange or last link) does;
        an identifier when an active account reached it over an active link (one without dated
        links: over any link). Nodes and links not dated at all are kept."""
        key = (self.version, self.window)
        if self._in_window is not None and self._in_window[0] == key:
            return self._in_window[1]
        start, end = self.window or ("", "9999")

        def overlaps(days: list[str]) -> bool:
            return not days or (min(days) <= end and max(days) >= start)

        link_days = {eid: [d for d in _link_days(e) if d] for eid, e in self.edges.items()}
        by_account: dict[str, list[str]] = {}
        for eid, e in self.edges.items():
            by_account.setdefault(e.source, []).extend(link_days[eid])
        nodes: set[str] = set()
        for nid, n in self.nodes.items():
            if n.kind == "Account" and overlaps(list(_account_days(n)) + by_account.get(nid, [])):
                nodes.add(nid)
        edges: set[str] = set()
        timed: set[str] = set()  # identifiers with at least one dated link
        for eid, e in self.edges.items():
            days = link_days[eid]
            if days:
                timed.add(e.target)
            if overlaps(days) and (e.source in nodes or e.source not in self.nodes
                                   or self.nodes[e.source].kind != "Account"):
                edges.add(eid)
        reached = {self.edges[eid].target for eid in edges
                   if link_days[eid] or self.edges[eid].target not in timed}
        targets = {e.target for e in self.edges.values()}
        for nid, n in self.nodes.items():
            # an identifier no account reaches on screen (or a ring, whose links start at it) is kept
            if n.kind != "Account" and (nid in reached or nid not in targets):
                nodes.add(nid)
        edges = {eid for eid in edges if self.edges[eid].target in nodes and self.edges[eid].source in nodes}
        self._in_window = (key, (nodes, edges))
        return nodes, edges

    def find(self, text: str) -> list[str]:
        """Nodes on the graph (drawn or not) whose key, display name or e-mail holds `text`
        (any case): an exact key first, then keys starting with it, then the rest, each by id."""
        needle = " ".join(str(text or "").split()).casefold()
        if not needle:
            return []
        ranked = []
        for nid, n in self.nodes.items():
            key = n.key.casefold()
            names = " ".join(str(n.props.get(f) or "") for f in ("display_name", "email")).casefold()
            if key == needle:
                rank = 0
            elif key.startswith(needle):
                rank = 1
            elif needle in key:
                rank = 2
            elif needle in names:
                rank = 3
            else:
                continue
            ranked.append((rank, nid))
        return [nid for _, nid in sorted(ranked)]

    def bring_into_view(self, nid: str) -> None:
        """Select a node, draw it even if it was hidden (by hand or by kind), and have the
        graph centre on it once."""
        if nid not in self.nodes:
            raise KeyError(f"{nid} is not on the graph")
        self.hidden.discard(nid)
        self.hidden_kinds.discard(self.nodes[nid].kind)
        if self.window is not None and nid not in self._active()[0]:
            self.window = None  # found outside the time window: the whole time range again
        self.selected = nid
        self.centre = (nid, (self.centre[1] + 1) if self.centre else 1)
        self.version += 1

    # -- output ----------------------------------------------------------------------

    def _node_texts(self, n: GNode) -> tuple[str, str]:
        texts = self._texts.get(n.id)
        if texts is None:
            texts = self._texts[n.id] = (node_label(n), node_tooltip(n))
        return texts

    def vis_data(self) -> dict[str, Any]:
        """What the component draws. Edges go compact, as [from index, to index, type, width,
        tooltip] into the node list: a 500-node ring view has thousands of them and is resent
        on every click; the component rebuilds vis edges (id `from|TYPE|to`) from these."""
        def case_of(n: GNode) -> str | None:
            if self.case is None or n.kind != "Account":
                return None
            return self.case.get(n.key, "outside")

        shown = self.visible()
        drawn_nodes = [n for n in self.nodes.values() if n.id in shown]
        cases = {n.id: case_of(n) for n in drawn_nodes}
        marks = {nid: m for nid, m in self.marks.items() if nid in shown}
        nodes = [
            vis_node(n, self.positions.get(n.id), expanded=n.id in self.expansions, focus=n.id == self.focus,
                     case=cases[n.id], mark=marks.get(n.id), labelled=n.id not in self.unlabelled,
                     texts=self._node_texts(n))
            for n in drawn_nodes
        ]
        index = {n["id"]: i for i, n in enumerate(nodes)}
        active_edges = self._active()[1] if self.window is not None else None
        edges = []
        for e in self.edges.values():
            if e.source not in index or e.target not in index:
                continue
            if active_edges is not None and e.id not in active_edges:
                continue
            item = self._edge_items.get(e.id)
            if item is None:
                item = self._edge_items[e.id] = (e.type, _edge_width(e), edge_tooltip(e))
            edges.append([index[e.source], index[e.target], *item])
        return {
            "graph_id": self.graph_id,
            "version": self.version,
            "nodes": nodes,
            "edges": edges,
            "legend": (legend({n.kind for n in drawn_nodes}) + case_legend(c for c in cases.values() if c)
                       + mark_legend(m[0] for m in marks.values())
                       + ([{"kind": "expanded", "title": "expanded (click again to collapse)", "shape": "dot",
                            "colour": "#ffffff", "border": f"3px solid {EXPANDED_BORDER}"}]
                          if shown.intersection(self.expansions) else [])),
            "options": VIS_OPTIONS,
            "selected": self.selected if self.selected in shown else None,
            "expanded": sorted(shown.intersection(self.expansions)),
            "centre": ({"id": self.centre[0], "n": self.centre[1]}
                       if self.centre and self.centre[0] in shown else None),
        }

    def table(self) -> list[dict[str, Any]]:
        """The same graph as rows: one per node, with what it is linked to on screen."""
        links: dict[str, int] = {nid: 0 for nid in self.nodes}
        for e in self.edges.values():
            links[e.source] = links.get(e.source, 0) + 1
            links[e.target] = links.get(e.target, 0) + 1
        rows = []
        shown = self.visible()
        for n in self.nodes.values():
            exp = self.expansions.get(n.id)
            rows.append({
                "kind": KINDS[n.kind].title,
                "key": n.key,
                "name": n.props.get("display_name") if n.kind == "Account" else None,
                **({"case": (CASE_STYLES[self.case.get(n.key, "outside")][0] if n.kind == "Account" else "")}
                   if self.case is not None else {}),
                **({"mark": MARK_STYLES[self.marks[n.id][0]][0] if n.id in self.marks else ""} if self.marks else {}),
                "links on screen": links.get(n.id, 0),
                **({"drawn": "" if n.id in shown else self.hidden_reason(n.id) or "no"}
                   if len(shown) < len(self.nodes) else {}),
                "expanded": f"{exp.shown} of {exp.total}" if exp else "",
                "node": n.id,
            })
        rows.sort(key=lambda r: (r["kind"], r["key"]))
        return rows

    def edge_table(self) -> list[dict[str, Any]]:
        return [
            {"from": e.source, "relationship": e.type, "to": e.target,
             **{k: e.props.get(k) for k in _EDGE_FIELDS if e.props.get(k) not in (None, "")}}
            for e in self.edges.values()
        ]
