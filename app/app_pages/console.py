"""Cypher console: ad-hoc queries and the catalog's read queries, read-only (the server
refuses writes in a read transaction), with a time limit and a row cap."""
import streamlit as st

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
    st.caption(f"{len(frame)} rows" + (f" (cut at the cap of {len(frame)})" if result["cut"] else ""))
    st.dataframe(ui.table(frame), hide_index=True, width="stretch")
    if has_graph_values(result["rows"]):
        nodes, edges = graph_from_values(v for row in result["rows"] for v in row)
        if nodes:
            graph_panel.get_state(GRAPH_KEY, lambda: GraphState.from_graph(f"{GRAPH_KEY}::{id(result)}", nodes, edges))
            graph_panel.graph_panel(GRAPH_KEY, height=480)
    with st.expander("Run it in Neo4j Browser"):
        st.code(ui.literal_cypher(result["cypher"], result["params"]), language="cypher")
