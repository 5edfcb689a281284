"""Tagging in the ring view: status, labels, note, assignee, comments, the accounts in the
case, history.

Every change goes through `ringscope.tagging` (the same functions as `ringscope tag`),
which appends the audit event in the same transaction as the change and refuses what the
signed-in person's role may not do. The panel offers only what the role allows (a viewer
sees no forms, an investigator no confirm/escalate), but the function's check is the one
that holds.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ringscope import display, tagging
from ringscope.auth import Identity
from ringscope.errors import RingScopeError

from . import data, ui


def split_labels(text: str) -> list[str]:
    """`proxy farm, march-batch` -> ["proxy farm", "march-batch"] (commas separate labels)."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def split_ids(text: str) -> list[str]:
    """Account ids separated by commas, spaces or new lines."""
    return [part for part in (text or "").replace(",", " ").split() if part]


def save_tags(ring_id: str, current: dict[str, Any], *, status: str, add: list[str], remove: list[str],
              note: str, by: Identity) -> list[tagging.TagChange]:
    """Apply what the form changed as ONE transaction (`tagging.tag_ring`): the status, the
    labels and the note are all saved or none is; one audit event per part that differs.
    Returns [] when the form changed nothing."""
    new_status = status if status != current["status"] else None
    new_labels = [label for label in add if label not in current["labels"]]
    new_note = note if (note or "").strip() != (current.get("note") or "").strip() else None
    if new_note is not None and not new_note.strip():
        new_note = ""  # an emptied note field clears the note
    if new_status is None and not new_labels and not remove and new_note is None:
        return []
    return tagging.tag_ring(ring_id, status=new_status, labels=new_labels, remove_labels=remove, note=new_note,
                            by=by)


def settable_statuses(me: Identity, current: str) -> list[str]:
    """The statuses `me` may choose for a ring that has `current`: all of them for a lead;
    for an investigator the ones short of a decision, and only the current one when a lead
    has already confirmed or escalated the ring."""
    if not me.can(tagging.status_right(current)):
        return [current]
    return [s for s in tagging.STATUSES if me.can(tagging.status_right(s))]


def tags(ring_id: str, summary: dict[str, Any]) -> None:
    current = {"status": summary["status"], "labels": list(summary["labels"]), "note": summary["note"]}
    st.markdown("**Labels:** " + (", ".join(ui.md(label) for label in current["labels"]) or "none"))
    me = ui.current()
    if not me.can("tag"):
        st.markdown(f"**Status:** {ui.md(ui.status_title(current['status']))}")
        if current["note"]:
            st.markdown(f"**Note:** {ui.md(current['note'])}")
        ui.role_note("tag")
        return
    statuses = settable_statuses(me, current["status"])
    with st.form(f"tag_form::{ring_id}"):
        status = st.selectbox("Status", statuses, index=statuses.index(current["status"])
                              if current["status"] in statuses else 0, disabled=len(statuses) == 1,
                              format_func=ui.status_title, key=f"tag_status::{ring_id}",
                              help=None if me.can("confirm") else
                              "Confirming or escalating a ring (and changing it afterwards) needs the lead role.")
        c1, c2 = st.columns(2)
        add = c1.text_input("Add labels", key=f"tag_add::{ring_id}", placeholder="proxy farm, march batch",
                            help="Free labels, separated by commas.")
        remove = c2.multiselect("Remove labels", current["labels"], key=f"tag_remove::{ring_id}",
                                format_func=display.neutral)
        note = st.text_area("Note", value=current["note"], key=f"tag_note::{ring_id}", max_chars=tagging.MAX_NOTE_CHARS)
        if display.has_bidi(current["note"]):
            # The edit box must hold the stored text, so it shows the reordering; say so here.
            st.caption("The note holds direction controls, which reorder it in the box above. As stored: " +
                       ui.md(current["note"]))
        submitted = st.form_submit_button("Save tags", type="primary")
    if submitted:
        where = f"tag_form::{ring_id}"
        try:
            changes = save_tags(ring_id, current, status=status, add=split_labels(add), remove=remove,
                                note=note, by=me)
        except RingScopeError as exc:
            ui.flash(f"Nothing was saved: {exc}", "error", where=where)
        else:
            done = [c for c in changes if c.changed]
            ui.flash(f"Saved {len(done)} change(s) to ring {ring_id}." if done else "Nothing changed.",
                     "success" if done else "info", where=where)
            # A save clears what was typed; the note field shows the saved note on the rerun.
            for key in (f"tag_add::{ring_id}", f"tag_remove::{ring_id}", f"tag_note::{ring_id}",
                        f"tag_status::{ring_id}"):
                st.session_state.pop(key, None)
        finally:
            # On every path, error included: the page must show what the graph holds.
            data.clear_ring_caches()
        st.rerun()
    ui.show_flash(f"tag_form::{ring_id}")


