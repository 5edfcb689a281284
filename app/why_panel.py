"""The entity view's "Why (not) in a ring?": `ringscope explain` for one account.

It runs detection without writing (`ringscope.detection.why`, the same function as the
CLI) and keeps the result, shared by every session, until the graph's size, the
latest detection run or a mark saved here changes (`detection_state.cypher`; a mark
set from the CLI changes the relationship count too: every change adds its audit
event). On a graph of more than MAX_ACCOUNTS accounts a run takes minutes and
gigabytes, so the panel says to use the CLI instead of starting one from a page.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ringscope.app import data, ui
from ringscope.config import load_settings
from ringscope.detection.pipeline import detect
from ringscope.detection.why import explain

#: above this many accounts the panel does not start a detection run (1M accounts:
#: ~5 minutes and 5.5 GB on 2 cores); `ringscope explain` does the same from a shell
MAX_ACCOUNTS = 300_000

VERDICT_TITLES = {
    "ring": "In a ring",
    "attached": "In a ring, brought in by an identifier the ring owns",
    "group": "In a group that fell short of a ring",
    "peeled": "Linked to a group, but too loosely tied to be a member",
    "weak_links": "Linked, but by no strong link",
    "known_good": "Marked known-good",
    "no_links": "Linked to no one",
    "unknown": "Nothing a signal counts",
}


@st.cache_resource(max_entries=1, show_spinner=False)
def _result(state: tuple) -> Any:
    """One detection result (not written) for the graph as `state` describes it."""
    return detect(load_settings(), write=False)


def _state() -> tuple:
    row = data.detection_state()
    return (row.get("accounts"), row.get("relationships"), row.get("run_id"), row.get("finished_at"),
            data.marks_generation())


def explain_account(account_id: str, state: tuple | None = None) -> dict[str, Any]:
    """`why.explain` for one account, on the shared result for `state` (the graph now
    when not given; computed when needed)."""
    [item] = explain([account_id], _result(state if state is not None else _state()))
    return item


def panel(account_id: str) -> None:
    st.subheader("Why (not) in a ring?")
    state = _state()
    accounts = int(state[0] or 0)
    if accounts > MAX_ACCOUNTS:
        st.caption(ui.md(f"This graph holds {accounts:,} accounts: explaining runs detection (minutes). "
                         f"From a shell: ringscope explain {account_id}"))
        return
    asked = f"why::{account_id}"
    if st.button("Explain", key=f"why_button::{account_id}",
                 help="Runs detection without writing anything (seconds on this graph; the result is kept "
                      "until the data, a detection run or a mark changes) and says why this account is, "
                      "or is not, in a ring: its links, its group's evidence, what kept it out."):
        st.session_state[asked] = True
    if not st.session_state.get(asked):
        return
    with st.spinner("Running detection without writing..."):
        item = explain_account(account_id, state)
    title = VERDICT_TITLES.get(item["verdict"], item["verdict"])
    (st.success if item["verdict"] in ("ring", "attached") else st.info)(ui.md(f"{title}: {item['reason']}"))
    rows = [{"signal": fam, "identifier": x.get("id", f"{x.get('more')} more"), "accounts": x.get("accounts")}
            for fam, items in (item.get("identifiers") or {}).items() for x in items]
    if rows:
        st.markdown("**What it shares** (accounts sharing each)")
        st.dataframe(ui.table(pd.DataFrame(rows, columns=["signal", "identifier", "accounts"])),
                     hide_index=True, width="stretch")
    links = [{"account": x["account_id"], "link": x["total"], "strong": "yes" if x["strong"] else "no",
              "by": ", ".join(f"{f} {v}" for f, v in x["families"].items())} for x in item.get("links") or []]
    if links:
        st.markdown("**Strongest links**")
        st.dataframe(ui.table(pd.DataFrame(links, columns=["account", "link", "strong", "by"])),
                     hide_index=True, width="stretch")
