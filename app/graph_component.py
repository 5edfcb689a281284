"""The interactive graph: vis-network in a Streamlit custom component (components v2).

A click on a node is sent back to Python (`node_click` trigger), so expanding a
node is one click. The vis-network build pyvis ships (9.1.2) is one of the app's
static files (app/static), loaded once by the browser and cached: nothing is fetched
from a CDN, and the library no longer travels with every version of the graph. The
component keeps one vis `Network` per mounted instance; the server sends the whole
graph once and then only what changed (`wire`: nodes added, changed or removed,
links added or removed), so an expansion sends a page of nodes, not the ring again.

Untrusted text (display names, e-mails, user agents) only ever reaches the page
as text: labels are drawn on the canvas, tooltips are plain strings that
vis-network 9.1.2 sets with `innerText`, and the legend is built with
`textContent`. Nothing in this file uses `innerHTML`.

`data-rs-version` / `data-rs-drawn-ms` on the graph's host element, and
`globalThis.__ringscope.networks[key]`, let the browser test and the benchmark
find the network and know when a version has been drawn.
"""
from __future__ import annotations

from dataclasses import dataclass
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
.rs-menu { position: absolute; z-index: 20; min-width: 220px; max-width: 320px; padding: 4px 0; background: #ffffff;
  border: 1px solid #c3c8cf; border-radius: 6px; box-shadow: 2px 3px 10px rgba(0,0,0,0.18); }
.rs-menu-head { padding: 3px 12px 5px 12px; color: #6b7280; font-size: 12px; overflow-wrap: anywhere;
  border-bottom: 1px solid #eceef1; margin-bottom: 2px; }
.rs-menu button { display: block; width: 100%; text-align: left; padding: 5px 12px; border: 0; background: none;
  font: inherit; color: #111827; cursor: pointer; }
.rs-menu button:hover, .rs-menu button:focus { background: #eef2f7; outline: none; }
.vis-tooltip { position: absolute; visibility: hidden; padding: 6px 8px; white-space: pre-line; overflow-wrap: anywhere; max-width: 420px;
  font-size: 12px; color: #111827; background: #fffbe6; border: 1px solid #c9b458; border-radius: 4px;
  box-shadow: 2px 2px 6px rgba(0,0,0,0.2); pointer-events: none; z-index: 10; max-width: 420px;
  overflow-wrap: anywhere; }
"""

_JS = r"""
const instances = new WeakMap();
const latest = new WeakMap();   // parentElement -> the newest render call, while vis-network loads

// Tooltips stay plain strings: vis-network 9.1.2 puts a string title into its popup with
// innerText, which never parses HTML (only pyvis's own page template switches to HTML popups).

// vis-network is a static file of the app (app/static, served by Streamlit with an ETag), loaded
// once per page with a script element: the browser caches it, and it never travels with the
// graph's data again (it used to be inlined: 469 kB on every click).
function loadVis(src) {
  if (globalThis.vis && globalThis.vis.Network) return Promise.resolve();
  if (!globalThis.__ringscopeVis) {
    globalThis.__ringscopeVis = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.async = true;
      script.onload = () => resolve();
      script.onerror = () => { globalThis.__ringscopeVis = null; reject(new Error(`could not load ${src}`)); };
      document.head.appendChild(script);
    });
  }
  return globalThis.__ringscopeVis;
}

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

function edgeItem(from, to, type, width, title) {
  const e = { id: `${from}|${type}|${to}`, from, to, title };
  if (width !== 1) e.width = width;
  if (type === 'HAS_EMAIL_DOMAIN') e.dashes = true;
  return e;
}

function fullEdgeItems(data) {
  // [from index, to index, type, width, tooltip] into data.nodes -> vis edges
  const ids = data.nodes.map((n) => n.id);
  return data.edges.map(([f, t, type, width, title]) => edgeItem(ids[f], ids[t], type, width, title));
}

function syncEdges(dataset, sent, items) {
  // The whole graph: an edge never changes once drawn, so only additions and removals reach vis.
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

function putNodes(dataset, sent, items) {
  // Nodes added or changed. vis merges an update into the item: a style the node lost (a
  // cleared mark's glow, a case border) would stay, so such a node is replaced instead.
  const changed = [];
  const replaced = [];
  for (const item of items) {
    const text = JSON.stringify(item);
    const before = sent.get(item.id);
    if (before === text) continue;
    sent.set(item.id, text);
    if (before !== undefined && Object.keys(JSON.parse(before)).some((k) => !(k in item))) replaced.push(item);
    else changed.push(item);
  }
  if (replaced.length) {
    dataset.remove(replaced.map((item) => item.id));
    dataset.add(replaced);
  }
  if (changed.length) dataset.update(changed);
}

function dropNodes(dataset, sent, ids) {
  const gone = ids.filter((id) => sent.delete(id));
  if (gone.length) dataset.remove(gone);
}

function applyFull(inst, data) {
  const wanted = new Set(data.nodes.map((n) => n.id));
  dropNodes(inst.nodes, inst.sentNodes, [...inst.sentNodes.keys()].filter((id) => !wanted.has(id)));
  putNodes(inst.nodes, inst.sentNodes, data.nodes);
  syncEdges(inst.edges, inst.sentEdges, fullEdgeItems(data));
}

function applyDelta(inst, data) {
  // Only what changed since the version this instance holds (data.base): an expansion adds
  // a page of nodes and links to hundreds, a collapse names the ones it takes away.
  const goneEdges = data.remove_edges.filter((id) => inst.sentEdges.delete(id));
  if (goneEdges.length) inst.edges.remove(goneEdges);
  dropNodes(inst.nodes, inst.sentNodes, data.remove_nodes);
  putNodes(inst.nodes, inst.sentNodes, data.put_nodes);
  const added = [];
  for (const [from, to, type, width, title] of data.add_edges) {
    const item = edgeItem(from, to, type, width, title);
    if (!inst.sentEdges.has(item.id)) {
      inst.sentEdges.set(item.id, true);
      added.push(item);
    }
  }
  if (added.length) inst.edges.add(added);
}

function hold(inst) {
  // From a click until the server's answer is drawn, vis draws nothing: its own frame for the
  // click (the node selected, not yet expanded: 4,000 links drawn once more) came before
  // Streamlit sent the click (its send waits for a timer, which ran after that frame), so
  // the click reached the server later. The answer's draw shows the selection with the
  // expansion; without an answer the graph is drawn again after 1.5 s (release).
  release(inst, false);
  inst.network.body.emitter.emit('_blockRedraw');
  inst.holding = setTimeout(() => release(inst, true), 1500);
}

function release(inst, redraw) {
  if (inst.holding === null || inst.holding === undefined) return;
  clearTimeout(inst.holding);
  inst.holding = null;
  inst.network.body.emitter.emit('_allowRedraw');
  if (redraw) inst.network.redraw();
}

function closeMenu(inst) {
  inst.menuEl.hidden = true;
  inst.menuEl.replaceChildren();
  inst.menuFor = null;
}

function openMenu(inst, id, at) {
  // The right-click menu of one node: what the server said this kind of node offers, as
  // buttons with their titles as text. A choice goes to Python as the `node_menu` trigger.
  const kind = id.split(':', 1)[0];
  const items = (inst.menu && inst.menu[kind]) || [];
  inst.menuEl.replaceChildren();
  const head = document.createElement('div');
  head.className = 'rs-menu-head';
  head.textContent = (inst.nodes.get(id) || {}).title ? inst.nodes.get(id).title.split('\n', 1)[0] : id;
  inst.menuEl.appendChild(head);
  for (const [action, title] of items) {
    const expanded = inst.expanded.has(id);   // an expanded node offers to collapse instead
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('role', 'menuitem');
    button.dataset.action = action === 'expand' && expanded ? 'collapse' : action;
    button.textContent = action === 'expand' && expanded ? 'Collapse (remove what it added)' : title;
    button.addEventListener('click', (event) => {
      event.stopPropagation();
      closeMenu(inst);
      inst.menuSent += 1;
      inst.setTriggerValue('node_menu', { node: id, action: button.dataset.action, n: inst.menuSent });
    });
    inst.menuEl.appendChild(button);
  }
  const box = inst.graphEl.getBoundingClientRect();
  inst.menuEl.style.left = `${Math.max(0, Math.min(at.x, box.width - 240))}px`;
  inst.menuEl.style.top = `${inst.graphEl.offsetTop + Math.max(0, Math.min(at.y, box.height - 40))}px`;
  inst.menuEl.hidden = false;
  inst.menuFor = id;
  const first = inst.menuEl.querySelector('button');
  if (first) first.focus({ preventScroll: true });
}

function registryOf() {
  return (globalThis.__ringscope = globalThis.__ringscope ||
          { networks: {}, drawn: {}, mounted: {}, clicked: {}, draws: {}, panels: {}, panelAsks: {} });
}

function askPanel(inst, data) {
  // A click or a menu choice reran only the graph's fragment (graph_panel._drawing). Once its
  // version is drawn and painted, ask for the enclosing fragment's run (the side panel, the
  // captions, the filters) through the panel element (`render_panel_sync`), whose trigger
  // belongs to that fragment.
  // A request the server sent with a version this instance could not apply (a resync follows)
  // is kept and asked once the whole graph is drawn.
  if (data.panel && data.panel > (inst.panelOwed || 0)) inst.panelOwed = data.panel;
  if (!inst.panelOwed || inst.panelOwed === inst.panelAsked) return;
  const n = (inst.panelAsked = inst.panelOwed);
  const registry = registryOf();
  const key = inst.key;
  requestAnimationFrame(() => setTimeout(() => {
    const ask = registry.panels[key];
    if (!ask) return;
    registry.panelAsks[key] = n;   // (for the browser test and the benchmark)
    registry.panelAskedAt = registry.panelAskedAt || {};
    registry.panelAskedAt[key] = performance.now();
    ask('panel', { n });
  }, 0));
}

function mount(component) {
  const { data, parentElement, setTriggerValue } = component;
  const registry = registryOf();
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
    const menuEl = document.createElement('div');
    menuEl.className = 'rs-menu';
    menuEl.setAttribute('role', 'menu');
    menuEl.setAttribute('data-testid', 'rs-menu');
    menuEl.hidden = true;
    wrap.appendChild(legendEl);
    wrap.appendChild(graphEl);
    wrap.appendChild(menuEl);
    parentElement.appendChild(wrap);
    const nodes = new globalThis.vis.DataSet();
    const edges = new globalThis.vis.DataSet();
    const network = new globalThis.vis.Network(graphEl, { nodes, edges }, {});
    inst = { wrap, legendEl, graphEl, menuEl, nodes, edges, network, graphId: null, seq: null, pending: null, sent: 0,
             centred: null, resyncs: 0, setTriggerValue, menu: {}, expanded: new Set(), menuSent: 0, menuFor: null,
             sentNodes: new Map(), sentEdges: new Map() };
    instances.set(parentElement, inst);
    // Right-click: the node's menu instead of the browser's (Escape or a click elsewhere closes it).
    graphEl.addEventListener('contextmenu', (event) => event.preventDefault());
    network.on('oncontext', (params) => {
      if (params.event && params.event.preventDefault) params.event.preventDefault();
      const id = network.getNodeAt(params.pointer.DOM);
      if (id === undefined || id === null) { closeMenu(inst); return; }
      network.selectNodes([id]);
      openMenu(inst, String(id), params.pointer.DOM);
    });
    menuEl.addEventListener('keydown', (event) => { if (event.key === 'Escape') closeMenu(inst); });
    network.on('dragStart', () => closeMenu(inst));
    network.on('zoom', () => closeMenu(inst));
    network.on('click', (params) => {
      if (!inst.menuEl.hidden) { closeMenu(inst); return; }   // a click that closes the menu expands nothing
      if (params.nodes && params.nodes.length) {
        registry.clicked[inst.key] = performance.now();
        inst.sent += 1;
        hold(inst);
        inst.setTriggerValue('node_click', { node: String(params.nodes[0]), n: inst.sent });
      }
    });
    network.on('afterDrawing', () => {
      registry.draws[inst.key] = (registry.draws[inst.key] || 0) + 1;   // every draw (the browser test counts them)
      if (inst.pending === null) return;
      const ms = Math.round(performance.now() - inst.pending.started);
      graphEl.setAttribute('data-rs-version', String(inst.pending.version));
      graphEl.setAttribute('data-rs-nodes', String(inst.nodes.length));
      graphEl.setAttribute('data-rs-drawn-ms', String(ms));
      registry.drawn[inst.key] = { version: inst.pending.version, ms, nodes: inst.nodes.length, at: performance.now(),
                                   applied: inst.pending.applied, redrawn: inst.pending.redrawn, started: inst.pending.started,
                                   mode: inst.pending.mode };
      inst.pending = null;
    });
  }
  inst.key = data.key;
  inst.setTriggerValue = setTriggerValue;
  inst.menu = data.menu || {};
  inst.expanded = new Set(data.expanded || []);
  registry.networks[data.key] = inst.network;
  inst.graphEl.style.height = `${data.height || 600}px`;
  drawLegend(inst.legendEl, data.legend, data.hint);
  if (inst.graphId === data.graph_id && inst.seq === data.seq) {   // nothing new to draw
    release(inst, true);
    askPanel(inst, data);
    return;
  }
  if (data.mode !== 'full' && (inst.graphId !== data.graph_id || inst.seq !== data.base)) {
    // A delta for a version this instance does not hold (the page was drawn afresh, or a
    // version was skipped): ask the server for the whole graph once.
    if (data.panel && data.panel > (inst.panelOwed || 0)) inst.panelOwed = data.panel;
    inst.resyncs += 1;
    registry.resyncs = (registry.resyncs || 0) + 1;   // (for the browser test)
    release(inst, true);
    inst.setTriggerValue('resync', { graph: data.graph_id, seq: data.seq, n: inst.resyncs });
    return;
  }
  const started = performance.now();
  inst.pending = null;
  release(inst, false);   // (the draw below shows the answer to a click)
  // Every change to vis's data sets draws the whole canvas at once (with physics off, vis's
  // startSimulation emits a synchronous "_redraw"): a delta touching nodes and links drew 4,000
  // links four or five times before the final draw. Redraws are held back while the data sets
  // change (vis-network 9.1.2's own _blockRedraw / _allowRedraw events, the pinned build's
  // internals: tests/test_browser_app.py counts the draws), and the graph is drawn once below.
  const emitter = inst.network.body.emitter;
  const fresh = data.mode === 'full' && inst.graphId !== data.graph_id;
  // Each data-set operation (nodes added, changed, removed; links added, removed) also makes vis
  // re-derive its whole state (reconnect every link, clusters, visible indices, value ranges:
  // "_dataChanged"), up to five times per delta on 4,000 links: those passes are held back too and
  // run once, after the last operation (they rebuild from the data sets, whatever changed).
  const emit = emitter.emit;
  let dataChanged = false;
  emitter.emit = function (name, ...rest) {
    if (name === '_dataChanged') { dataChanged = true; return this; }
    return emit.call(this, name, ...rest);
  };
  emitter.emit('_blockRedraw');
  try {
    if (fresh) {
      inst.network.setOptions(data.options || {});
      inst.nodes.clear();
      inst.edges.clear();
      inst.sentNodes.clear();
      inst.sentEdges.clear();
      applyFull(inst, data);
    } else if (data.mode === 'full') {
      applyFull(inst, data);
    } else {
      applyDelta(inst, data);
    }
  } finally {
    emitter.emit = emit;
    if (dataChanged) emitter.emit('_dataChanged');
    emitter.emit('_allowRedraw');
  }
  if (fresh) {
    inst.network.redraw();   // fit needs the nodes' sizes, which a draw measures
    inst.network.fit({ animation: false });
    inst.graphId = data.graph_id;
    inst.centred = null;
  }
  emitter.emit('_blockRedraw');   // a selection or a focus would queue draws of their own
  try {
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
  } finally {
    emitter.emit('_allowRedraw');
  }
  inst.seq = data.seq;
  inst.pending = { version: data.seq, started, applied: performance.now(), mode: data.mode };
  inst.network.redraw();
  if (inst.pending) inst.pending.redrawn = performance.now();
  askPanel(inst, data);
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data) return;
  if (data.panel_for) {   // the panel element (render_panel_sync): draws nothing
    const registry = registryOf();
    registry.panels[data.panel_for] = component.setTriggerValue;
    registry.panelDone = registry.panelDone || {};
    registry.panelDone[data.panel_for] = data.done;
    return;
  }
  if (globalThis.vis && globalThis.vis.Network) {
    mount(component);
    return;
  }
  latest.set(parentElement, component);
  loadVis(data.lib).then(() => {
    const newest = latest.get(parentElement);
    latest.delete(parentElement);
    if (newest) mount(newest);
  }).catch((err) => {
    const note = document.createElement('div');
    note.textContent = `The graph cannot be drawn: ${err.message}. Reload the page.`;
    parentElement.replaceChildren(note);
  });
}
"""


#: vis-network 9.1.2 (the build pyvis ships, byte for byte: tests/test_app_graph.py checks),
#: served by Streamlit's static file serving from app/static (`streamlit_command` turns it on).
#: The version is in the name, so a new build is a new URL and never a stale cached copy.
VIS_FILE = "vis-network-9.1.2.min.js"
VIS_PATH = Path(__file__).resolve().parent / "static" / VIS_FILE


def vis_network_js() -> str:
    """The vis-network build the app serves (UMD: defines globalThis.vis)."""
    return VIS_PATH.read_text(encoding="utf-8")


def vis_url() -> str:
    """Where the browser loads vis-network from: the app's static files, under Streamlit's
    base URL path when one is set."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/{VIS_FILE}" if base else f"/app/static/{VIS_FILE}"


@lru_cache(maxsize=1)
def _component():
    return st.components.v2.component(COMPONENT_NAME, js=_JS, css=_CSS)


@dataclass
class Sent:
    """What one browser component holds (as far as the server knows): the graph it drew,
    the wire sequence number it is at, and the items it received."""

    graph_id: str
    seq: int
    nodes: dict[str, dict[str, Any]]
    edges: set[str]
    extras: dict[str, Any]


_EXTRAS = ("legend", "selected", "centre", "expanded")


def wire(vis: dict[str, Any], sent: Sent | None, seq: int) -> tuple[dict[str, Any], Sent]:
    """What travels to the browser for `vis` (GraphState.vis_data()) when the component last
    received `sent`, and what it holds afterwards. The whole graph the first time (or for a
    new graph, or after the browser asked for it); else only the nodes added or changed,
    the nodes and links removed and the links added ("delta", against `sent.seq`), or
    nothing when nothing changed ("same"). `seq` numbers the new version; the component
    applies a delta only on top of the version it was made from and otherwise asks for the
    whole graph (the `resync` trigger)."""
    ids = [n["id"] for n in vis["nodes"]]
    nodes = {n["id"]: n for n in vis["nodes"]}
    edges = {f"{ids[f]}|{t}|{ids[to]}": (f, to, t, w, title) for f, to, t, w, title in vis["edges"]}
    extras = {k: vis.get(k) for k in _EXTRAS}
    head = {"graph_id": vis["graph_id"], **extras}
    if sent is None or sent.graph_id != vis["graph_id"]:
        payload = {**head, "mode": "full", "seq": seq, "nodes": vis["nodes"], "edges": vis["edges"],
                   "options": vis.get("options") or {}}
        return payload, Sent(vis["graph_id"], seq, nodes, set(edges), extras)
    put = [n for nid, n in nodes.items() if sent.nodes.get(nid) != n]
    removed = [nid for nid in sent.nodes if nid not in nodes]
    add_edges = [[ids[f], ids[to], t, w, title] for eid, (f, to, t, w, title) in edges.items() if eid not in sent.edges]
    remove_edges = [eid for eid in sent.edges if eid not in edges]
    if not (put or removed or add_edges or remove_edges) and extras == sent.extras:
        return {**head, "mode": "same", "seq": sent.seq, "base": sent.seq}, sent
    payload = {**head, "mode": "delta", "seq": seq, "base": sent.seq, "put_nodes": put, "remove_nodes": removed,
               "add_edges": add_edges, "remove_edges": remove_edges}
    return payload, Sent(vis["graph_id"], seq, nodes, set(edges), extras)


def _sent_key(key: str) -> str:
    return f"{key}::sent"


def _seq_key(key: str) -> str:
    return f"{key}::seq"


def _panel_key(key: str) -> str:
    return f"{key}::panel"


def _panels_key(key: str) -> str:
    return f"{key}::panels"


def panel_after_this_run(key: str) -> None:
    """Called by a click's or a menu choice's callback: once the browser has drawn this run's
    version of component `key`, it asks for the enclosing fragment's run (render_panel_sync).
    The requests are numbered (the component asks once per number)."""
    n = st.session_state.get(_panels_key(key), 0) + 1
    st.session_state[_panels_key(key)] = st.session_state[_panel_key(key)] = n


def render_panel_sync(key: str) -> None:
    """An element that draws nothing, in the fragment that holds the side panel, for the graph
    component `key` (itself in a fragment of its own, graph_panel._drawing): when a click's version
    is drawn, the graph's code calls this element's `panel` trigger, and the trigger reruns the
    fragment this element belongs to."""
    # `done`: the requests this run answers (the benchmark and the browser test wait for it)
    _component()(key=f"{key}::panel_sync", data={"panel_for": key, "done": st.session_state.get(_panels_key(key), 0)},
                 height="content", on_panel_change=lambda: None)


def forget_sent(key: str) -> None:
    """The next draw of component `key` sends the whole graph (after a reset, or when the
    browser asks for it)."""
    st.session_state.pop(_sent_key(key), None)


def render_graph(data: dict[str, Any], *, key: str, height: int = 620,
                 on_click: Callable[[], None] | None = None, hint: str = "",
                 menu: dict[str, list[list[str]]] | None = None, on_menu: Callable[[], None] | None = None) -> Any:
    """Draw `data` (from `GraphState.vis_data()`); a node click calls `on_click`, which reads
    the clicked node id with `clicked_node(key)`. `menu`: the right-click menu per node kind
    ([action, title] pairs); a choice calls `on_menu`, which reads it with `menu_choice(key)`.
    Only what changed since the browser's version travels (`wire`)."""
    seq = st.session_state.get(_seq_key(key), 0) + 1
    payload, sent = wire(data, st.session_state.get(_sent_key(key)), seq)
    st.session_state[_sent_key(key)] = sent
    st.session_state[_seq_key(key)] = sent.seq
    payload.update(key=key, height=height, hint=hint, lib=vis_url(), menu=menu or {},
                   panel=st.session_state.pop(_panel_key(key), 0))
    return _component()(key=key, data=payload, height="content",
                        on_node_click_change=on_click or (lambda: None),
                        on_node_menu_change=on_menu or (lambda: None),
                        on_resync_change=lambda: forget_sent(key))


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


def menu_choice(key: str) -> tuple[str | None, str]:
    """(node id, action) of the right-click menu choice that triggered this run (inside on_menu)."""
    state = st.session_state.get(key)
    value = state.get("node_menu") if state and hasattr(state, "get") else None
    if isinstance(value, dict) and value.get("node") is not None:
        return str(value["node"]), str(value.get("action") or "")
    return None, ""