def _table_key(ring_id: str, include_removed: bool) -> str:
    """The members table's widget key. Streamlit keeps a selection as row positions; a new
    key (after every change to the case, or when the rows shown change) starts the table
    with no selection, so a tick can never slide onto the account that moved into its row."""
    generation = st.session_state.get(f"members_gen::{ring_id}", 0)
    return f"members_table::{ring_id}::{int(include_removed)}::{generation}"


def _selection_key(ring_id: str) -> str:
    return f"members_sel::{ring_id}"


def selected_ids(ring_id: str) -> list[str]:
    """The account ids ticked in the members table, as the table's on_select callback kept them."""
    return list(st.session_state.get(_selection_key(ring_id), []))


def _keep_selection(ring_id: str, table_key: str, frame: pd.DataFrame) -> None:
    """The members table's on_select callback: turn the ticked row positions into the account
    ids of the rows the investigator saw (`frame`, the table as drawn) and keep them in session
    state. Remove reads them from there, not from the grid's event at form time: the grid sends
    its selection after a debounce, and a submit that overtakes it would carry no selection."""
    event = st.session_state.get(table_key)
    rows = list(event["selection"]["rows"]) if event and event.get("selection") else []
    st.session_state[_selection_key(ring_id)] = chosen_ids(frame, rows)


def _case_changed(ring_id: str, *, graph: bool = False) -> None:
    """Reset the members table's selection and any pending confirmation; with `graph`, the
    case itself changed and the ring graph is drawn again (case_generation)."""
    st.session_state[f"members_gen::{ring_id}"] = st.session_state.get(f"members_gen::{ring_id}", 0) + 1
    st.session_state.pop(f"members_confirm::{ring_id}", None)
    st.session_state.pop(_selection_key(ring_id), None)
    if graph:
        st.session_state[f"case_gen::{ring_id}"] = case_generation(ring_id) + 1


def case_generation(ring_id: str) -> int:
    """How many times this session changed the ring's case (part of the ring graph's key)."""
    return int(st.session_state.get(f"case_gen::{ring_id}", 0))


def case_membership(ring_id: str, summary: dict[str, Any]) -> dict[str, str]:
    """account_id -> "detected", "added" (by an investigator) or "removed" for every account
    the ring's case holds or held: how the ring graph marks accounts."""
    return {account_id: ("removed" if removed else
                         "detected" if (added_by or tagging.DETECT) == tagging.DETECT else "added")
            for account_id, added_by, removed in data.ring_case(ring_id)}


def chosen_ids(frame: pd.DataFrame, rows: list[int]) -> list[str]:
    """The account ids of the selected row positions of `frame` (positions out of range skipped)."""
    return [str(frame.iloc[i]["account_id"]) for i in rows if 0 <= i < len(frame)]


