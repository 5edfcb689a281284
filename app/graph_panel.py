"""The graph with its side panel, shared by the ring view, the entity view and the console.

A click on a node expands it (its first 50 neighbours; an account's evidence
first: the kinds it has fewest of, the most shared first) or, when expanded,
collapses it; an account's counts per kind ("2 devices, 118 IPs") expand one kind
at a time; the side panel shows the selected node and offers the same
actions as buttons ("show 50 more" for supernodes), plus a picker of every node
on screen for keyboard users and for tests that do not run JavaScript. The
panel is a fragment: a click reruns only the graph, not the whole page.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Any, Callable

import pandas as pd
import streamlit as st

from ringscope import display, domain, tagging
from ringscope.errors import RingScopeError

from . import data, marks_panel, tagging_panel, timing, ui
from .graph_component import clicked_node, menu_choice, panel_after_this_run, render_graph, render_panel_sync
from .graph_view import KINDS, PAGE_SIZE, GraphState, node_mark_id, parse_node_id

HINT = ("Click a node to expand its neighbours; click it again to collapse them. Right-click a node for more "
        "(expand one kind, hide, add to the case, open, mark).")


def get_state(state_key: str, build: Callable[[], GraphState]) -> GraphState:
    state = st.session_state.get(state_key)
    if not isinstance(state, GraphState):
        state = build()
        st.session_state[state_key] = state
    return state


def reset_state(state_key: str) -> None:
    """Forget the graph and what its controls held (found node, search text, kinds, time window):
    the next run builds and draws it afresh."""
    for key in (state_key, _found_key(state_key), _find_key(state_key), _kinds_key(state_key),
                _window_key(state_key)):
        st.session_state.pop(key, None)


def _error_key(state_key: str) -> str:
    return f"{state_key}::error"


def apply_action(state: GraphState, action: str, nid: str, fetch=None) -> str:
    """expand / collapse / more / toggle on one node; returns a one-line outcome."""
    fetch = fetch or data.neighbourhood
    if nid not in state.nodes:
        return f"{nid} is no longer on the graph"
    if action == "toggle":
        done = state.toggle(nid, fetch)
        return f"{done} {nid}"
    if action == "expand":
        added = state.expand(nid, fetch)
        return f"expanded {nid}: {added} nodes added"
    if action == "more":
        added = state.show_more(nid, fetch)
        return f"{added} more nodes round {nid}"
    if action == "collapse":
        removed = state.collapse(nid)
        return f"collapsed {nid}: {removed} nodes removed"
    if action.startswith("link:"):
        added = state.expand_link(nid, action.split(":", 1)[1], fetch)
        return f"expanded {nid}'s {action.split(':', 1)[1]}: {added} nodes added"
    raise ValueError(f"unknown graph action {action!r}")


def _run_action(state_key: str, action: str, nid: str | None) -> None:
    state = st.session_state.get(state_key)
    st.session_state.pop(_error_key(state_key), None)
    if not isinstance(state, GraphState) or not nid:
        return
    try:
        apply_action(state, action, nid)
    except (RingScopeError, ValueError, KeyError) as exc:
        st.session_state[_error_key(state_key)] = str(exc).splitlines()[0]
    if state.selected in state.nodes:
        _pick(state_key, state.selected)


def _pick_key(state_key: str) -> str:
    return f"{state_key}::pick"


def _picked_key(state_key: str) -> str:
    return f"{state_key}::picked"


def _pick(state_key: str, nid: str) -> None:
    """Choose `nid` in the side panel's Node list at the panel's next run. Not the widget's own
    key: a click on the graph reruns only the graph's fragment (`_drawing`), in which the Node
    list is not drawn, so the browser still holds the list's old choice and sends it back with
    the side panel's run, where it would win over a value set here; the panel's run applies
    this one before it draws the list (`_graph_panel`)."""
    st.session_state[_picked_key(state_key)] = nid


def _task_key(state_key: str) -> str:
    return f"{state_key}::task"


#: What the right-click menu and the side panel's buttons can ask of a node besides a graph
#: action: open its entity view, add it to the ring's case, mark it. Each sets the same task,
#: which the side panel then carries out (a form where a reason is needed).
TASKS = ("open", "case", "mark")


def _set_task(state_key: str, task: str, nid: str) -> None:
    st.session_state[_task_key(state_key)] = (task, nid)
    _pick(state_key, nid)
    state = st.session_state.get(state_key)
    if isinstance(state, GraphState):
        state.selected = nid


def _on_menu(state_key: str, component_key: str) -> None:
    """A choice in the graph's right-click menu: the same functions as the side panel's buttons
    (expand, expand one kind, collapse, hide: _run_action and _on_hide; open, add to case,
    mark: the side panel's task). Writes are checked where they happen (ringscope.tagging and
    ringscope.marks check the role), so a forged choice changes nothing a role may not."""
    nid, action = menu_choice(component_key)
    panel_after_this_run(component_key)
    state = st.session_state.get(state_key)
    if not nid or not isinstance(state, GraphState) or nid not in state.nodes:
        return
    st.session_state.pop(_task_key(state_key), None)
    if action in ("expand", "collapse") or action.startswith("link:"):
        _pick(state_key, nid)
        _run_action(state_key, action, nid)
    elif action == "hide":
        _on_hide(state_key, nid, True)
    elif action in TASKS:
        _set_task(state_key, action, nid)


def node_menu(state: GraphState, ring_id: str | None) -> dict[str, list[list[str]]]:
    """The right-click menu of each kind of node on screen, as [action, title] pairs: what the
    signed-in person may do (the functions check again). "expand" shows as "Collapse" on an
    expanded node (the component knows which are)."""
    me = ui.current()
    menus: dict[str, list[list[str]]] = {}
    for kind in {n.kind for n in state.nodes.values()}:
        items = [["expand", f"Expand (first {PAGE_SIZE} neighbours)"]]
        if kind == "Account":
            items += [[f"link:{link}", f"Expand: only its {many}"] for link, (_, many) in domain.LINK_NOUNS.items()]
        items.append(["hide", "Hide from the graph"])
        if kind == "Account" and ring_id and me.can("edit_members"):
            items.append(["case", f"Add to ring {display.neutral(ring_id)}'s case..."])
        items.append(["open", "Open entity view"])
        if domain.KINDS_BY_LABEL.get(kind) and domain.KINDS_BY_LABEL[kind].name in domain.MARK_KINDS \
                and me.can("mark_identifiers"):
            items.append(["mark", "Mark known bad / known good..."])
        menus[kind] = items
    return menus


def _case_task(state_key: str, ring_id: str, account_id: str) -> None:
    """Add one account to the ring's case, with the reason the export cites: the Accounts tab's
    path (tagging.add_members through tagging_panel.apply_member_change)."""
    where = f"graph-task::{ring_id}"
    me = ui.current()
    if not me.can("edit_members"):
        ui.role_note("edit_members")
        return
    with st.form(f"{state_key}::case_form"):
        st.markdown(ui.md(f"Add account {account_id} to ring {ring_id}'s case"))
        why = st.text_input("Why it belongs in the case", key=f"{state_key}::case_why",
                            max_chars=tagging.MAX_REASON_CHARS, placeholder="same card as a-01",
                            help="The export's enforcement actions cite this reason (and who added it).")
        add = st.form_submit_button("Add to case", type="primary")
    if add:
        if not (why or "").strip():
            st.warning("Say why this account belongs in the case: the export's enforcement actions cite it.")
            return
        st.session_state.pop(_task_key(state_key), None)
        tagging_panel.apply_member_change(
            ring_id, where, lambda: tagging.add_members(ring_id, [account_id], by=me, reason=why),
            "added to", clear=(f"{state_key}::case_why",))


def _side_tasks(state_key: str, state: GraphState, picked: str, ring_id: str | None) -> None:
    """The side panel's "Add to case" and "Mark" buttons, and the task the right-click menu or
    a button asked for."""
    kind, key = parse_node_id(picked)
    me = ui.current()
    mark_kind = domain.KINDS_BY_LABEL[kind].name if kind in domain.KINDS_BY_LABEL else None
    can_case = kind == "Account" and bool(ring_id) and me.can("edit_members")
    can_mark = mark_kind in domain.MARK_KINDS and me.can("mark_identifiers")
    if can_case or can_mark:
        t1, t2 = st.columns(2)
        if can_case:
            t1.button("Add to case...", key=f"{state_key}::task_case", width="stretch",
                      on_click=_set_task, args=(state_key, "case", picked),
                      help="Put this account into the ring's case, with the reason the export cites.")
        if can_mark:
            t2.button("Mark...", key=f"{state_key}::task_mark", width="stretch",
                      on_click=_set_task, args=(state_key, "mark", picked),
                      help="Mark it known-bad or known-good, with a reason (audited).")
    if ring_id:
        ui.show_flash(f"graph-task::{ring_id}")
    ui.show_flash(f"graph-task::{state_key}")
    task = st.session_state.get(_task_key(state_key))
    if not task or task[1] != picked:
        return
    if task[0] == "open":
        st.session_state.pop(_task_key(state_key), None)
        ui.open_entity(kind, key)
    elif task[0] == "case" and kind == "Account" and ring_id:
        _case_task(state_key, ring_id, key)
    elif task[0] == "mark" and mark_kind in domain.MARK_KINDS:
        mark = data.mark_of(kind, key)
        marks_panel.mark_form(mark_kind, key, state.nodes[picked].props,
                              mark.verdict if mark is not None and mark.verdict else "clear",
                              where=f"graph-task::{state_key}", form_key=state_key)


def _on_click(state_key: str, component_key: str) -> None:
    if timing.enabled():
        st.session_state["_timing::click"] = timing.now()
        timing.profile_start()
    panel_after_this_run(component_key)
    _run_action(state_key, "toggle", clicked_node(component_key))


def _node_caption(state: GraphState, nid: str) -> str:
    n = state.nodes[nid]
    mark = " (expanded)" if nid in state.expansions else ""
    why = state.hidden_reason(nid)
    mark += f" ({why})" if why else ""
    return display.neutral(f"{KINDS[n.kind].title} · {n.key}{mark}")


def _properties(state: GraphState, nid: str) -> str:
    """The node's properties as a Markdown list, every value escaped (names and user agents come
    from attackers). Markdown, not a data grid: the first grid on a page loads and starts
    glide-data-grid, which delayed the ring view's graph by ~0.2 s."""
    n = state.nodes[nid]
    lines = [f"- **{ui.md(k)}**: {ui.md('' if v is None else display.when(v))}" for k, v in sorted(n.props.items())
             if k not in ("hour_profile", "daily_dates", "daily_counts")]
    return "\n".join(lines) or "No properties."


