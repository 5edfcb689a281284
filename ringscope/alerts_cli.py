"""`ringscope alerts`: list alerts, acknowledge or dismiss them, run the rules.

The same functions as the app's alert inbox (`ringscope.alerts`), so both write the
same audit trail.
"""
from __future__ import annotations

import csv
import sys

import click

from . import alerts as al
from .config import load_settings
from .display import spreadsheet_safe, terminal

_FIELDS = ("alert_id", "created_at", "severity", "kind", "status", "ring_id", "accounts", "reason", "status_by", "status_at")


@click.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["open", "acknowledged", "dismissed", "any"]), default="any",
              show_default=True, help="Only alerts with this status.")
@click.option("--kind", type=click.Choice(al.KINDS), default=None, help="Only alerts of this kind.")
@click.option("--severity", type=click.Choice(al.SEVERITIES), default=None, help="Only alerts of this severity.")
@click.option("--ring", "ring_id", metavar="RING_ID", default=None, help="Only alerts about this ring.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True,
              help="table: one line per alert; csv: one row per alert, accounts ';'-separated, ids as stored "
                   "(control and bidi characters made visible on a terminal); jsonl: one JSON object a line, ASCII "
                   "(other characters as \\uXXXX escapes).")
@click.option("--limit", type=click.IntRange(1), default=500, show_default=True, help="Alerts listed at most, newest first.")
@click.pass_context
def alerts(ctx: click.Context, status: str, kind: str | None, severity: str | None, ring_id: str | None,
           fmt: str, limit: int) -> None:
    """List alerts, newest first (the default), or change one (ack, dismiss, reopen).

    \b
      ringscope alerts --status open
      ringscope alerts --format jsonl > alerts.jsonl
      ringscope alerts ack AL-3f2a... --by alice --note "ring R-12 under review"
      ringscope alerts history AL-3f2a...
    """
    if ctx.invoked_subcommand is not None:
        return
    found = al.list_alerts(status=None if status == "any" else status, kind=kind, severity=severity,
                           ring_id=ring_id, limit=limit, settings=load_settings())
    if fmt == "jsonl":
        for alert in found:
            click.echo(al.jsonl_line(alert))
        return
    if fmt == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(_FIELDS)
        # to a file or a pipe it is data: ids stay as stored so they join back to the graph (an
        # id with a bidi control came out with `?` in it); only a cell a spreadsheet would run
        # as a formula gets a leading quote, as in `query run --format csv` and the export's CSVs.
        # On a terminal it is read by a person: control and bidi characters are made visible
        # (display.terminal), so an attacker-chosen id cannot clear the screen or set its title.
        shown = terminal if sys.stdout.isatty() else str
        for a in found:
            out.writerow([shown(spreadsheet_safe(v)) for v in (a.alert_id, a.created_at, a.severity, a.kind, a.status,
                                                                a.ring_id, ";".join(a.account_ids), a.reason,
                                                                a.status_by or "", a.status_at or "")])
        return
    if not found:
        click.echo("no alerts" + ("" if status == "any" else f" with status {status}")
                   + ": `ringscope cycle WORLD_DIR` raises them", err=True)
        return
    safe = al.terminal_safe
    click.echo(f"{'alert_id':<23} {'created_at':<20} {'severity':<8} {'kind':<15} {'status':<12} {'ring':<16} {'accounts':>8}  reason")
    for a in found:
        click.echo(f"{safe(a.alert_id):<23} {a.created_at[:19]:<20} {a.severity:<8} {a.kind:<15} {a.status:<12} "
                   f"{safe(a.ring_id)[:16]:<16} {len(a.account_ids):>8}  {safe(a.reason)[:120]}")


def _change(alert_id: str, status: str, by: str | None, note: str | None) -> None:
    from .auth import cli_identity

    settings = load_settings()
    # the typed name and the OS user running the command, both recorded (README, Sign-in and roles)
    change = al.set_status(alert_id, status, by=cli_identity(by, settings), note=note, settings=settings)
    safe = al.terminal_safe
    if change.changed:
        click.echo(f"{safe(change.alert_id)}: {change.before} -> {change.after}")
    else:
        click.echo(f"{safe(change.alert_id)}: already {change.after}, nothing written")


_BY = click.option("--by", metavar="NAME", help="Name recorded in the audit trail with the OS user "
                   "(default: RINGSCOPE_INVESTIGATOR from .env).")
_NOTE = click.option("--note", metavar="TEXT", default=None, help="Why (kept in the alert's audit trail).")


@alerts.command()
@click.argument("alert_id")
@_BY
@_NOTE
def ack(alert_id: str, by: str | None, note: str | None) -> None:
    """Acknowledge ALERT_ID: seen, being handled."""
    _change(alert_id, "acknowledged", by, note)


