"""`ringscope mark`: mark an account or identifier known-bad or known-good from the command line.

Same functions as the app's entity view (`ringscope.marks`), so both write the same audit trail.
"""
from __future__ import annotations

import click

from . import auth, display, marks
from .config import load_settings
from .domain import MARK_KINDS, MARK_VERDICTS


def _echo(text: str) -> None:
    click.echo(display.terminal(text))


def _verdict(bad: bool, good: bool, clear: bool) -> str | None:
    """known_bad, known_good, clear or None; two of the flags at once are refused rather
    than the last one silently winning."""
    given = [v for v, on in (("known_bad", bad), ("known_good", good), ("clear", clear)) if on]
    if len(given) > 1:
        raise click.UsageError("give one of --bad, --good or --clear")
    return given[0] if given else None


@click.command()
@click.argument("kind", required=False, metavar="KIND")
@click.argument("key", required=False, metavar="KEY")
@click.option("--bad", is_flag=True, help="Mark it known-bad.")
@click.option("--good", is_flag=True, help="Mark it known-good.")
@click.option("--clear", is_flag=True, help="Take its mark away (the mark's history stays).")
@click.option("--reason", metavar="TEXT", help="Why (required with --bad, --good and --clear).")
@click.option("--by", metavar="NAME", help="Your name for the audit trail (default: RINGSCOPE_INVESTIGATOR from .env); "
                                         "the operating-system user running the command is recorded with it.")
@click.option("--list", "list_all", is_flag=True, help="List every mark in force (with --bad or --good: only those).")
def mark(kind: str | None, key: str | None, bad: bool, good: bool, clear: bool, reason: str | None,
         by: str | None, list_all: bool) -> None:
    """Mark an account or identifier known-bad or known-good, with a reason.

    KIND is one of: account, instrument (card), device, ip, template, email_domain,
    email (an address; marked by its delivery mailbox, so dots and +tags that Gmail
    ignores are seen through). Every change is appended to the mark's audit trail in
    the graph. Known-bad identifiers feed the recidivism alert. Examples:

    \b
      ringscope mark device dev-17 --bad --reason "VM image of the March ring" --by alice
      ringscope mark ip 203.0.113.7 --good --reason "office NAT" --by alice
      ringscope mark device dev-17 --clear --reason "shared test device" --by alice
      ringscope mark device dev-17          # its marks and history
      ringscope mark --list --bad           # every known-bad mark
    """
    verdict = _verdict(bad, good, clear)
    # --reason and --by describe a change: without --bad, --good or --clear they were ignored
    # and the command showed the marks, exit 0, as if the change had been made
    extra = [name for name, value in (("--reason", reason), ("--by", by)) if value is not None]
    if extra and list_all:
        raise click.UsageError(f"--list takes no {' or '.join(extra)}")
    if extra and verdict is None:
        raise click.UsageError(f"{' and '.join(extra)} go{'' if len(extra) > 1 else 'es'} with a change: give --bad, --good or --clear with --reason "
                               "(`ringscope mark KIND KEY` alone shows its marks)")
    settings = load_settings()
    if list_all:
        if kind or key:
            raise click.UsageError("--list takes no KIND or KEY")
        if verdict == "clear":
            raise click.UsageError("--list takes --bad or --good, not --clear")
        found = marks.list_marks(verdict=verdict, settings=settings)
        if not found:
            _echo("no marks")
        for m in found:
            _echo(f"{m.describe()}; {m.accounts or 0} account(s)")
        return
    if not kind or not key:
        raise click.UsageError(f"give KIND and KEY (KIND: {', '.join(MARK_KINDS)}), or --list")
    if verdict is not None:
        who = auth.cli_identity(by, settings)
        if verdict == "clear":
            change = marks.clear_mark(kind, key, reason or "", by=who, settings=settings)
        else:
            change = marks.set_mark(kind, key, verdict, reason or "", by=who, settings=settings)
        after = MARK_VERDICTS.get(change.after["verdict"] or "", "no mark")
        before = MARK_VERDICTS.get(change.before["verdict"] or "", "no mark")
        shown = change.mark_id
        _echo(f"{shown}: {before} -> {after}" if change.changed else f"{shown}: unchanged ({after})")
        return
    on = marks.marks_on(kind, key, settings=settings)
    if not on and not marks.in_graph(kind, key, settings=settings):
        raise marks.MarkError(f"no {MARK_KINDS[marks.normalize_kind(kind)].lower()} {display.terminal(key)!r} "
                              "in the graph: search for it first")
    if not on:
        _echo("no mark on it" + (" or on what it uses" if marks.normalize_kind(kind) == "account" else ""))
    for m in on:
        _echo(m.describe() + ("" if m.via == "itself" else f" [via {m.via}]"))
    events = marks.history(kind, key, settings=settings)
    if events:
        _echo("history (newest first):")
        for event in events:
            _echo(f"  {event.describe()}")