def evidence_counts(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An account's links by type (entity_lookup's `links`) in evidence order: shared
    identifiers first, the kinds it has fewest of first; its e-mail domain and org last
    (the order the neighbourhood query expands them in)."""
    context = {"HAS_EMAIL_DOMAIN", "IN_ORG"}
    return sorted((link for link in links if link["type"] in domain.LINK_NOUNS),
                  key=lambda link: (link["type"] in context, link["links"], link["type"]))


def _kind_buttons(state_key: str, nid: str, account_id: str, exp) -> None:
    """"2 payment instruments, 2 devices, 118 IPs, 121 templates": one button per kind, which
    shows only that kind of the account's identifiers, the most shared first."""
    try:
        found = data.entity("Account", account_id)
    except RingScopeError:
        return
    counts = evidence_counts(found["links"]) if found else []
    if not counts:
        return
    st.caption(", ".join(domain.count_of(c["type"], c["links"]) for c in counts) +
               ". Show one kind at a time, rarest first:")
    cols = st.columns(2)
    for i, c in enumerate(counts):
        current = exp is not None and exp.link == c["type"]
        cols[i % 2].button(domain.count_of(c["type"], c["links"]), key=f"{state_key}::link::{c['type']}",
                           width="stretch", type="primary" if current else "secondary", disabled=current,
                           on_click=_run_action, args=(state_key, f"link:{c['type']}", nid),
                           help="Only these identifiers of the account, the ones most accounts share first.")


