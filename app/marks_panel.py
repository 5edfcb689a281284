"""Marks in the entity view: the marks in force on an account or identifier (and, for an
account, on its e-mail address and the identifiers it uses), its mark's history, and a form
to mark it known-bad or known-good with a reason, or clear the mark.

Every change goes through `ringscope.marks` (the same functions as `ringscope mark`), which
appends the audit event in the same transaction and refuses what the role may not do.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ringscope import display, marks
from ringscope.domain import MARK_KINDS, MARK_VERDICTS
from ringscope.errors import RingScopeError

from . import data, ui

#: The form's choices: a verdict, or clearing the mark.
CHOICES: dict[str, str] = {**MARK_VERDICTS, "clear": "no mark (clear it)"}
VIA_TEXT = {"itself": "itself", "e-mail address": "its e-mail address", "PAID_WITH": "a payment instrument it used",
            "USED_DEVICE": "a device it used", "USED_IP": "an IP it used", "SENT_TEMPLATE": "a template it sent",
            "HAS_EMAIL_DOMAIN": "its e-mail domain"}


def marks_frame(found: list[marks.Mark]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"verdict": m.title, "on": VIA_TEXT.get(m.via, m.via), "what": f"{MARK_KINDS.get(m.kind, m.kind)} {m.key}",
          "reason": m.reason or "", "by": m.by or "", "at": display.when(m.at) if m.at else ""} for m in found],
        columns=["verdict", "on", "what", "reason", "by", "at"],
    )


def panel(label: str, key: str, node_props: dict) -> None:
    """The Marks section of the entity view of the node with `label` and `key`."""
    kind = marks.kind_of_label(label)
    if kind is None:
        return
    st.subheader("Marks")
    where = f"marks::{kind}::{key}"
    found = marks.marks_on(kind, key)
    own = next((m for m in found if m.via == "itself"), None)
    bad = [m for m in found if m.verdict == "known_bad"]
    if not found:
        st.caption("Not marked" + (", nor is anything it uses." if kind == "account" else "."))
    else:
        if bad:
            st.warning(ui.md(f"Known bad: {len(bad)} mark(s) — " + "; ".join(m.describe() for m in bad[:3])))
        st.dataframe(ui.table(marks_frame(found)), hide_index=True, width="stretch")
    ui.show_cypher("entity_marks", {"kind": kind, "key": key, "limit": 200})

    mark_form(kind, key, node_props, own.verdict if own else "clear", where=where)
    ui.show_flash(where)
    events = marks.history(kind, key)
    if events:
        with st.expander(f"History of its mark ({len(events)})"):
            for event in events:
                st.markdown(ui.md(event.describe()))


def mark_form(kind: str, key: str, node_props: dict, current: str, *, where: str, form_key: str = "") -> None:
    """The form that marks one entity (kind: a MARK_KINDS name) known-bad or known-good with a
    reason, or clears its mark; `current` is its verdict now ("clear": none). The entity view
    and the graph's side panel (and so its right-click "Mark...") both use it. Saving calls
    `ringscope.marks`, which checks the role and audits in the same transaction; the outcome
    is shown at `where` (ui.show_flash). A role that may not mark gets a note instead."""
    me = ui.current()
    if not me.can("mark_identifiers"):
        ui.role_note("mark_identifiers")
        return
    suffix = f"{form_key}::{kind}::{key}" if form_key else f"{kind}::{key}"
    targets = {f"this {MARK_KINDS[kind].lower()}": (kind, key)}
    if kind == "account" and node_props.get("email"):
        targets[f"its e-mail address {display.neutral(node_props['email'])}"] = ("email", str(node_props["email"]))
    with st.form(f"mark_form::{suffix}"):
        target = st.selectbox("Mark", list(targets), key=f"mark_target::{suffix}") if len(targets) > 1 \
            else next(iter(targets))
        choice = st.radio("Verdict", list(CHOICES), index=list(CHOICES).index(current if current in CHOICES else "clear"),
                          horizontal=True, format_func=CHOICES.get, key=f"mark_verdict::{suffix}")
        reason = st.text_input("Reason", key=f"mark_reason::{suffix}", max_chars=marks.MAX_REASON_CHARS,
                               placeholder="VM image of the March ring",
                               help="Kept with the mark and in its history. A known-bad identifier makes "
                                    "the recidivism alert report new accounts that use it.")
        submitted = st.form_submit_button("Save mark", type="primary")
    if submitted:
        what_kind, what_key = targets[target]
        try:
            if choice == "clear":
                change = marks.clear_mark(what_kind, what_key, reason, by=me)
            else:
                change = marks.set_mark(what_kind, what_key, choice, reason, by=me)
        except RingScopeError as exc:
            ui.flash(f"Nothing was saved: {exc}", "error", where=where)
        else:
            shown = CHOICES[change.after["verdict"] or "clear"]
            ui.flash(f"Marked {change.mark_id}: {shown}." if change.changed else "Nothing changed.",
                     "success" if change.changed else "info", where=where)
            for k in (f"mark_reason::{suffix}", f"mark_verdict::{suffix}"):
                st.session_state.pop(k, None)
        finally:
            data.clear_mark_caches()  # graphs' side panels show the mark at once
        st.rerun()
