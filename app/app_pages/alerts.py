"""Alert inbox: what the daily cycle raised, filtered; acknowledge or dismiss, open the ring;
an alert an output refused and set aside says so and can be sent again.

Status changes go through `ringscope.alerts.set_status`, the function `ringscope alerts
ack` uses, and sending again through `retry_refused` (`ringscope alerts retry`), so both
write the same audit trail.
"""
import pandas as pd
import streamlit as st

from ringscope import alerts, display
from ringscope.app import ui

st.title("Alert inbox")
st.caption("Raised by `ringscope cycle` (or `ringscope alerts run`): new rings, rings that grew, "
           "returning operators, actioned accounts active again. Newest first.")
ui.show_flash()

STATUS_CHOICES = ["open", "acknowledged", "dismissed", ""]
c1, c2, c3 = st.columns(3)
status = c1.selectbox("Status", STATUS_CHOICES, format_func=lambda s: s or "any status", key="alerts_status")
kind = c2.selectbox("Kind", ["", *alerts.KINDS], format_func=lambda k: k or "any kind", key="alerts_kind")
severity = c3.selectbox("Severity", ["", *alerts.SEVERITIES], format_func=lambda s: s or "any severity",
                        key="alerts_severity")
LIMIT = 500

with ui.errors_as_one_line():
    found = alerts.list_alerts(status=status, kind=kind, severity=severity, limit=LIMIT)
    if not found:
        st.info("No alerts match." + (" Run `ringscope cycle WORLD_DIR` to raise them." if status == "open" else ""))
    else:
        frame = pd.DataFrame([{
            "created_at": a.created_at, "severity": a.severity, "kind": a.kind, "status": a.status,
            "ring_id": a.ring_id, "accounts": len(a.account_ids), "reason": a.reason, "alert_id": a.alert_id,
        } for a in found])
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, errors="coerce", format="ISO8601")
        st.dataframe(ui.table(frame), hide_index=True, width="stretch", key="alerts_table",
                     column_config={"created_at": st.column_config.DatetimeColumn("created", format="YYYY-MM-DD HH:mm")})
        by_id = {a.alert_id: a for a in found}
        chosen = st.selectbox("Alert", list(by_id), key="alerts_pick",
                              format_func=lambda i: f"{by_id[i].severity} · {by_id[i].kind} · ring "
                                                    f"{alerts.terminal_safe(by_id[i].ring_id)} · {i}")
        alert = by_id[chosen]
        st.subheader(f"{alert.kind} · {alert.severity} · {alert.status}")
        st.markdown(ui.md(alert.reason))
        st.markdown("**Accounts:** " + ", ".join(ui.md(a) for a in alert.account_ids[:50])
                    + (f" (+{len(alert.account_ids) - 50} more)" if len(alert.account_ids) > 50 else ""))
        if alert.status_by:
            st.caption(ui.md(f"{alert.status} by {alert.status_by} at {display.when(alert.status_at)}"))
        aside = {r.alert.alert_id: r for r in alerts.refused_alerts()}.get(alert.alert_id)
        if aside:
            st.warning(ui.md(f"Set aside: {aside.why} at {display.when(aside.refused_at)}. The output refused this alert "
                             "on its own and does not receive it until it is sent again."))
            if ui.may("tag") and st.button("Send again on the next run", key=f"alert_retry::{alert.alert_id}"):
                alerts.retry_refused([alert.alert_id], by=ui.current(), sink=aside.refused[0])
                ui.flash(f"{alert.alert_id}: put back for {aside.refused[0]}")
                st.rerun()
        if ui.may("tag"):
            with st.form(f"alert_form::{alert.alert_id}"):
                note = st.text_input("Note (kept in the audit trail)", key=f"alert_note::{alert.alert_id}")
                b1, b2, b3 = st.columns(3)
                ack = b1.form_submit_button("Acknowledge", disabled=alert.status == "acknowledged")
                dismiss = b2.form_submit_button("Dismiss", disabled=alert.status == "dismissed")
                reopen = b3.form_submit_button("Reopen", disabled=alert.status == "open")
            target = "acknowledged" if ack else "dismissed" if dismiss else "open" if reopen else None
            if target:
                change = alerts.set_status(alert.alert_id, target, by=ui.current(), note=note)
                ui.flash(f"{alert.alert_id}: {change.before} -> {change.after}")
                st.rerun()
        else:
            ui.role_note("tag")
        if alert.ring_id and st.button("Open the ring", key=f"alert_open::{alert.alert_id}"):
            ui.open_ring(alert.ring_id)
        trail = alerts.history(alert.alert_id)
        if trail:
            st.markdown("**History**")
            st.dataframe(ui.table(pd.DataFrame([{"at": display.when(e.at), "by": e.by, "action": e.action,
                                                 "what": alerts.describe(e)} for e in trail])),
                         hide_index=True, width="stretch")
    ui.show_cypher("list_alerts", {"status": status, "kind": kind, "severity": severity, "ring_id": "",
                                   "alert_id": "", "limit": LIMIT})