def draw_marks(state: GraphState) -> None:
    """Look up the marks of the nodes on screen so the graph draws known-bad and known-good
    nodes distinctly: all of them when the graph is new, when a mark was saved in this app
    (data.marks_generation) or after data.MARKS_TTL seconds (another investigator's marks);
    otherwise only the nodes an expansion added, so a click costs no lookup of the nodes
    already checked. A failed lookup draws the graph without new marks."""
    generation, now = data.marks_generation(), time.monotonic()
    checked = state.marks_checked_at
    if checked is None or checked[0] != generation or now - checked[1] > data.MARKS_TTL:
        state.marks, state.marks_checked, state.marks_checked_at = {}, set(), (generation, now)
    todo = [nid for nid in state.nodes if nid not in state.marks_checked]
    if not todo:
        return
    by_mark = {mid: nid for nid, mid in ((nid, node_mark_id(state.nodes[nid])) for nid in todo) if mid}
    try:
        found = data.marks_by_id(tuple(sorted(by_mark))) if by_mark else {}
    except RingScopeError:
        return
    state.marks.update({by_mark[mid]: mark for mid, mark in found.items() if mid in by_mark})
    state.marks_checked.update(todo)


def _kinds_key(state_key: str) -> str:
    return f"{state_key}::kinds"