@alerts.command()
@click.argument("alert_id")
@_BY
@_NOTE
def dismiss(alert_id: str, by: str | None, note: str | None) -> None:
    """Dismiss ALERT_ID: no action needed (false alarm, known case)."""
    _change(alert_id, "dismissed", by, note)


@alerts.command()
@click.argument("alert_id")
@_BY
@_NOTE
def reopen(alert_id: str, by: str | None, note: str | None) -> None:
    """Set ALERT_ID back to open."""
    _change(alert_id, "open", by, note)


@alerts.command()
@click.argument("alert_id")
def history(alert_id: str) -> None:
    """ALERT_ID's details and audit trail, newest first."""
    settings = load_settings()
    alert = al.get_alert(alert_id, settings)
    safe = al.terminal_safe
    click.echo(f"{safe(alert.alert_id)}  {alert.severity} {alert.kind}  {alert.status}  created {alert.created_at}")
    click.echo(f"ring {safe(alert.ring_id)}; accounts: {safe(', '.join(alert.account_ids))}")
    click.echo(f"reason: {safe(alert.reason)}")
    for e in al.history(alert_id, settings=settings):
        click.echo(f"  {e.at} {safe(e.by)} {e.action}: {safe(al.describe(e))}")


@alerts.command()
@click.option("--limit", type=click.IntRange(1), default=500, show_default=True, help="Alerts listed at most.")
def refused(limit: int) -> None:
    """Alerts an output refused on their own, set aside (not sent to it again), newest first.

    The webhook's receiver refusing one alert (HTTP 400, 413 or 422 for that alert alone)
    sets it aside so the other alerts still go out; `ringscope alerts retry ALERT_ID`
    (or --all) sends it again on the next run.
    """
    found = al.refused_alerts(load_settings(), limit=limit)
    if not found:
        click.echo("no alert is set aside: every output took what it was sent", err=True)
        return
    safe = al.terminal_safe
    click.echo(f"{'alert_id':<23} {'refused_at':<20} {'why':<18} {'status':<12} {'kind':<15} {'ring':<16} reason")
    for r in found:
        a = r.alert
        click.echo(f"{safe(a.alert_id):<23} {r.refused_at[:19]:<20} {safe(r.why):<18} {a.status:<12} {a.kind:<15} "
                   f"{safe(a.ring_id)[:16]:<16} {safe(a.reason)[:100]}")
    click.echo(f"{len(found)} alert(s) set aside: `ringscope alerts retry ALERT_ID` (or --all) sends them again on the next run",
               err=True)


@alerts.command()
@click.argument("alert_ids", nargs=-1, metavar="[ALERT_ID]...")
@click.option("--all", "everything", is_flag=True, help="Every alert set aside.")
@_BY
def retry(alert_ids: tuple[str, ...], everything: bool, by: str | None) -> None:
    """Send alerts an output refused (`ringscope alerts refused`) again on the next run.

    Only open alerts are sent; a receiver that still refuses one sets it aside again.
    Each alert's audit trail records who sent it again (`ringscope alerts history ID`).
    """
    from .auth import cli_identity

    if everything and alert_ids:
        raise click.UsageError("give ALERT_IDs or --all, not both")
    settings = load_settings()
    done = al.retry_refused(alert_ids, by=cli_identity(by, settings), everything=everything, settings=settings)
    click.echo(f"{len(done)} alert(s) put back: the next `ringscope cycle` or `ringscope alerts run` sends them")


@alerts.command("run")
@click.option("--jsonl", metavar="PATH", default=None,
              help="Append new alerts to this JSONL file [default: RINGSCOPE_ALERT_JSONL; '' turns it off].")
@click.option("--webhook/--no-webhook", default=True, show_default=True,
              help="POST new alerts to RINGSCOPE_ALERT_WEBHOOK_URL from .env when it is set.")
def run_rules(jsonl: str | None, webhook: bool) -> None:
    """Run the alert rules on the graph as it is (no ingest, no detection) and store what they find,
    then deliver pending alerts to the outputs. Exit status 0, 1 when it failed, 2 on a usage
    error, 3 when an output failed (those alerts stay pending)."""
    settings = load_settings()
    al.watch_actioned(settings)
    run = al.run_rules(settings)
    for a in run.raised:
        click.echo(f"{a.severity:<6} {a.kind:<15} {al.terminal_safe(a.alert_id)}  {al.terminal_safe(a.reason)[:110]}")
    click.echo(f"{len(run.raised)} alert(s) raised")
    outputs = al.notify(settings, jsonl=jsonl, webhook_url=None if webhook else "")
    failed = False
    for name, value in outputs.items():
        if isinstance(value, str):
            failed = True
            click.echo(f"error: {name} output failed: {al.terminal_safe(value)}", err=True)
        else:
            click.echo(f"{name}: {value} alert(s) sent")
    if failed:
        sys.exit(3)  # as `cycle`: 2 is click's usage error
