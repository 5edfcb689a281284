"""Ring view: why the ring was flagged, its graph (click to expand), members, timelines,
tags and history."""
import streamlit as st

from ringscope import display
from ringscope.app import data, evidence, graph_panel, ui
from ringscope.app import tagging_panel
from ringscope.app.graph_view import GraphState



def timelines(ring_id: str) -> None:
    bucket = st.segmented_control("Sign-ups per", ["hour", "day", "week"], default="day", key=f"bucket::{ring_id}")
    signups = data.ring_signups(ring_id, bucket or "day")
    st.markdown("**Sign-ups**")
    if signups.empty:
        st.caption("No sign-up times recorded.")
    else:
        st.bar_chart(signups, x="bucket", y="signups", x_label="sign-up time (UTC)", y_label="accounts")
    ui.show_cypher("ring_signups", {"ring_id": ring_id, "bucket": bucket or "day"})
    daily = data.ring_daily_exchanges(ring_id)
    st.markdown("**API exchanges per day**")
    if daily.empty:
        st.caption("No exchanges recorded.")
    else:
        st.line_chart(daily, x="day", y="exchanges", x_label="day (UTC)", y_label="exchanges")
    ui.show_cypher("ring_daily_exchanges", {"ring_id": ring_id})
    hours = data.ring_hour_profile(ring_id)
    st.markdown("**Exchanges by hour of day (UTC)**")
    st.bar_chart(hours, x="hour", y="exchanges", x_label="hour of day (UTC)", y_label="exchanges")
    ui.show_cypher("ring_hour_profile", {"ring_id": ring_id})


ring_id = (st.query_params.get("ring") or "").strip()

