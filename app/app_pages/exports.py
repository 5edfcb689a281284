"""Exports: evidence bundles written so far, and writing the bundles of every ring with a status."""
import pandas as pd
import streamlit as st

from ringscope import display
from ringscope.app import tagging_panel, ui
from ringscope.errors import RingScopeError
from ringscope.tagging import STATUSES

st.title("Exports")

if not tagging_panel.export_available():
    st.info("Evidence-bundle exports are not available in this install.")
    st.stop()

from ringscope import export  # noqa: E402

with ui.errors_as_one_line():
    ui.show_flash()
    me = ui.current()
    st.subheader("Export every ring with a status")
    if not me.can("export"):
        ui.role_note("export")
    else:
        st.caption(ui.md(f"One bundle per ring under {export.default_out_dir()}.") + " `ringscope verify` checks a bundle.")
        c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
        status = c1.selectbox("Status", STATUSES, index=STATUSES.index("confirmed"), format_func=ui.status_title,
                              key="exports_status")
        replace = c2.checkbox("Replace earlier bundles", key="exports_force")
        if c3.button("Export", type="primary", key="exports_run"):
            bar = st.progress(0.0, text="Writing bundles ...")
            try:
                skipped: list[str] = []  # rings another lead moved out of the status meanwhile
                bundles = export.export_rings(export.default_out_dir(), status=status, by=me, force=replace,
                                              progress=tagging_panel.progress_bar(bar), on_skip=skipped.append)
                ui.flash(f"Exported {tagging_panel.describe_bundles(bundles)}.",
                         "success" if bundles else "info")
                for line in skipped:
                    ui.flash(f"Skipped: {line}", "warning")
                st.rerun()
            except export.BundleExists as exc:
                bar.empty()
                # said in the app's words: the command line's --force is this page's checkbox
                st.warning(ui.md(f"{exc.folder.name} (and maybe others) already holds a bundle under "
                                 f"{exc.folder.parent}: nothing was written. Tick \"Replace earlier bundles\" "
                                 "and export again to replace them."))
            except RingScopeError as exc:
                bar.empty()
                ui.error(str(exc))

    st.subheader("Exports recorded")
    records = export.list_exports(limit=200)
    frame = pd.DataFrame(
        [{"at": display.when(r.at), "by": r.by, "status": ui.status_title(r.status), "rings": ", ".join(r.ring_ids),
          "folder": r.out_dir, "export": r.export_id} for r in records],
        columns=["at", "by", "status", "rings", "folder", "export"],
    )
    if frame.empty:
        st.caption("No bundle written yet.")
    else:
        event = st.dataframe(ui.table(frame), hide_index=True, width="stretch", on_select="rerun",
                             selection_mode="single-row", key="exports_table")
        if event and event.selection and event.selection.rows:
            rings = records[event.selection.rows[0]].ring_ids
            if len(rings) == 1:
                ui.open_ring(rings[0])
    ui.show_cypher("list_exports", {"ring_id": "", "limit": 200})