def _find_key(state_key: str) -> str:
    return f"{state_key}::find"


def _found_key(state_key: str) -> str:
    return f"{state_key}::found"


def _on_kinds(state_key: str) -> None:
    state = st.session_state.get(state_key)
    if isinstance(state, GraphState):
        state.show_kinds(st.session_state.get(_kinds_key(state_key)) or [])


def find_on_screen(state: GraphState, text: str) -> tuple[str | None, str]:
    """Bring the best match for `text` into view; (node id or None, one line saying what happened)."""
    text = " ".join(str(text or "").split())
    if not text:
        return None, ""
    matches = state.find(text)
    if not matches:
        return None, f"Nothing on the graph matches {display.neutral(text)!r}."
    nid = matches[0]
    state.bring_into_view(nid)
    n = state.nodes[nid]
    more = f" ({len(matches)} matches; the others are in the Node list)" if len(matches) > 1 else ""
    return nid, display.neutral(f"Found {KINDS[n.kind].title.lower()} {n.key}{more}.")


def _on_find(state_key: str) -> None:
    state = st.session_state.get(state_key)
    if not isinstance(state, GraphState):
        return
    nid, message = find_on_screen(state, st.session_state.get(_find_key(state_key), ""))
    st.session_state[_found_key(state_key)] = (nid is not None, message)
    if nid is not None:
        _pick(state_key, nid)


def _on_hide(state_key: str, nid: str, hide: bool) -> None:
    state = st.session_state.get(state_key)
    if isinstance(state, GraphState):
        state.hide(nid) if hide else state.unhide(nid)


def _on_show_hidden(state_key: str) -> None:
    state = st.session_state.get(state_key)
    if isinstance(state, GraphState):
        state.unhide()


def _window_key(state_key: str) -> str:
    return f"{state_key}::window"


def _on_window(state_key: str) -> None:
    state = st.session_state.get(state_key)
    value = st.session_state.get(_window_key(state_key))
    if not isinstance(state, GraphState) or not value:
        return
    span = state.time_span()
    start, end = (d.isoformat() for d in value)
    state.set_window(None if span is None or (start, end) == span else start, end)


def time_slider(state_key: str, state: GraphState) -> None:
    """Bloom's slicer: a range of UTC days; the graph draws the accounts and links active in it
    (GraphState.set_window), from the dates the ring's query already returned."""
    span = state.time_span()
    if span is None:
        st.caption("Nothing on the graph is dated: no time slider.")
        return
    lo, hi = (dt.date.fromisoformat(d) for d in span)
    if lo == hi:
        st.caption(f"Everything on the graph happened on {lo.isoformat()} (UTC).")
        return
    start, end = state.window or span
    value = (min(max(dt.date.fromisoformat(start), lo), hi), max(min(dt.date.fromisoformat(end), hi), lo))
    st.session_state[_window_key(state_key)] = value
    st.slider("Active between (UTC days)", min_value=lo, max_value=hi, key=_window_key(state_key),
              format="YYYY-MM-DD", on_change=_on_window, args=(state_key,),
              help="Draw only the accounts and links active in these days: a link when the days it was "
                   "seen overlap them, an account when its span (sign-up to last activity) does, an "
                   "identifier when an active account reached it then.")


