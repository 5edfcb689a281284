"""Search by account id, e-mail, IP or CIDR, payment instrument, device or prompt template."""
import streamlit as st

from ringscope.display import neutral
from ringscope.app import data, ui
from ringscope.app.graph_view import KINDS

st.title("Search")

kinds = {"auto": "Anything (guess from what I type)", **{k: v[0] for k, v in data.SEARCH_KINDS.items()}}
c1, c2 = st.columns([3, 2])
text = c1.text_input("Search for", key="search_text",
                     placeholder="acc-0042, ops@example.com, 203.0.113.7, 203.0.113.0/24, a fingerprint ...")
kind = c2.selectbox("Look in", list(kinds), format_func=kinds.get, key="search_kind")

if text.strip():
    with ui.errors_as_one_line():
        chosen = data.guess_search_kinds(text) if kind == "auto" else [kind]
        try:
            hits = data.search_all(text, chosen)
        except ValueError as exc:
            ui.error(str(exc))
            st.stop()
        if hits.empty:
            st.info("Nothing found." + (f" {ui.md(why)}." if (why := data.malformed_address(text)) else ""))
        else:
            # A search stops at SEARCH_LIMIT hits per kind: "150 results" for "a" read as all of them.
            full = data.full_searches(text, chosen)
            st.caption(f"{len(hits)} result{'s' if len(hits) != 1 else ''}"
                       + (f"; a search stops at {data.SEARCH_LIMIT} of each kind, and there may be more of: "
                          + ", ".join(data.SEARCH_KINDS[k][0].lower() for k in full)
                          + ". Type more of it to narrow it down" if full else "")
                       + ". Select a row to open it.")
            display = hits.assign(kind=hits["kind"].map(lambda k: KINDS[k].title if k in KINDS else k))
            event = st.dataframe(ui.table(display), key="search_table", on_select="rerun", selection_mode="single-row",
                                 hide_index=True, width="stretch")
            if event and event.selection and event.selection.rows:
                row = hits.iloc[event.selection.rows[0]]
                ui.open_entity(str(row["kind"]), str(row["key"]))
            labels = {i: f"{KINDS[r.kind].title if r.kind in KINDS else r.kind} · {r.key}" for i, r in hits.iterrows()}
            c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
            pick = c1.selectbox("Open", list(labels), format_func=lambda k: neutral(labels.get(k)), key="search_pick")
            if c2.button("Open", type="primary", key="search_open"):
                row = hits.loc[pick]
                ui.open_entity(str(row["kind"]), str(row["key"]))
        for k in chosen:
            name = data.SEARCH_KINDS[k][1]
            try:
                params = data.search_params(k, text)
            except ValueError:
                continue
            ui.show_cypher(name, params)