with ui.errors_as_one_line():
    if not ring_id:
        st.title("Ring view")
        queue = data.ring_queue()
        if queue.empty:
            st.info("No rings yet: run `ringscope detect` first.")
            st.stop()
        pick = st.selectbox("Ring", list(queue["ring_id"]), key="ring_pick",
                            help="Rings by score; the ring queue has filters.")
        if st.button("Open ring", type="primary"):
            ui.open_ring(pick)
        st.stop()

    summary = data.ring_summary(ring_id)
    if summary is None:
        st.title("Ring view")
        ui.error(f"No ring with id {ring_id!r}: pick one in the ring queue.")
        st.stop()

    ui.show_flash()
    st.title(f"Ring {ui.md(ring_id)}")
    m = st.columns(6)
    m[0].metric("Score", display.score(summary["score"]))
    m[1].metric("Status", ui.status_title(summary["status"]))
    m[2].metric("Accounts", f"{summary['members']:,}",
                help=f"{summary['removed']} removed by investigators" if summary["removed"] else None)
    # compact figures: a million-account ring's token count does not fit a tile's width
    m[3].metric("Exchanges", display.compact(summary["exchanges"]), help=f"{summary['exchanges'] or 0:,} exchanges")
    m[4].metric("Tokens", display.compact(summary["tokens"]), help=f"{summary['tokens'] or 0:,} tokens")
    m[5].metric("Labels", len(summary["labels"]))

    if summary.get("weakened"):
        gone = summary.get("detection_status") == "stale"
        when = str(summary.get("weakened_at") or "")[:16].replace("T", " ")
        st.warning(("Detection no longer finds this ring" if gone else "Detection weakened this finding")
                   + (f" (run of {when} UTC)" if when else "") + ": "
                   + ui.md(summary.get("weakened_reason") or "") + ". It stays in the queue until an "
                   "investigator decides: set its status below.", icon="⚠️")

    with st.container(border=True):
        st.markdown("**Why this ring was flagged**")
        evidence.render_headline(summary)

    st.subheader("Accounts and the identifiers they share")
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    # ?members=&min_shared=&per_kind= in the URL set the starting values (a view can be shared as a link)
    max_members = c1.number_input("Accounts drawn at most", 10, 2000, ui.int_param("members", 250, 10, 2000),
                                  step=50, key=f"ring_max::{ring_id}",
                                  help="The ring's highest-scoring members are drawn first.")
    min_shared = c2.number_input("Identifiers shared by at least", 1, 50, ui.int_param("min_shared", 2, 1, 50),
                                 key=f"ring_min_shared::{ring_id}",
                                 help="Draw an identifier when at least this many drawn accounts used it "
                                      "(1: every identifier of the drawn accounts).")
    per_kind = c3.number_input("Identifiers of one kind at most", 5, 2000, ui.int_param("per_kind", 50, 5, 2000),
                               step=5, key=f"ring_per_kind::{ring_id}",
                               help="The most shared first; keeps cards and devices visible next to many proxy IPs.")
    # The case generation (bumped by every member change) is part of the key: after an add or
    # a removal the graph is drawn again from what the graph database holds.
    case_gen = tagging_panel.case_generation(ring_id)
    base_key = f"ring-graph::{ring_id}::{max_members}::{min_shared}::{per_kind}"
    state_key = base_key + (f"::case{case_gen}" if case_gen else "")
    if case_gen:  # the graph drawn before the change is not shown again: free it
        graph_panel.reset_state(base_key + (f"::case{case_gen - 1}" if case_gen > 1 else ""))
    if c4.button("Reset graph", help="Collapse every expansion and lay the ring out again."):
        graph_panel.reset_state(state_key)
    max_identifiers = max(250, max_members, per_kind)
    params = data.ring_graph_params(ring_id, max_members, max_identifiers, min_shared, per_kind)

    def build() -> GraphState:
        # query and layout shared by every session on this ring and view (data.ring_view)
        nodes, edges, left_out, positions, labelled, texts = data.ring_view(ring_id, max_members, max_identifiers,
                                                                            min_shared, per_kind)
        st.session_state[f"{state_key}::left_out"] = left_out
        return GraphState.from_graph(state_key, nodes, edges, positions=positions, labelled=labelled, texts=texts)

    state = graph_panel.get_state(state_key, build)
    state.case = tagging_panel.case_membership(ring_id, summary)
    shown = []
    if summary["members"] > max_members:
        shown.append(f"Showing the {max_members} highest-scoring of {summary['members']:,} accounts.")
    left_out = st.session_state.get(f"{state_key}::left_out", 0)
    if left_out:
        shown.append(f"{left_out:,} more shared identifiers left out to keep the drawing within "
                     f"{data.RING_GRAPH_MAX_LINKS:,} links: raise \"Identifiers shared by at least\" to draw the most "
                     "shared ones, or click an account to see all of its identifiers.")
    if shown:
        st.caption(" ".join(shown))
    graph_panel.graph_panel(state_key, cypher=("ring_graph", params), with_time_slider=True, ring_id=ring_id)
    # ring_graph returns maps (fast to decode for the app), which Browser shows as a table: this
    # one returns the same graph as nodes and relationships, so Browser draws it.
    ui.show_cypher("ring_graph_browser", params, label="Cypher for Neo4j Browser: the ring drawn as a graph",
                   key=f"browser::{ring_id}")

    # Lazy (drawn when opened): the detail's tables would delay the graph by ~0.3 s on every
    # load, and the headline above already says why the ring was flagged.
    detail = st.expander("Evidence in detail", on_change="rerun", key=f"evidence::{ring_id}")
    if detail.open:
        with detail:
            evidence.render(summary)
    ui.show_cypher("ring_summary", {"ring_id": ring_id})

    # Lazy tabs: only the open tab's queries run (the page stays fast on big rings). The first
    # one opens with the page, so it is the one without a data grid (a grid's first start
    # delays the graph above by ~0.25 s).
    tags_tab, members_tab, timelines_tab, history_tab = st.tabs(
        ["Tags and case", "Accounts", "Timelines", "History"], key=f"ring_tabs::{ring_id}", on_change="rerun")
    if members_tab.open:
        with members_tab:
            tagging_panel.members(ring_id, summary)
    if timelines_tab.open:
        with timelines_tab:
            timelines(ring_id)
    if tags_tab.open:
        with tags_tab:
            tagging_panel.tags(ring_id, summary)
            tagging_panel.assignment(ring_id)
            tagging_panel.comments(ring_id)
            tagging_panel.export_button(ring_id, summary["status"])
    if history_tab.open:
        with history_tab:
            tagging_panel.history(ring_id)
