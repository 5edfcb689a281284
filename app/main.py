"""RingScope's investigator app: `ringscope app` runs `streamlit run` on this file.

The entry file checks who is signed in (ui.require_identity), then declares the pages and
the sidebar; each page is a thin script in `app_pages/` over the modules beside this one.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from ringscope import db
from ringscope.app import timing, ui

_started = timing.now()
timing.profile_start()
# Every read of this run fails fast when Neo4j is down, the package's functions' too (db.py).
db.fail_fast_reads()

# A local favicon: without one Streamlit uses the page's Material icon, which the browser
# fetches from fonts.gstatic.com, and the app must not reach out.
st.set_page_config(page_title="RingScope", page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
                   layout="wide")

# Long unbroken strings from the data (a 200-character e-mail, a hash) wrap instead of
# pushing the page wider than the window.
st.html("<style>[data-testid='stMarkdownContainer'], [data-testid='stCaptionContainer'], "
        "[data-testid='stAlertContentError'], [data-testid='stAlert'] { overflow-wrap: anywhere; }</style>")

pages = {
    "Triage": [
        st.Page(ui.PAGE_QUEUE, title="Ring queue", icon=":material/format_list_numbered:", default=True),
        st.Page(ui.PAGE_RING, title="Ring view", icon=":material/hub:"),
        st.Page(ui.PAGE_HISTORY, title="Case history", icon=":material/history:"),
        st.Page(ui.PAGE_EXPORTS, title="Exports", icon=":material/inventory_2:"),
        st.Page("app_pages/alerts.py", title="Alert inbox", icon=":material/notifications:"),
    ],
    "Explore": [
        st.Page(ui.PAGE_SEARCH, title="Search", icon=":material/search:"),
        st.Page(ui.PAGE_ENTITY, title="Entity view", icon=":material/account_tree:"),
        st.Page(ui.PAGE_CONSOLE, title="Cypher console", icon=":material/terminal:"),
    ],
}

# Nothing runs before the gate: no page, no query, not even the navigation.
me = ui.require_identity()
if me.can("manage_roles"):
    pages["Admin"] = [st.Page(ui.PAGE_ROLES, title="People and roles", icon=":material/group:")]
page = st.navigation(pages)
ui.sidebar(me)
ui.local_banner(me)
try:
    page.run()
finally:  # st.stop / st.rerun end a run with an exception: timed all the same
    if timing.enabled():
        timing.record("page", _started, page=page.url_path, session=timing.session())
