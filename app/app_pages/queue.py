"""Ring queue: detected rings ranked by score, filtered; a row opens the ring."""
import streamlit as st

from ringscope import display, domain
from ringscope.app import data, ui
from ringscope.tagging import STATUSES

st.title("Ring queue")

with ui.errors_as_one_line():
    options = data.ring_filter_options()
    if not options["total"]:
        st.info("No rings yet: run `ringscope detect` (or `ringscope demo`) to find them.")
        st.stop()

    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    statuses = c1.multiselect("Status", STATUSES, format_func=ui.status_title, key="queue_status",
                              placeholder="any status")
    top = float(options["max_score"] or 0.0)
    min_score = c2.slider("Minimum score", 0.0, max(top, 1.0), 0.0, step=0.01, key="queue_min_score")
    signal = c3.selectbox("Signal", [""] + options["signals"],
                          format_func=lambda s: domain.signal_title(s) if s else "any signal",
                          key="queue_signal")
    label = c4.selectbox("Label", [""] + options["labels"], format_func=lambda s: display.neutral(s) or "any label",
                         key="queue_label")
    limit = 200
    frame = data.ring_queue(tuple(statuses), min_score, signal, label, limit)

    st.caption(f"{len(frame)} of {options['total']} rings" + (f" (first {limit})" if len(frame) >= limit else "")
               + ". Select a row to open the ring.")
    table = frame.assign(status=frame["status"].map(ui.status_title),
                         signals=frame["signals"].map(lambda names: [domain.signal_title(n) for n in names or []]))
    event = st.dataframe(
        ui.table(table),
        key="queue_table",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        column_config={
            "ring_id": st.column_config.TextColumn("Ring"),
            "score": st.column_config.ProgressColumn("Score", min_value=0.0, max_value=max(top, 1.0),
                                                format=display.SCORE_FORMAT),
            "size": st.column_config.NumberColumn("Accounts"),
            "signals": st.column_config.ListColumn("Signals"),
            "status": st.column_config.TextColumn("Status"),
            "labels": st.column_config.ListColumn("Labels"),
            "assignee": st.column_config.TextColumn("Assigned to"),
            "exchanges": st.column_config.NumberColumn("Exchanges", format="localized"),
            "tokens": st.column_config.NumberColumn("Tokens", format="localized"),
            "first_activity": st.column_config.DatetimeColumn("First activity (UTC)", format="YYYY-MM-DD HH:mm"),
            "last_activity": st.column_config.DatetimeColumn("Last activity (UTC)", format="YYYY-MM-DD HH:mm"),
            "detected_at": st.column_config.DatetimeColumn("Detected (UTC)", format="YYYY-MM-DD HH:mm"),
        },
    )
    selected = event.selection.rows if event and event.selection else []
    if selected:
        ui.open_ring(str(frame.iloc[selected[0]]["ring_id"]))

    ids = list(frame["ring_id"])
    if ids:
        c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
        pick = c1.selectbox("Open a ring", ids, key="queue_pick")
        if c2.button("Open ring", key="queue_open", type="primary"):
            ui.open_ring(pick)

    ui.show_cypher("ring_queue", data.queue_params(statuses, min_score, signal, label, limit))
