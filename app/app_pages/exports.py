"""Exports: evidence bundles written so far, and writing new ones by status."""
import pandas as pd
import streamlit as st

from ringscope.app import tagging_panel, ui
from ringscope.errors import RingScopeError
from ringscope.tagging import STATUSES

st.title("Exports")

if not tagging_panel.export_available():
    st.info("Evidence-bundle exports are not available in this install.")
    st.stop()

from ringscope import export  # noqa: E402

with ui.errors_as_one_line():
    st.subheader("Export rings by status")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    status = c1.selectbox("Status", STATUSES, index=STATUSES.index("confirmed"), format_func=ui.status_title,
                          key="exports_status")
    if c2.button("Export bundle", type="primary", key="exports_run"):
        by = ui.investigator()
        if not by:
            st.warning("Enter your name in the sidebar (Investigator) first: exports are recorded with it.")
        else:
            try:
                with st.spinner("Writing the bundle ...", show_time=True):
                    result = export.export_rings(tagging_panel.export_dir(), status=status, by=by)
                st.success(f"Exported: {tagging_panel.describe_export(result)}")
            except RingScopeError as exc:
                st.error(str(exc))

    st.subheader("Bundles written")
    listed = export.list_exports()
    rows = [r if isinstance(r, dict) else getattr(r, "__dict__", {"export": str(r)}) for r in listed]
    frame = pd.DataFrame(rows)
    for col in frame.columns:
        frame[col] = frame[col].map(lambda v: v if isinstance(v, (int, float, str, type(None))) else str(v))
    if frame.empty:
        st.caption("No bundle written yet.")
    else:
        st.dataframe(frame, hide_index=True, width="stretch")
