"""Cypher console: ad-hoc queries and the catalog's read queries, read-only (the server
refuses writes in a read transaction), with a time limit and a row cap."""
import streamlit as st

from ringscope import display, saved_queries
from ringscope.app import console, data, graph_panel, ui
from ringscope.app.graph_view import GraphState, graph_from_values, has_graph_values
from ringscope.catalog import CatalogError
from ringscope.errors import RingScopeError

st.title("Cypher console")
st.caption("Read-only: queries run in read transactions, so the server refuses any write. "
           "Stored queries come with their parameters; ad-hoc queries may use parameters too.")

stored = console.stored_read_queries()
names = [""] + sorted(stored)
c1, c2, c3 = st.columns([4, 1, 1])
choice = c1.selectbox("Stored query", names, key="console_query", on_change=console.load_stored, args=(stored,),
                      format_func=lambda n: f"{n}: {stored[n].title}" if n else "(ad-hoc query)")
timeout = c2.number_input("Time limit (s)", 1, 300, 30, key="console_timeout")
max_rows = c3.number_input("Row cap", 1, 10000, 1000, key="console_max_rows")

with ui.errors_as_one_line():
    saved = console.saved_queries_by_name()
    saved_choice = st.selectbox("Saved query (the team's)", [""] + sorted(saved), key="console_saved",
                                on_change=console.load_saved, args=(saved,),
                                format_func=lambda n: f"{n}: {saved[n].title}" if n else "(none)")
    if saved_choice and saved_choice in saved:
        chosen = saved[saved_choice]
        st.caption(ui.md(f"{chosen.description} (version {chosen.version}, saved by {chosen.created_by}"
                         + (f", last changed by {chosen.updated_by}" if chosen.updated_by != chosen.created_by else "")
                         + ")"))
        d1, d2 = st.columns([1, 1])
        d1.download_button("Download as .cypher", saved_queries.to_cypher_file(chosen), file_name=f"{chosen.name}.cypher",
                           mime="text/plain", key="saved_download", on_click="ignore")
        me = ui.current()
        if me.subject == chosen.created_by_subject or me.can("manage_saved_queries"):
            if d2.button("Delete this saved query", key="saved_delete"):
                try:
                    saved_queries.delete(chosen.name, by=me)
                except RingScopeError as exc:
                    ui.flash(f"Nothing was deleted: {exc}", "error", where="saved")
                else:
                    ui.flash(f"Deleted {chosen.name}.", where="saved")
                    st.session_state.pop("console_saved", None)
                st.rerun()
    ui.show_flash("saved")

if "console_cypher" not in st.session_state:
    st.session_state["console_cypher"] = "MATCH (r:Ring)\nRETURN r.ring_id AS ring, r.score AS score\nORDER BY score DESC\nLIMIT 25"
if choice:
    st.caption(stored[choice].description)
cypher = st.text_area("Cypher", key="console_cypher", height=220)
params_text = st.text_area("Parameters (JSON object)", key="console_params", height=90,
                           help='For example {"ring_id": "R-0001", "limit": 50}. Stored queries fill theirs in.')

GRAPH_KEY = "console-graph"

if st.button("Run", type="primary", key="console_run"):
    st.session_state["console_result"] = None
    graph_panel.reset_state(GRAPH_KEY)  # a new result: a new graph
    try:
        params = console.parse_params(params_text)
        keys, rows, cut = data.run_console(cypher, params, timeout=float(timeout), max_rows=int(max_rows))
        st.session_state["console_result"] = {"keys": keys, "rows": rows, "cut": cut, "cypher": cypher,
                                              "params": params}
        st.session_state.pop("console_error", None)
    except (RingScopeError, CatalogError, ValueError) as exc:
        st.session_state["console_error"] = console.error_line(exc)

error = st.session_state.get("console_error")
result = st.session_state.get("console_result")
if error:
    ui.error(error)
elif result:
    frame = data.console_frame(result["keys"], result["rows"])
    st.caption(display.count(len(frame), "row") + (f" (cut at the cap of {len(frame)})" if result["cut"] else ""))
    st.dataframe(ui.table(frame), hide_index=True, width="stretch")
    if has_graph_values(result["rows"]):
        nodes, edges = graph_from_values(v for row in result["rows"] for v in row)
        if nodes:
            graph_panel.get_state(GRAPH_KEY, lambda: GraphState.from_graph(f"{GRAPH_KEY}::{id(result)}", nodes, edges))
            graph_panel.graph_panel(GRAPH_KEY, height=480)
    with st.expander("Run it in Neo4j Browser"):
        st.code(ui.literal_cypher(result["cypher"], result["params"]), language="cypher")

with st.expander("Save this query for the team", expanded=bool(st.session_state.get("_flash::save_query"))):
    me = ui.current()
    if not me.can("console"):
        ui.role_note("console")
    else:
        with st.form("save_query_form"):
            s1, s2 = st.columns([1, 2])
            save_name = s1.text_input("Name", key="save_name", placeholder="cards_on_many_rings",
                                      help="Lower-case letters, digits and underscores: the file name when exported.")
            save_title = s2.text_input("Title", key="save_title", max_chars=saved_queries.MAX_TITLE_CHARS,
                                       placeholder="Cards used in more than one ring")
            save_description = st.text_area("Description", key="save_description", height=68,
                                            max_chars=saved_queries.MAX_DESCRIPTION_CHARS,
                                            placeholder="What it returns and how to read it.")
            save_replace = st.checkbox("Replace the saved query of this name", key="save_replace",
                                       help="Your own, or anyone's if you are an admin.")
            do_save = st.form_submit_button("Save query")
        if do_save:
            try:
                params = console.parse_params(params_text)
                kept = saved_queries.save(save_name, save_title, save_description, cypher, params, by=me,
                                          replace=save_replace)
            except (RingScopeError, ValueError) as exc:
                ui.flash(f"Nothing was saved: {exc}", "error", where="save_query")
            else:
                ui.flash(f"Saved {kept.name} (version {kept.version}) for the team.", where="save_query")
                for key in ("save_replace", "save_name", "save_title", "save_description"):
                    st.session_state.pop(key, None)  # a save empties the form, as the other forms do
            st.rerun()
        ui.show_flash("save_query")

with st.expander("Import saved queries (.cypher files)", expanded=bool(st.session_state.get("_flash::import_query"))):
    st.caption("Files in the catalog's format: the header (name, title, description, category, mode: read, version, "
               "param lines), then the Cypher. `ringscope query saved export DIR` writes them.")
    me = ui.current()
    uploads = st.file_uploader("Files", type=["cypher"], accept_multiple_files=True, key="import_files")
    pasted = st.text_area("Or paste one file's text", key="import_text", height=120)
    import_replace = st.checkbox("Replace saved queries of the same name", key="import_replace")
    if st.button("Import", key="import_run"):
        texts = [(u.name, u.getvalue().decode("utf-8", errors="replace")) for u in (uploads or [])]
        if (pasted or "").strip():
            texts.append(("pasted text", pasted))
        if not texts:
            ui.flash("Choose .cypher files or paste one.", "warning", where="import_query")
        for where, text in texts:
            try:
                kept = saved_queries.import_text(text, by=me, replace=import_replace, where=where)
            except RingScopeError as exc:
                ui.flash(f"{where}: not imported: {exc}", "error", where="import_query")
            else:
                ui.flash(f"{where}: saved {kept.name} (version {kept.version}).", where="import_query")
        st.session_state.pop("import_text", None)
        st.rerun()
    ui.show_flash("import_query")