def members(ring_id: str, summary: dict[str, Any]) -> None:
    include_removed = st.toggle("Include accounts removed from the case", key=f"members_removed::{ring_id}")
    frame = data.ring_members(ring_id, include_removed)
    st.caption(f"{summary['members']:,} accounts in the case" +
               (f", {summary['removed']} removed" if summary["removed"] else "") +
               (f"; the first {len(frame)} by member score" if len(frame) < summary["members"] else "") +
               ". Select rows to take accounts out of the case.")
    table_key = _table_key(ring_id, include_removed)
    if table_key not in st.session_state:
        # A grid drawn afresh (first time, back from another tab, other rows) shows no tick:
        # a selection kept from before would be invisible, so it goes.
        st.session_state.pop(_selection_key(ring_id), None)
    st.dataframe(
        ui.table(frame), key=table_key, selection_mode="multi-row",
        on_select=lambda: _keep_selection(ring_id, table_key, frame),
        hide_index=True, width="stretch",
        column_config={
            "created_at": st.column_config.DatetimeColumn("signed up", format="YYYY-MM-DD HH:mm"),
            "first_exchange": st.column_config.DatetimeColumn("first exchange", format="YYYY-MM-DD HH:mm"),
            "last_exchange": st.column_config.DatetimeColumn("last exchange", format="YYYY-MM-DD HH:mm"),
            "exchanges": st.column_config.NumberColumn(format="localized"),
            "tokens": st.column_config.NumberColumn(format="localized"),
            "member_score": st.column_config.NumberColumn("member score", format="%.2f"),
        },
    )
    chosen = selected_ids(ring_id)
    if chosen:
        st.caption(ui.md("Ticked: " + ", ".join(chosen[:20]) + (f" and {len(chosen) - 20} more" if len(chosen) > 20 else "")))
    ui.show_cypher("ring_members", {"ring_id": ring_id, "include_removed": include_removed, "skip": 0, "limit": 500})

    me = ui.current()
    if not me.can("edit_members"):
        ui.role_note("edit_members")
        return
    if not tagging.may_edit_members(me, summary["status"]):
        st.caption(ui.md(f"Your role ({me.role}) cannot change the accounts of a {summary['status']} ring: "
                         "that needs lead or higher (the lead decided on this case)."))
        return
    where = f"members::{ring_id}"
    confirm_key = f"members_confirm::{ring_id}"
    c1, c2 = st.columns(2)
    with c1.form(f"remove_members::{ring_id}"):
        typed = st.text_input("Take accounts out of the case", key=f"remove_ids::{ring_id}",
                              placeholder="account ids, or select rows above",
                              help="Removed accounts stay in the history and can be added back.")
        remove = st.form_submit_button("Remove from case")
    with c2.form(f"add_members::{ring_id}"):
        add_text = st.text_input("Put accounts into the case", key=f"add_ids::{ring_id}",
                                 placeholder="account ids separated by spaces or commas")
        add_why = st.text_input("Why they belong in the case", key=f"add_why::{ring_id}",
                                max_chars=tagging.MAX_REASON_CHARS, placeholder="same card as b-01",
                                help="Detection did not find these accounts: the export's enforcement "
                                     "actions cite this reason (and who added them) instead of the ring's signals.")
        add = st.form_submit_button("Add to case")
    if remove:
        ids = chosen + [i for i in split_ids(typed) if i not in chosen]
        if ids:
            # Bound to ids, not rows: the confirmation names the accounts that will go.
            st.session_state[confirm_key] = ids
        else:
            st.warning("Select rows or type account ids to remove.")
    pending = st.session_state.get(confirm_key)
    if pending:
        with st.container(border=True):
            shown = ", ".join(pending[:20]) + (f" and {len(pending) - 20} more" if len(pending) > 20 else "")
            st.warning(ui.md(f"Take {len(pending)} account(s) out of ring {ring_id}'s case: {shown}?"))
            y, n = st.columns(2)
            yes = y.button("Confirm removal", key=f"members_confirm_yes::{ring_id}", type="primary")
            no = n.button("Cancel", key=f"members_confirm_no::{ring_id}")
        if no:
            _case_changed(ring_id)
            st.rerun()
        if yes:
            apply_member_change(ring_id, where, lambda: tagging.remove_members(ring_id, pending, by=me), "removed from")
    if add:
        ids = split_ids(add_text)
        if not ids:
            st.warning("Type the account ids to add.")
        elif not (add_why or "").strip():
            st.warning("Say why these accounts belong in the case: the export's enforcement actions cite it.")
        else:
            apply_member_change(ring_id, where, lambda: tagging.add_members(ring_id, ids, by=me, reason=add_why), "added to",
                   clear=(f"add_ids::{ring_id}", f"add_why::{ring_id}"))
    ui.show_flash(where)


def apply_member_change(ring_id: str, where: str, change_fn, verb: str, clear: tuple[str, ...] = ()) -> None:
    """Run a member change (the Accounts tab's forms, the graph's "Add to case"); on every path clear the caches and the selection, leave the
    outcome next to the forms, and rerun so the table shows what the graph holds."""
    try:
        change = change_fn()
    except RingScopeError as exc:
        ui.flash(f"Nothing changed: {exc}", "error", where=where)
    else:
        msg = f"{len(change.changed)} account(s) {verb} the case"
        msg += (": " + ", ".join(change.changed[:10]) + ("…" if len(change.changed) > 10 else "")) if change.changed else ""
        msg += "."
        if change.unchanged:
            msg += f" {len(change.unchanged)} already so."
        if change.unknown:
            msg += f" Unknown account ids: {', '.join(change.unknown[:10])}."
        ui.flash(msg, "warning" if change.unknown else "success", where=where)
        for key in clear:
            st.session_state.pop(key, None)
        st.session_state.pop(f"remove_ids::{ring_id}", None)
    finally:
        data.clear_ring_caches()
        _case_changed(ring_id, graph=True)
    st.rerun()


def history_frame(entries: list[tagging.AuditEntry]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"at": display.when(e.at), "by": e.by, "action": e.action, "before": tagging.describe_value(e.before),
          "after": tagging.describe_value(e.after)} for e in entries],
        columns=["at", "by", "action", "before", "after"],
    )


