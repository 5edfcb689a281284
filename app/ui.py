"""Small pieces every page uses: the Cypher behind a view, safe text, who is signed in and
what their role allows, errors as one line, and links between pages."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator

import streamlit as st

from ringscope import auth, db, display
from ringscope.app import signin
from ringscope.auth import Identity
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
PAGE_ROLES = "app_pages/roles.py"

from ringscope.domain import STATUS_TITLES  # noqa: E402  (declared once, in domain.py)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=])")
#: What Streamlit's Markdown turns into links or icons even when every metacharacter is
#: escaped (a field report: a display name showed a clickable https://evil.example/... link,
#: a www. link, a mailto: link and a "verified" icon): GitHub's autolink literals (`scheme:`
#: before `//`, `www.`, an address's `@`) and Streamlit's `:directive` syntax
#: (`:material/verified:`, `:red[...]`, emoji short codes). A zero-width space breaks each
#: pattern where it forms and shows nothing. (Character references do not: Streamlit's
#: Markdown decodes `&#58;` before it looks for links, which the browser test caught.)
#: The space travels with a copied e-mail, so search drops zero-width characters.
_AUTOLINK = re.compile(
    r"(?<=:)(?=//)"                                                  # https://
    r"|(?<=:)(?=material/|[A-Za-z][A-Za-z-]*\[|[A-Za-z][\w+-]*:)"   # :material/x:, :red[...], :smile:
    r"|(?<=\bwww)(?=\.)"                                            # www.
    r"|(?<=[\w.+-])(?=@[\w-]+\.)",                                  # name@host.tld
    re.I)
ZERO_WIDTH_SPACE = "\u200b"


def md(text: Any) -> str:
    """Text from the data, made inert for st.markdown: every Markdown/HTML metacharacter is
    backslash-escaped (CommonMark), so `<img src=x onerror=...>` or `[x](javascript:...)`
    shows as the characters typed, bidi controls show as `⟨U+202E⟩` (ringscope.display), and
    a URL, an e-mail address or a `:material/...:` icon in it stays text (`_AUTOLINK`)."""
    text = display.neutral(text)
    text = " ".join(text.split())
    text = _AUTOLINK.sub(ZERO_WIDTH_SPACE, text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def table(frame: Any) -> Any:
    """A DataFrame ready for st.dataframe: every text cell with its bidi controls shown as
    `⟨U+202E⟩` (ringscope.display), so a name or note cannot reverse the rest of its row.
    Non-text columns are left as they are; the frame passed in is not changed."""
    if frame is None or getattr(frame, "empty", True):
        return frame
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("str", "string"):
            out[column] = out[column].map(lambda v: display.neutral_deep(v) if isinstance(v, (str, list, tuple, dict))
                                          else v)
    return out


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


def identity() -> Identity | None:
    """Who is using the app, worked out again on every run (so signing out, or a roles-file
    change, applies at the next click):

    - sign-in configured (`ringscope.app.signin`): the person the provider signed in, from
      the ID token's claims in Streamlit's signed cookie, with the role the rules give; None
      while nobody is signed in;
    - no provider: the single local user of this machine (the app serves loopback only).
    """
    settings = load_settings()
    if not signin.configured(settings):
        return auth.local_identity()
    claims = st.user.to_dict()
    if claims.get("is_logged_in") is not True:  # only Streamlit's signed cookie sets it
        return None
    return auth.signed_in_identity(claims, auth.load_role_rules(settings))


def require_identity() -> Identity:
    """The identity of the person using the app; stops the script with a sign-in prompt when
    nobody (or nobody with a role) is signed in. main.py calls it before any page runs."""
    settings = load_settings()
    if not signin.configured(settings) and not signin.local_host_allowed(_request_host()):
        # the local single-user app answers only under this machine's own names (DNS rebinding)
        st.error("This RingScope app runs without sign-in and answers only at http://localhost or "
                 "http://127.0.0.1: open it there.")
        st.stop()
    if signin.configured(settings) and "auth" not in _secrets():
        st.error("Sign-in is configured in .env but Streamlit was started without it: start the app with "
                 "`ringscope app`.")
        st.stop()
    if not signin.configured(settings) and not signin.is_loopback(str(st.get_option("server.address") or "")):
        # `streamlit run` by hand on a network address: the same refusal as `ringscope app`.
        st.error("This app serves the network without sign-in: configure sign-in (README: Sign-in and roles) or serve on "
                 "127.0.0.1.")
        st.stop()
    try:
        me = identity()
    except RingScopeError as exc:
        error(str(exc))
        st.stop()
    if me is None:
        st.title("RingScope")
        st.write("Sign in with your company account to open RingScope.")
        if st.button("Sign in", type="primary", key="sign_in"):
            st.login()
        st.stop()
    if me.role is None:
        st.title("RingScope")
        st.warning(md(f"You are signed in as {me.label}, but RingScope has given you no role: ask an admin "
                      "to add you to the roles file or to a RingScope group."))
        if st.button("Sign out", key="sign_out"):
            st.logout()
        st.stop()
    return me


def _request_host() -> str | None:
    """The Host header of the browser's connection to this session, if any."""
    try:
        return st.context.headers.get("Host")
    except Exception:  # noqa: BLE001 - no request context (a bare script run): no browser, no Host
        return None


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except Exception:  # noqa: BLE001 - no secrets file at all is the same as no [auth] section
        return {}


