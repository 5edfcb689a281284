"""The Cypher console's logic: which stored queries it offers and how parameters are read."""
from __future__ import annotations

import json
from typing import Any

import streamlit as st

from ringscope.catalog import StoredQuery, load_catalog


def stored_read_queries() -> dict[str, StoredQuery]:
    """Every read query of the catalog (the console never offers a declared write)."""
    return {q.name: q for q in load_catalog().values() if q.mode == "read" and q.category != "schema"}


def params_template(query: StoredQuery) -> str:
    """The query's parameters as a JSON object: defaults filled in, required ones null."""
    return json.dumps({p.name: (None if p.required else p.default) for p in query.params}, indent=1)


def load_stored(stored: dict[str, StoredQuery]) -> None:
    """on_change of the stored-query picker: put its Cypher and parameters in the editors."""
    name = st.session_state.get("console_query")
    if name and name in stored:
        st.session_state["console_cypher"] = stored[name].cypher
        st.session_state["console_params"] = params_template(stored[name])
        st.session_state.pop("console_result", None)
        st.session_state.pop("console_error", None)


def parse_params(text: str | None) -> dict[str, Any]:
    text = (text or "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"parameters are not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(value, dict):
        raise ValueError('parameters must be a JSON object, like {"limit": 10}')
    return value


#: What the console says when the server refused a write: what the analyst CAN do (the
#: driver's own line tells them to "run it as a declared write query", which the app cannot).
WRITE_REFUSAL = ("this console only reads, so the server refused the write: change a ring's status, labels, note or "
                 "accounts on its ring page (Tags and case, Accounts), or run a stored write query with "
                 "`ringscope query run NAME --write` and the database password")


def error_line(exc: BaseException) -> str:
    """One line for an error from a console run; a refused write says what to do instead."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "read-only" in text and "write" in text:  # the runner's access-mode refusal (ringscope.db)
        return WRITE_REFUSAL
    return text


# --------------------------------------------------------------------------- saved queries


def saved_queries_by_name() -> dict[str, Any]:
    """The team's saved queries (ringscope.saved_queries), by name; read fresh on each run."""
    from ringscope import saved_queries

    return {q.name: q for q in saved_queries.list_saved()}


def load_saved(saved: dict[str, Any]) -> None:
    """on_change of the saved-query picker: put its Cypher and parameters in the editors."""
    name = st.session_state.get("console_saved")
    if name and name in saved:
        st.session_state["console_query"] = ""  # not a catalog query
        st.session_state["console_cypher"] = saved[name].cypher
        st.session_state["console_params"] = json.dumps(saved[name].params, indent=1) if saved[name].params else ""
        # the save form starts from the loaded query, so replacing it is a small edit
        st.session_state["save_name"] = saved[name].name
        st.session_state["save_title"] = saved[name].title
        st.session_state["save_description"] = saved[name].description
        st.session_state.pop("console_result", None)
        st.session_state.pop("console_error", None)