def history(ring_id: str) -> None:
    try:
        entries = tagging.history(ring_id, limit=500)
    except RingScopeError as exc:
        ui.error(str(exc))
        return
    if not entries:
        st.caption("No investigator has changed this ring yet.")
    else:
        st.dataframe(ui.table(history_frame(entries)), hide_index=True, width="stretch")
    ui.show_cypher("ring_history", {"ring_id": ring_id, "limit": 500})


def assignment(ring_id: str) -> None:
    """Who works the case: take it, hand it to a colleague (an e-mail or a name), or unassign.
    `tagging.assign`, audited; the signed-in identity is the one recorded as assigning."""
    where = f"assign::{ring_id}"
    tags_now = tagging.ring_tags(ring_id)
    if tags_now.assignee:
        st.markdown(f"**Assigned to:** {ui.md(tags_now.assignee)}" +
                    (f" since {ui.md(display.when(tags_now.assigned_at))}" if tags_now.assigned_at else ""))
    else:
        st.markdown("**Assigned to:** nobody")
    me = ui.current()
    if not me.can("tag"):
        return  # the tags form above already says this role cannot tag (assigning is tagging)
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    other = c1.text_input("Assign to", key=f"assign_to::{ring_id}", placeholder="a colleague's e-mail or name",
                          max_chars=tagging.MAX_ASSIGNEE_CHARS)
    give = c2.button("Assign", key=f"assign_btn::{ring_id}")
    take = c3.button("Assign to me", key=f"assign_me::{ring_id}", disabled=tags_now.assignee == me.label)
    drop = tags_now.assignee is not None and st.button("Unassign", key=f"assign_none::{ring_id}")
    who = me if take else (other if give else (None if drop else False))
    if who is not False:
        if give and not (other or "").strip():
            ui.flash("Type who to assign the ring to (or use Assign to me).", "warning", where=where)
        else:
            try:
                change = tagging.assign(ring_id, who, by=me)
            except RingScopeError as exc:
                ui.flash(f"Nothing was saved: {exc}", "error", where=where)
            else:
                ui.flash(f"Assigned to {change.after or 'nobody'}." if change.changed else "Nothing changed.",
                         "success" if change.changed else "info", where=where)
                st.session_state.pop(f"assign_to::{ring_id}", None)
            finally:
                data.clear_ring_caches()
        st.rerun()
    ui.show_flash(where)


def comments(ring_id: str) -> None:
    """The ring's comment thread, oldest first, and a box to add one (`tagging.comment`)."""
    st.markdown("**Comments**")
    thread = tagging.comments(ring_id)
    if not thread:
        st.caption("No comment yet.")
    for number, c in enumerate(thread, 1):
        with st.container(border=True):
            # numbered in the thread; `seq` is the event's place in the ring's whole audit trail
            # (the first comment after two assignments was "#3")
            st.caption(ui.md(f"Comment {number} · {c.by}, {display.when(c.at)} · audit event #{c.seq}"))
            st.markdown(ui.md(c.text))
    ui.show_cypher("ring_comments", {"ring_id": ring_id, "limit": 1000})
    me = ui.current()
    if not me.can("comment"):
        ui.role_note("comment")
        return
    where = f"comment::{ring_id}"
    with st.form(f"comment_form::{ring_id}"):
        text = st.text_area("Add a comment", key=f"comment_text::{ring_id}", max_chars=tagging.MAX_COMMENT_CHARS,
                            help="Kept in the ring's audit trail and in its evidence bundle; it cannot be edited.")
        post = st.form_submit_button("Post comment")
    if post:
        try:
            added = tagging.comment(ring_id, text, by=me)
        except RingScopeError as exc:
            ui.flash(f"Nothing was saved: {exc}", "error", where=where)
        else:
            ui.flash(f"Comment posted (audit event #{added.seq}).", where=where)
            st.session_state.pop(f"comment_text::{ring_id}", None)
        st.rerun()
    ui.show_flash(where)


def export_available() -> bool:
    try:
        from ringscope import export  # noqa: F401
    except ImportError:
        return False
    return hasattr(export, "export_rings")