def current() -> Identity:
    """The identity main.py established for this run (pages call this; never None)."""
    me = identity()
    if me is None:  # cannot happen behind main.py's gate; a page run alone is refused too
        st.stop()
    return me


def sidebar(me: Identity) -> None:
    """Who is signed in, with what role, on every page; a sign-out button for sign-in."""
    if me.via == auth.VIA_LOCAL:
        st.sidebar.caption(md(f"Single local user ({me.os_user}): no sign-in is configured, so this app serves "
                              "only this machine. Every change is recorded as this user."))
        return
    st.sidebar.markdown(f"Signed in as **{md(me.label)}**  \n{md(me.role)}")
    if st.sidebar.button("Sign out", key="sign_out"):
        st.logout()


def local_banner(me: Identity) -> None:
    """The one-line notice at the top of every page when the app runs without sign-in."""
    if me.via == auth.VIA_LOCAL:
        st.caption(md(f"Single local user {me.os_user}, no sign-in: serving this machine only."))


def may(right: str) -> bool:
    """Whether the person using the app holds `right` (ringscope.auth.RIGHTS)."""
    me = identity()
    return me is not None and me.can(right)


def role_note(right: str) -> None:
    """Says why an action is not offered: what the role is and which role the action needs."""
    me = identity()
    role = me.role if me else "none"
    st.caption(md(f"Your role ({role}) cannot {auth.RIGHT_TEXT[right]}: that needs {auth.RIGHTS[right]} or higher."))


#: Seconds between two checks whether an unreachable Neo4j is back (see retry_when_back).
RETRY_SECONDS = 3


@contextmanager
def errors_as_one_line() -> Iterator[None]:
    """A RingScopeError (database down, query rejected, bad input) becomes one st.error line.
    When Neo4j cannot be reached, the page also checks every few seconds whether it is back
    and then draws itself again: it recovers without a reload (issue 14, item 8)."""
    try:
        yield
    except db.DatabaseUnavailable as exc:
        error((str(exc).splitlines()[0] if str(exc) else type(exc).__name__) +
              f" This page tries again every {RETRY_SECONDS} s.")
        retry_when_back()
    except (RingScopeError, CatalogError) as exc:
        error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


@st.fragment(run_every=RETRY_SECONDS)
def retry_when_back() -> None:
    """Runs on its own every RETRY_SECONDS while the page shows "cannot reach Neo4j"; once the
    server answers, the whole page runs again."""
    if st.session_state.pop("_db_retry_armed", False) and db.reachable(load_settings()):
        st.rerun()
    st.session_state["_db_retry_armed"] = True  # the first run is the page's own: check from the next one


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


def flash(message: str, kind: str = "success", *, where: str = "page") -> None:
    """A message for the next run (a tag saved, then the page reruns to show it), shown by
    `show_flash(where)`: pass the key of the control that caused it, so the message appears
    next to that control and not above the page title, out of view."""
    st.session_state.setdefault(f"_flash::{where}", []).append((kind, message))


def show_flash(where: str = "page") -> None:
    """Draw (once) the messages `flash` left for `where`."""
    for kind, message in st.session_state.pop(f"_flash::{where}", []):
        {"success": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)(md(message))


def error(text: str) -> None:
    """An error line that may quote data or input (an id, a label, a server message): as text."""
    st.error(md(text))
