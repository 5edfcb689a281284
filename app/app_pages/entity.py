"""Entity view: one account or identifier, its links, its rings, its marks and its neighbourhood graph."""
import pandas as pd
import streamlit as st

from ringscope import display, tagging
from ringscope.app import data, graph_panel, marks_panel, ui, why_panel
from ringscope.app.graph_view import KINDS, PAGE_SIZE, GraphState, node_id

kind = (st.query_params.get("kind") or "").strip()
key = (st.query_params.get("key") or "").strip()

with ui.errors_as_one_line():
    if kind not in KINDS or kind == "Ring" or not key:
        st.title("Entity view")
        st.info("Open an account or identifier from Search, or from a node in a ring's graph.")
        if st.button("Go to search", type="primary"):
            st.switch_page(ui.PAGE_SEARCH)
        st.stop()

    found = data.entity(kind, key)
    st.title(f"{KINDS[kind].title} {ui.md(key)}")
    if found is None or found["node"] is None:
        ui.error(f"No {KINDS[kind].title.lower()} {key!r} in the graph.")
        st.stop()
    node = found["node"]
    if kind == "Account" and node.props.get("display_name"):
        st.caption("Display name: " + ui.md(node.props["display_name"]))

    left, right = st.columns([1, 1])
    with left:
        st.markdown("**Properties**")
        props = [{"property": k, "value": "" if v is None else str(display.when(v))} for k, v in sorted(node.props.items())
                 if k not in ("hour_profile", "daily_dates", "daily_counts")]
        st.dataframe(ui.table(pd.DataFrame(props, columns=["property", "value"])), hide_index=True, width="stretch")
    with right:
        st.markdown("**Links**")
        links = pd.DataFrame(found["links"], columns=["type", "links"])
        st.dataframe(ui.table(links), hide_index=True, width="stretch")
        st.markdown("**Rings**")
        rings = pd.DataFrame(found["rings"], columns=["ring_id", "score", "status"])
        if not found["rings_listed"]:
            st.caption(f"Used by {found['total']:,} accounts: too common to be evidence, "
                       "so rings are not listed through it. Open its accounts in the neighbourhood below.")
        elif rings.empty:
            st.caption("In no ring's case now." if kind == "Account" else "Used by no account of a detected ring.")
        else:
            rings["status"] = rings["status"].map(ui.status_title)
            event = st.dataframe(ui.table(rings), hide_index=True, width="stretch", on_select="rerun",
                                 selection_mode="single-row", key=f"entity_rings::{kind}::{key}",
                                 column_config={"score": st.column_config.NumberColumn(
                                     "score", format=display.SCORE_FORMAT)})
            if event and event.selection and event.selection.rows:
                ui.open_ring(str(rings.iloc[event.selection.rows[0]]["ring_id"]))
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            pick = c1.selectbox("Open a ring", list(rings["ring_id"]), key=f"entity_ring_pick::{kind}::{key}")
            if c2.button("Open ring", key=f"entity_ring_open::{kind}::{key}"):
                ui.open_ring(pick)
        if kind == "Account":
            # A removed account must not look as if detection never flagged it: say which ring
            # it was in and who took it out (issue 14).
            with ui.errors_as_one_line():
                for removal in tagging.removals(key):
                    st.warning(ui.md(f"Taken out of a case: {removal.describe()}"))
                    if st.button(f"Open ring {removal.ring_id}", key=f"entity_removed::{removal.ring_id}"):
                        ui.open_ring(removal.ring_id)
    ui.show_cypher("entity_lookup", {"kind": kind, "key": key, "max_rings": 50})
    # Known-bad / known-good, with a reason (ringscope.marks, the same as `ringscope mark`).
    with ui.errors_as_one_line():
        marks_panel.panel(kind, key, node.props)

    if kind == "Account":
        # `ringscope explain` on this page: why the account is, or is not, in a ring (issue 11)
        with ui.errors_as_one_line():
            why_panel.panel(key)

    st.subheader("Neighbourhood")
    centre = node_id(kind, key)
    state_key = f"entity-graph::{centre}"
    if st.button("Reset graph", key=f"entity_reset::{centre}"):
        graph_panel.reset_state(state_key)

    def build() -> GraphState:
        state = GraphState.from_graph(state_key, {centre: node}, {}, focus=centre, positions={centre: (0.0, 0.0)})
        state.expand(centre, data.neighbourhood)
        return state

    graph_panel.get_state(state_key, build)
    graph_panel.graph_panel(state_key, cypher=("neighbourhood", {"kind": kind, "key": key, "skip": 0, "limit": PAGE_SIZE}))

    if kind == "Account":
        st.subheader("How is this account linked to another?")
        with st.form(f"path::{key}"):
            other = st.text_input("Other account id", key=f"path_other::{key}")
            skip = st.multiselect("Do not go through", ["EmailDomain", "Org", "IP", "PromptTemplate"],
                                  default=["EmailDomain", "Org"], key=f"path_skip::{key}",
                                  format_func=lambda k: KINDS[k].title)
            busiest = st.number_input("Nor through an identifier shared by more than", 2, 10_000_000, 5000, step=1000,
                                      key=f"path_max::{key}",
                                      help="Accounts: a public template or a big carrier-grade NAT exit joins strangers.")
            go = st.form_submit_button("Find the shortest link")
        if go and other.strip():
            nodes, edges, hops = data.shortest_path(key, other.strip(), skip, int(busiest))
            # a mistyped id has no link to anything: say so, not "no link" (read as: not linked)
            if hops is None and data.missing_accounts((other.strip(),)):
                ui.error(f"No account {other.strip()!r} in the graph: check the id (Search finds accounts by id "
                         "or name).")
            elif hops is None:
                st.warning("No link of at most 8 steps through the allowed identifiers.")
            else:
                st.success(f"Linked in {hops} steps.")
                path_key = f"path-graph::{key}::{other.strip()}"
                graph_panel.reset_state(path_key)
                graph_panel.get_state(path_key, lambda: GraphState.from_graph(path_key, nodes, edges, focus=centre))
                st.session_state["entity_path_key"] = path_key
        path_key = st.session_state.get("entity_path_key")
        if path_key and path_key.startswith(f"path-graph::{key}::"):
            graph_panel.graph_panel(path_key, height=380)
            other_id = path_key.split("::", 2)[2]
            ui.show_cypher("shortest_path", {"from_account": key, "to_account": other_id,
                                             "skip_kinds": st.session_state.get(f"path_skip::{key}", ["EmailDomain", "Org"]),
                                             "max_accounts": int(st.session_state.get(f"path_max::{key}", 5000))})

        st.subheader("Identifiers shared with other accounts")
        others = st.text_area("Account ids (with this one)", key=f"shared_ids::{key}",
                              placeholder="other account ids, separated by spaces or commas")
        ids = tuple(dict.fromkeys([key] + others.replace(",", " ").split()))
        if len(ids) > 1:
            shared = data.shared_identifiers(ids)
            unknown = data.missing_accounts(ids[1:])
            if unknown:
                ui.error(f"No account {', '.join(repr(a) for a in unknown)} in the graph: check the "
                         f"id{'s' if len(unknown) > 1 else ''}; {'they share' if len(unknown) > 1 else 'it shares'} "
                         "nothing.")
            if shared.empty:
                st.caption("They share no identifier.")
            else:
                st.dataframe(ui.table(shared), hide_index=True, width="stretch")
            ui.show_cypher("shared_identifiers", {"account_ids": list(ids), "min_accounts": 2, "limit": 200})