def export_button(ring_id: str, status: str) -> None:
    """Write the ring's bundle, replace an earlier one (after a confirmation naming when and
    by whom it was written), and download it as a zip (the bundle and its manifest)."""
    st.markdown("**Evidence bundle**")
    if not export_available():
        st.caption("Exports are not available in this install.")
        return
    from ringscope import export

    me = ui.current()
    if not me.can("export"):
        ui.role_note("export")
        return
    where = f"export::{ring_id}"
    confirm_key = f"export_replace::{ring_id}"
    st.caption(ui.md(f"Writes this ring's bundle (accounts, shared identifiers, evidence, comments, history, graph, "
                     f"enforcement actions, SHA-256 manifest) under {export.default_out_dir()}."))
    existing = export.ring_bundle(ring_id)
    if existing:
        written = display.when(existing["exported_at"]) if existing["exported_at"] else "an unknown time"
        st.caption(ui.md(f"Bundle on disk: {existing['path']}, written {written} by "
                         f"{existing['exported_by'] or 'unknown'}."))
    if st.button("Export bundle again" if existing else "Export bundle", key=f"export::{ring_id}"):
        _export(ring_id, status, me, force=False, where=where, confirm_key=confirm_key)
    if st.session_state.get(confirm_key):
        with st.container(border=True):
            when = display.when(existing["exported_at"]) if existing and existing["exported_at"] else "earlier"
            st.warning(ui.md(f"Ring {ring_id} already has a bundle, written {when}"
                             + (f" by {existing['exported_by']}" if existing and existing["exported_by"] else "")
                             + ". Replace it with a new one from the graph as it is now? The earlier export "
                               "stays recorded in the graph."))
            y, n = st.columns(2)
            if y.button("Replace", key=f"export_replace_yes::{ring_id}", type="primary"):
                st.session_state.pop(confirm_key, None)
                _export(ring_id, status, me, force=True, where=where, confirm_key=confirm_key)
            if n.button("Cancel", key=f"export_replace_no::{ring_id}"):
                st.session_state.pop(confirm_key, None)
                st.rerun()
    ui.show_flash(where)
    if existing:
        download(ring_id, existing)


def _export(ring_id: str, status: str, me: Identity, *, force: bool, where: str, confirm_key: str) -> None:
    from ringscope import export

    bar = st.progress(0.0, text="Writing the bundle ...")
    try:
        bundles = export.export_rings(export.default_out_dir(), status=status, ring_id=ring_id, by=me,
                                      force=force, progress=progress_bar(bar))
    except export.BundleExists:
        bar.empty()
        st.session_state[confirm_key] = True  # ask, next to the button, whether to replace it
        st.rerun()
    except RingScopeError as exc:
        bar.empty()
        ui.flash(f"Nothing was exported: {exc}", "error", where=where)
        st.rerun()
    data.clear_ring_caches()
    ui.flash(("Replaced: " if force else "Exported ") + f"{describe_bundles(bundles)}.", where=where)
    st.rerun()


def download(ring_id: str, existing: dict[str, Any]) -> None:
    """A download button for the ring's bundle as a zip; built again whenever a file of the
    bundle changed on disk, and refused when the bundle no longer matches its manifest or
    is superseded (its ring changed status since, or was exported again)."""
    from ringscope import export

    # Asked of the graph on every run, not cached: another lead may have changed the ring's
    # status (or exported it again) since, and an out-of-date bundle must not go onwards.
    standing = export.bundle_standing(existing["manifest_sha256"], existing.get("ring_status"))
    if standing.superseded:
        st.warning(ui.md(f"The bundle on disk is out of date ({'; '.join(standing.superseded)}). It is not offered "
                         "for download: export the ring again (Export bundle again), then download the new one."))
        return
    cache_key = f"export_zip::{ring_id}"
    cached = st.session_state.get(cache_key)
    # The files as they are on disk now (an edit after the zip was built must be seen).
    stamp = (existing["manifest_sha256"],
             tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(existing["path"].iterdir())))
    if not cached or cached[0] != stamp:
        st.session_state.pop(cache_key, None)
        try:
            cached = (stamp, export.bundle_zip(existing["path"]))
        except RingScopeError as exc:
            ui.error(f"Cannot offer the bundle for download: {exc}")
            return
        st.session_state[cache_key] = cached
    folder = existing["path"].name
    st.download_button("Download bundle (zip)", data=cached[1], file_name=f"{folder}.zip", mime="application/zip",
                       key=f"export_download::{ring_id}", on_click="ignore",
                       help="The bundle's files and its manifest.json; unzip and run `ringscope verify` to check it.")


def progress_bar(bar) -> Any:
    """A `progress(done, total, message)` callback drawing on an st.progress bar."""
    def progress(done: int, total: int, message: str = "") -> None:
        bar.progress(min(1.0, done / total) if total else 1.0, text=message or None)
    return progress


def describe_bundles(bundles: list[Any]) -> str:
    if not bundles:
        return "nothing: no ring matched"
    return "; ".join(f"ring {b.ring_id} to {b.path} ({b.members} accounts)" for b in bundles)
