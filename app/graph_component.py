"""The interactive graph: vis-network in a Streamlit custom component (components v2).

A click on a node is sent back to Python (`node_click` trigger), so expanding a
node is one click. The vis-network build pyvis ships (9.1.2) is inlined into the
component's JavaScript: nothing is fetched from a CDN. The component keeps one
vis `Network` per mounted instance and updates its DataSets when Python sends a
new version of the graph, so an expansion does not redraw the whole graph.

Untrusted text (display names, e-mails, user agents) only ever reaches the page
as text: labels are drawn on the canvas, tooltips are plain strings that
vis-network 9.1.2 sets with `innerText`, and the legend is built with
`textContent`. Nothing in this file uses `innerHTML`.

`data-rs-version` / `data-rs-drawn-ms` on the graph's host element, and
`globalThis.__ringscope.networks[key]`, let the browser test and the benchmark
find the network and know when a version has been drawn.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import streamlit as st

COMPONENT_NAME = "ringscope_graph"

_CSS = """
.rs-wrap { position: relative; font-family: "Source Sans Pro", sans-serif; font-size: 13px; }
.rs-graph { width: 100%; border: 1px solid #d0d4da; border-radius: 6px; background: #ffffff; }
.rs-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 2px 6px 2px; color: #31333f; }
.rs-legend span.rs-chip { display: inline-block; width: 11px; height: 11px; margin-right: 5px;
  vertical-align: -1px; border-radius: 2px; }
.rs-legend .rs-hint { color: #6b7280; }
.vis-tooltip { position: absolute; visibility: hidden; padding: 6px 8px; white-space: pre-line; overflow-wrap: anywhere; max-width: 420px;
  font-size: 12px; color: #111827; background: #fffbe6; border: 1px solid #c9b458; border-radius: 4px;
  box-shadow: 2px 2px 6px rgba(0,0,0,0.2); pointer-events: none; z-index: 10; max-width: 420px;
  overflow-wrap: anywhere; }
"""

_JS = r"""
const instances = new WeakMap();

// Tooltips stay plain strings: vis-network 9.1.2 puts a string title into its popup with
// innerText, which never parses HTML (only pyvis's own page template switches to HTML popups).

function drawLegend(legendEl, legend, hint) {
  legendEl.replaceChildren();
  for (const entry of legend || []) {
    const item = document.createElement('span');
    const chip = document.createElement('span');
    chip.className = 'rs-chip';
    chip.style.background = entry.colour;
    if (entry.shape === 'dot' || entry.shape === 'ellipse') chip.style.borderRadius = '50%';
    if (entry.border) chip.style.border = entry.border;      // case membership marks
    if (entry.opacity) chip.style.opacity = entry.opacity;
    if (entry.glow) chip.style.boxShadow = `0 0 4px 2px ${entry.glow}`;   // marked known bad / good
    item.appendChild(chip);
    item.appendChild(document.createTextNode(entry.title));
    legendEl.appendChild(item);
  }
  if (hint) {
    const h = document.createElement('span');
    h.className = 'rs-hint';
    h.textContent = hint;
    legendEl.appendChild(h);
  }
}

function edgeItems(data) {
  // [from index, to index, type, width, tooltip] -> vis edges (ids as Python makes them)
  const ids = data.nodes.map((n) => n.id);
  return data.edges.map(([f, t, type, width, title]) => {
    const e = { id: `${ids[f]}|${type}|${ids[t]}`, from: ids[f], to: ids[t], title };
    if (width !== 1) e.width = width;
    if (type === 'HAS_EMAIL_DOMAIN') e.dashes = true;
    return e;
  });
}

function syncEdges(dataset, sent, items) {
  // An edge never changes once drawn: only additions and removals travel to vis.
  const wanted = new Set();
  const added = [];
  for (const item of items) {
    wanted.add(item.id);
    if (!sent.has(item.id)) {
      sent.set(item.id, true);
      added.push(item);
    }
  }
  const gone = [];
  for (const id of sent.keys()) if (!wanted.has(id)) gone.push(id);
  for (const id of gone) sent.delete(id);
  if (gone.length) dataset.remove(gone);
  if (added.length) dataset.add(added);
}

function sync(dataset, sent, items) {
  // Only what changed since the last version: an expansion touches a few items of hundreds.
  const wanted = new Set();
  const changed = [];
  const replaced = [];
  for (const item of items) {
    wanted.add(item.id);
    const text = JSON.stringify(item);
    const before = sent.get(item.id);
    if (before !== text) {
      sent.set(item.id, text);
      // vis merges an update into the item: a style the node lost (a cleared mark's glow, a
      // case border) would stay, so such a node is replaced instead.
      if (before !== undefined && Object.keys(JSON.parse(before)).some((k) => !(k in item))) replaced.push(item);
      else changed.push(item);
    }
  }
  const gone = [];
  for (const id of sent.keys()) if (!wanted.has(id)) gone.push(id);
  for (const id of gone) sent.delete(id);
  if (gone.length) dataset.remove(gone);
  if (replaced.length) {
    dataset.remove(replaced.map((item) => item.id));
    dataset.add(replaced);
  }
  if (changed.length) dataset.update(changed);
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || !globalThis.vis) return;
  const registry = (globalThis.__ringscope = globalThis.__ringscope || { networks: {}, drawn: {}, mounted: {} });
  let inst = instances.get(parentElement);
  if (!inst) {
    registry.mounted[data.key] = performance.now();
    const wrap = document.createElement('div');
    wrap.className = 'rs-wrap';
    const legendEl = document.createElement('div');
    legendEl.className = 'rs-legend';
    const graphEl = document.createElement('div');
    graphEl.className = 'rs-graph';
    graphEl.setAttribute('data-testid', 'rs-graph');
    wrap.appendChild(legendEl);
    wrap.appendChild(graphEl);
    parentElement.appendChild(wrap);
    const nodes = new globalThis.vis.DataSet();
    const edges = new globalThis.vis.DataSet();
    const network = new globalThis.vis.Network(graphEl, { nodes, edges }, {});
    inst = { wrap, legendEl, graphEl, nodes, edges, network, graphId: null, version: null, pending: null, sent: 0,
             centred: null,
             sentNodes: new Map(), sentEdges: new Map() };
    instances.set(parentElement, inst);
    network.on('click', (params) => {
      if (params.nodes && params.nodes.length) {
        inst.sent += 1;
        setTriggerValue('node_click', { node: String(params.nodes[0]), n: inst.sent });
      }
    });
    network.on('afterDrawing', () => {
      if (inst.pending === null) return;
      const ms = Math.round(performance.now() - inst.pending.started);
      graphEl.setAttribute('data-rs-version', String(inst.pending.version));
      graphEl.setAttribute('data-rs-nodes', String(inst.nodes.length));
      graphEl.setAttribute('data-rs-drawn-ms', String(ms));
      registry.drawn[inst.key] = { version: inst.pending.version, ms, nodes: inst.nodes.length, at: performance.now() };
      inst.pending = null;
    });
  }
  inst.key = data.key;
  registry.networks[data.key] = inst.network;
  inst.graphEl.style.height = `${data.height || 600}px`;
  drawLegend(inst.legendEl, data.legend, data.hint);
  const marker = `${data.graph_id}#${data.version}`;
  if (inst.version === marker) return;
  const started = performance.now();
  inst.pending = null;
  if (inst.graphId !== data.graph_id) {
    inst.network.setOptions(data.options || {});
    inst.nodes.clear();
    inst.edges.clear();
    inst.sentNodes.clear();
    inst.sentEdges.clear();
    sync(inst.nodes, inst.sentNodes, data.nodes);
    syncEdges(inst.edges, inst.sentEdges, edgeItems(data));
    inst.network.fit({ animation: false });
    inst.graphId = data.graph_id;
    inst.centred = null;
  } else {
    sync(inst.nodes, inst.sentNodes, data.nodes);
    syncEdges(inst.edges, inst.sentEdges, edgeItems(data));
  }
  if (data.selected && inst.nodes.get(data.selected)) {
    inst.network.selectNodes([data.selected]);
  }
  // "Find on screen": centre on the node found, once per request (later versions leave the view alone).
  if (data.centre && data.centre.n !== inst.centred && inst.nodes.get(data.centre.id)) {
    inst.centred = data.centre.n;
    inst.network.selectNodes([data.centre.id]);
    inst.network.focus(data.centre.id, { scale: 1.4, animation: false });
    inst.graphEl.setAttribute('data-rs-centred', String(data.centre.id));
  }
  inst.version = marker;
  inst.pending = { version: data.version, started };
  inst.network.redraw();
}
"""


@lru_cache(maxsize=1)
def vis_network_js() -> str:
    """The vis-network build shipped inside the pyvis package (UMD: defines globalThis.vis)."""
    import pyvis

    path = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2" / "vis-network.min.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - a broken pyvis install
        raise RuntimeError(f"cannot read vis-network from the pyvis package ({path}): reinstall pyvis==0.3.2") from exc


@lru_cache(maxsize=1)
def _component():
    return st.components.v2.component(COMPONENT_NAME, js=vis_network_js() + "\n" + _JS, css=_CSS)


def render_graph(data: dict[str, Any], *, key: str, height: int = 620,
                 on_click: Callable[[], None] | None = None, hint: str = "") -> Any:
    """Draw `data` (from `GraphState.vis_data()`); a node click calls `on_click`, which reads
    the clicked node id with `clicked_node(key)`."""
    payload = {**data, "key": key, "height": height, "hint": hint}
    return _component()(key=key, data=payload, height="content",
                        on_node_click_change=on_click or (lambda: None))


def clicked_node(key: str) -> str | None:
    """The node id of the click that triggered this run (inside the on_click callback)."""
    state = st.session_state.get(key)
    if not state:
        return None
    value = state.get("node_click") if hasattr(state, "get") else None
    if isinstance(value, dict):
        node = value.get("node")
        return str(node) if node is not None else None
    return None