def _filters(state_key: str, state: GraphState) -> None:
    """Above the graph: which kinds are drawn, and "find on screen". Both work on the state the
    server keeps, so what is drawn, the legend and the table agree."""
    present = [k for k in KINDS if any(n.kind == k for n in state.nodes.values())]
    f1, f2 = st.columns([3, 2], vertical_alignment="bottom")
    st.session_state[_kinds_key(state_key)] = [k for k in present if k not in state.hidden_kinds]
    f1.multiselect("Node kinds drawn", present, key=_kinds_key(state_key), format_func=lambda k: KINDS[k].title,
                   on_change=_on_kinds, args=(state_key,),
                   help="Leave a kind out to see the rest more clearly; its nodes and links stay on the graph, "
                        "undrawn, until you add it back.")
    f2.text_input("Find on screen", key=_find_key(state_key), on_change=_on_find, args=(state_key,),
                  placeholder="id, name or e-mail",
                  help="Selects the node whose id (or display name, or e-mail) matches, draws it if it was hidden, "
                       "and centres the graph on it.")
    found = st.session_state.get(_found_key(state_key))
    if found:
        (st.caption if found[0] else st.warning)(ui.md(found[1]))


@st.fragment
def graph_panel(state_key: str, *, height: int = 620, cypher: tuple[str, dict[str, Any]] | None = None,
                with_time_slider: bool = False, ring_id: str | None = None) -> None:
    """Draw the GraphState stored at `state_key` (build it with get_state first); with
    `with_time_slider`, a range of days above it filters the graph to what was active then;
    with `ring_id` (the ring view), accounts can be added to that ring's case from the graph.

    Two fragments: this one (the controls, the graph, the side panel, the table) and, inside
    it, `_drawing` (the graph alone). A click or a right-click menu choice on the graph reruns
    only `_drawing`: the server sends the graph's delta and nothing else, so the browser draws
    it without first re-rendering the side panel's widgets (which doubled the time from a click
    to the graph drawn on the incident world). Once that version is drawn and painted, the
    component asks for this fragment's run (`render_panel_sync`), which brings the side panel,
    the captions, the kind filter and the time slider up to date; the graph it sends then is
    "same" (nothing is drawn again)."""
    _graph_panel(state_key, height=height, cypher=cypher, with_time_slider=with_time_slider, ring_id=ring_id)


@st.fragment
def _drawing(state_key: str, height: int, ring_id: str | None, out: dict[str, Any]) -> None:
    """The graph alone (see graph_panel): marks of new nodes, the drawing data, the component.
    `out` receives what was drawn (the enclosing run's captions read it)."""
    clicked = st.session_state.pop("_timing::click", None)
    try:
        state = st.session_state.get(state_key)
        if not isinstance(state, GraphState):
            return
        component_key = f"{state_key}::component"
        draw_marks(state)
        vis = state.vis_data()
        out["vis"] = vis
        render_graph(vis, key=component_key, height=height, hint=HINT,
                     on_click=lambda: _on_click(state_key, component_key),
                     menu=node_menu(state, ring_id), on_menu=lambda: _on_menu(state_key, component_key))
    finally:
        if clicked is not None:  # benchmarks: a click's server time, callback to the end of the graph's run
            timing.record("expand", clicked, session=timing.session())


