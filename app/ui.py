"""Small pieces every page uses: the Cypher behind a view, safe text, the investigator's
name, errors as one line, and links between pages."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator

import streamlit as st

from ringscope.catalog import CatalogError, get_query, to_cypher_literal
from ringscope.config import load_settings
from ringscope.errors import RingScopeError

# Page files, relative to main.py: st.switch_page takes these.
PAGE_QUEUE = "app_pages/queue.py"
PAGE_RING = "app_pages/ring.py"
PAGE_ENTITY = "app_pages/entity.py"
PAGE_SEARCH = "app_pages/search.py"
PAGE_CONSOLE = "app_pages/console.py"
PAGE_EXPORTS = "app_pages/exports.py"
PAGE_HISTORY = "app_pages/history.py"

from ringscope.domain import STATUS_TITLES  # noqa: E402  (declared once, in domain.py)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=])")


def md(text: Any) -> str:
    """Text from the data, made inert for st.markdown: every Markdown/HTML metacharacter is
    backslash-escaped (CommonMark), so `<img src=x onerror=...>` or `[x](javascript:...)`
    shows as the characters typed."""
    text = "" if text is None else str(text)
    text = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def status_title(status: str | None) -> str:
    return STATUS_TITLES.get(status or "new", str(status))


def cypher_text(name: str, params: dict[str, Any] | None = None) -> str:
    """`:param` lines for the values used, then the stored query: pastes into Neo4j Browser
    (or cypher-shell) and runs unchanged."""
    query = get_query(name)
    lines = query.param_lines(params or {})
    return (lines + "\n\n" if lines else "") + query.cypher


def literal_cypher(cypher: str, params: dict[str, Any]) -> str:
    lines = "\n".join(f":param {k} => {to_cypher_literal(v)}" for k, v in params.items())
    return (lines + "\n\n" if lines else "") + cypher


def show_cypher(name: str, params: dict[str, Any] | None = None, *, label: str | None = None,
                key: str | None = None) -> None:
    """The Cypher behind a view, with its parameters, in a copyable block. Drawn only when its
    expander is opened: a page shows several, and code blocks delayed a ring view's graph by
    ~0.6 s (measured with a headless Chromium on the incident world)."""
    query = get_query(name)
    box = st.expander(label or f"Cypher: {query.title}", expanded=False, on_change="rerun",
                      key=f"cypher::{key or name + '::' + (label or '')}")  # key: when a page shows one twice
    if box.open:
        with box:
            st.caption(query.description)
            st.code(cypher_text(name, params), language="cypher")


def investigator() -> str:
    """The name tagging records: the sidebar's field, filled from RINGSCOPE_INVESTIGATOR."""
    if "investigator" not in st.session_state:
        st.session_state["investigator"] = load_settings().investigator or ""
    return (st.session_state.get("investigator") or "").strip()


def sidebar() -> None:
    investigator()
    st.sidebar.text_input(
        "Investigator",
        key="investigator",
        help="Recorded in the audit trail with every tag you change (default: RINGSCOPE_INVESTIGATOR).",
    )
    if not (st.session_state.get("investigator") or "").strip():
        st.sidebar.caption("Enter your name to tag rings.")


@contextmanager
def errors_as_one_line() -> Iterator[None]:
    """A RingScopeError (database down, query rejected, bad input) becomes one st.error line."""
    try:
        yield
    except (RingScopeError, CatalogError) as exc:
        error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def int_param(name: str, default: int, lo: int, hi: int) -> int:
    """A whole number from the URL's query parameters, within [lo, hi]; else the default."""
    try:
        value = int(st.query_params.get(name, default))
    except (TypeError, ValueError):
        return default
    return min(hi, max(lo, value))


def open_ring(ring_id: str) -> None:
    st.switch_page(PAGE_RING, query_params={"ring": ring_id})


def open_entity(kind: str, key: str) -> None:
    st.switch_page(PAGE_ENTITY, query_params={"kind": kind, "key": key})


def flash(message: str, kind: str = "success") -> None:
    """A message for the next run (a tag saved, then the page reruns to show it)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        {"success": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)(md(message))


def error(text: str) -> None:
    """An error line that may quote data or input (an id, a label, a server message): as text."""
    st.error(md(text))
