"""Case history: the newest investigator changes across every ring."""
import streamlit as st

from ringscope import tagging
from ringscope.app import data, ui
from ringscope.tagging import describe_value

st.title("Case history")
st.caption("Every tag, note, case change, assignment and comment investigators made, newest first. A ring's own history is in its view.")

ACTIONS = ["", *tagging.RING_ACTIONS]
c1, c2 = st.columns(2)
by = c1.text_input("Investigator", key="history_by", placeholder="anyone")
action = c2.selectbox("Action", ACTIONS, format_func=lambda a: a or "any action", key="history_action")

with ui.errors_as_one_line():
    frame = data.recent_audit_events(by.strip(), action, 200)
    if frame.empty:
        st.info("No changes recorded yet.")
    else:
        shown = frame.assign(
            before=frame["before"].map(lambda t: describe_value(data.parse_evidence(t))),
            after=frame["after"].map(lambda t: describe_value(data.parse_evidence(t))),
        ).drop(columns=["event_id"])
        event = st.dataframe(ui.table(shown), hide_index=True, width="stretch", on_select="rerun",
                             selection_mode="single-row", key="history_table",
                             column_config={"at": st.column_config.DatetimeColumn("at", format="YYYY-MM-DD HH:mm:ss")})
        if event and event.selection and event.selection.rows:
            ui.open_ring(str(frame.iloc[event.selection.rows[0]]["ring_id"]))
    ui.show_cypher("recent_audit_events", {"by": by.strip(), "action": action, "limit": 200})