def _graph_panel(state_key: str, *, height: int, cypher: tuple[str, dict[str, Any]] | None,
                 with_time_slider: bool, ring_id: str | None) -> None:
    state = st.session_state.get(state_key)
    if not isinstance(state, GraphState):
        st.info("Nothing to draw.")
        return
    component_key = f"{state_key}::component"
    graph_col, side = st.columns([3, 1])
    with graph_col:
        if not state.nodes:
            st.info("No nodes to draw.")
        else:
            if with_time_slider:
                time_slider(state_key, state)
            _filters(state_key, state)
            drawing: dict[str, Any] = {}
            _drawing(state_key, height, ring_id, drawing)
            vis = drawing.get("vis") or state.vis_data()
            drawn, hidden = len(vis["nodes"]), len(state.hidden & set(state.nodes))
            if drawn < len(state.nodes):
                c1, c2 = st.columns([3, 1], vertical_alignment="center")
                window = (f", active {state.window[0]} to {state.window[1]}" if state.window else "")
                c1.caption(f"{drawn} of {display.count(len(state.nodes), 'node')} drawn{window}, {len(vis['edges'])} "
                           f"of {display.count(len(state.edges), 'relationship')}; {hidden} hidden by hand, "
                           f"{len(state.hidden_kinds)} kind(s) left out; {len(state.expansions)} expanded.")
                if hidden:
                    c2.button(f"Show {hidden} hidden", key=f"{state_key}::unhide_all", width="stretch",
                              on_click=_on_show_hidden, args=(state_key,))
            else:
                st.caption(f"{display.count(len(state.nodes), 'node')}, "
                           f"{display.count(len(state.edges), 'relationship')} on screen; "
                           f"{len(state.expansions)} expanded.")
            quiet = len(state.unlabelled.intersection(n["id"] for n in vis["nodes"]))
            if quiet:
                st.caption(f"Labels are drawn where they fit: {quiet} node(s) without one (they would cover "
                           "another); hover a node or pick it in the Node list to see what it is.")
    with side:
        error = st.session_state.get(_error_key(state_key))
        if error:
            ui.error(error)
        ids = sorted(state.nodes, key=lambda nid: (state.nodes[nid].kind != "Account", nid))
        if ids:
            wanted = st.session_state.pop(_picked_key(state_key), None)
            if wanted in state.nodes:
                st.session_state[_pick_key(state_key)] = wanted
            if st.session_state.get(_pick_key(state_key)) not in state.nodes:
                st.session_state[_pick_key(state_key)] = state.selected if state.selected in state.nodes else ids[0]
            picked = st.selectbox("Node", ids, key=_pick_key(state_key),
                                  format_func=lambda nid: _node_caption(state, nid) if nid in state.nodes else nid,
                                  help="Every node on screen; the one you clicked last is chosen.")
            if picked != state.selected:
                state.selected = picked
            exp = state.expansions.get(picked)
            b1, b2 = st.columns(2)
            if exp is None:
                b1.button("Expand", key=f"{state_key}::expand", type="primary", width="stretch",
                          on_click=_run_action, args=(state_key, "expand", picked),
                          help=f"Show the first {PAGE_SIZE} neighbours of this node.")
            else:
                b1.button("Collapse", key=f"{state_key}::collapse", width="stretch",
                          on_click=_run_action, args=(state_key, "collapse", picked),
                          help="Remove what expanding this node added.")
                b2.button(f"Show {PAGE_SIZE} more", key=f"{state_key}::more", width="stretch",
                          disabled=not exp.has_more, on_click=_run_action, args=(state_key, "more", picked),
                          help=f"{exp.shown} of {exp.total} neighbours shown.")
                st.caption(f"{exp.shown} of {domain.count_of(exp.link, exp.total)} shown" if exp.link
                           else f"{exp.shown} of {exp.total} neighbours shown")
            kind, key = parse_node_id(picked)
            if kind == "Account":
                _kind_buttons(state_key, picked, key, exp)
            mark = data.mark_of(kind, key)
            if mark is not None:
                (st.warning if mark.verdict == "known_bad" else st.info)(ui.md(mark.describe()))
            hidden_by_hand = picked in state.hidden
            st.button("Show on the graph" if hidden_by_hand else "Hide from the graph", key=f"{state_key}::hide",
                      width="stretch", on_click=_on_hide, args=(state_key, picked, not hidden_by_hand),
                      help="Hidden nodes stay on the graph, undrawn with their links, until shown again.")
            if state.hidden_reason(picked) == "kind filtered out":
                st.caption("Not drawn: its kind is left out above.")
            st.button("Open entity view", key=f"{state_key}::open", width="stretch",
                      on_click=_set_task, args=(state_key, "open", picked),
                      help="Its properties, rings and marks, and its mark's history.")
            _side_tasks(state_key, state, picked, ring_id)
            with st.container(height=260, border=False):
                st.markdown(_properties(state, picked))
    with side:
        render_panel_sync(component_key)   # draws nothing (see graph_panel); last, so it adds no gap between widgets
    # Built only on request: thousands of rows would be serialised again on every click.
    if st.toggle("Show the graph as a table", key=f"{state_key}::table"):
        st.dataframe(ui.table(pd.DataFrame(state.table())), hide_index=True, width="stretch")
        st.dataframe(ui.table(pd.DataFrame(state.edge_table())), hide_index=True, width="stretch")
    if cypher:
        ui.show_cypher(*cypher, key=f"{state_key}::view")
    if state.selected in state.nodes:
        kind, key = parse_node_id(state.selected)
        exp = state.expansions.get(state.selected)
        skip, after = exp.next_page() if exp else (0, "")
        ui.show_cypher("neighbourhood", {"kind": kind, "key": key, "skip": skip, "limit": PAGE_SIZE, "after": after,
                                        "link": exp.link if exp else ""},
                       label="Cypher: expanding the selected node (next page)", key=f"{state_key}::next")
