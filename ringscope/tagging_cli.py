"""`ringscope tag`: the investigator's tagging operations from the command line.

Same functions as the app (`ringscope.tagging`), so both write the same audit trail.
"""
from __future__ import annotations

from pathlib import Path

import click

from . import auth, display, tagging
from .config import load_settings
from .tagging import STATUSES, MemberChange, TagChange

_STATUS_HELP = (
    f"New status, one of: {', '.join(STATUSES)} "
    "(dashes, spaces and case are ignored; confirmed-operator means confirmed)."
)


@click.command()
@click.argument("ring_id", required=False)
@click.option("--ring", "ring_option", metavar="RING_ID", help="The ring to change (the same as RING_ID; reads well with --file).")
@click.option("--status", metavar="STATUS", help=_STATUS_HELP)
@click.option("--label", "labels", multiple=True, metavar="LABEL", help="Free label to add (repeat for several).")
@click.option("--remove-label", "removed_labels", multiple=True, metavar="LABEL", help="Label to remove (repeat for several).")
@click.option("--note", metavar="TEXT", help="Replace the ring's note; --note '' clears it.")
@click.option("--add-account", "add_accounts", multiple=True, metavar="ACCOUNT_ID",
              help="Put one account into the ring's case (repeat for several).")
@click.option("--remove-account", "remove_accounts", multiple=True, metavar="ACCOUNT_ID",
              help="Take one account out of the ring's case (repeat for several; it stays in history).")
@click.option("--file", "accounts_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV file with an account_id column: accounts to add (--add) or remove (--remove) in bulk.")
@click.option("--add", "bulk_add", is_flag=True, help="With --file: put the file's accounts into the case.")
@click.option("--remove", "bulk_remove", is_flag=True, help="With --file: take the file's accounts out of the case.")
@click.option("--reason", metavar="TEXT",
              help="With --add-account or --file --add: why the accounts belong in the case (the export's "
                   "enforcement actions cite it instead of the ring's detection signals).")
@click.option("--comment", metavar="TEXT", help="Add a comment to the ring's thread (kept in its audit trail).")
@click.option("--assign", "assignee", metavar="NAME",
              help="Assign the ring to NAME (an e-mail or a name); --assign me assigns it to you (--by).")
@click.option("--unassign", is_flag=True, help="Assign the ring to nobody.")
@click.option("--by", metavar="NAME", help="Your name for the audit trail (default: RINGSCOPE_INVESTIGATOR from .env); "
                                         "the operating-system user running the command is recorded with it.")
@click.option("--history", "show_history", is_flag=True,
              help="Print the ring's tags and audit trail, newest first (the default when nothing is changed).")
def tag(
    ring_id: str | None,
    ring_option: str | None,
    status: str | None,
    labels: tuple[str, ...],
    removed_labels: tuple[str, ...],
    note: str | None,
    add_accounts: tuple[str, ...],
    remove_accounts: tuple[str, ...],
    accounts_file: Path | None,
    bulk_add: bool,
    bulk_remove: bool,
    reason: str | None,
    comment: str | None,
    assignee: str | None,
    unassign: bool,
    by: str | None,
    show_history: bool,
) -> None:
    """Tag a ring: status, free labels, note, and which accounts are in its case.

    Every change is appended to the ring's audit trail in the graph (who, when,
    before, after). Examples:

    \b
      ringscope tag R-15661781c2 --status confirmed --label proxy-farm --by alice
      ringscope tag R-15661781c2 --note "same BIN range as March" --by alice
      ringscope tag R-15661781c2 --remove-account acct-42 --by alice
      ringscope tag --file accounts.csv --ring R-15661781c2 --add --by alice
      ringscope tag R-15661781c2 --comment "payments team confirms the BIN" --assign me --by alice
      ringscope tag R-15661781c2            # show tags and history
    """
    if ring_id and ring_option and ring_id != ring_option:
        raise click.UsageError(f"RING_ID {ring_id!r} and --ring {ring_option!r} disagree: give one")
    ring = ring_id or ring_option
    if bulk_add and bulk_remove:  # each its own flag: the last one given must not silently win
        raise click.UsageError("--add and --remove: give one")
    bulk_mode = "add" if bulk_add else "remove" if bulk_remove else None
    if not ring:
        raise click.UsageError("which ring? give RING_ID or --ring (`ringscope rings` lists them)")
    if accounts_file is not None and bulk_mode is None:
        raise click.UsageError("--file needs --add or --remove")
    if bulk_mode is not None and accounts_file is None:
        raise click.UsageError("--add/--remove take their accounts from --file (single accounts: --add-account)")

    if assignee is not None and unassign:
        raise click.UsageError("--assign and --unassign: give one")
    settings = load_settings()
    wants_change = any([status is not None, labels, removed_labels, note is not None, add_accounts,
                        remove_accounts, accounts_file is not None, comment is not None, assignee is not None,
                        unassign])
    if reason is not None and not add_accounts and bulk_mode != "add":
        raise click.UsageError("--reason says why accounts go into the case: give it with --add-account, "
                               "or --file with --add")
    if wants_change:
        investigator = auth.cli_identity(by, settings)
        bulk_ids = tagging.read_account_ids(accounts_file) if accounts_file is not None else []
        # every input and right first (a field report: the status and labels were saved, then
        # a too-long --reason failed and the command exited 1 with half of it written)
        tagging.check_request(ring, investigator, status=status, labels=labels, remove_labels=removed_labels,
                              note=note, add_accounts=list(add_accounts) + (bulk_ids if bulk_mode == "add" else []),
                              remove_accounts=list(remove_accounts) + (bulk_ids if bulk_mode == "remove" else []),
                              reason=reason, comment=comment, assignee=_assignee_to_check(assignee, unassign),
                              settings=settings)
        # the case's accounts before its status: `--status confirmed --add-account X` confirms
        # the case with X in it (X is then acted on, not only reviewed)
        if add_accounts:
            _echo_members(tagging.add_members(ring, add_accounts, investigator, settings, reason=reason))
        if remove_accounts:
            _echo_members(tagging.remove_members(ring, remove_accounts, investigator, settings))
        if bulk_ids:
            if bulk_mode == "add":
                change = tagging.add_members(ring, bulk_ids, investigator, settings, reason=reason)
            else:
                change = tagging.remove_members(ring, bulk_ids, investigator, settings)
            _echo_members(change, source=accounts_file)
        if status is not None or labels or removed_labels or note is not None:
            for change in tagging.tag_ring(ring, status=status, labels=labels, remove_labels=removed_labels,
                                           note=note, by=investigator, settings=settings):
                _echo_tag(change)
        if assignee is not None or unassign:
            who = investigator if (assignee or "").strip().lower() == "me" else (None if unassign else assignee)
            _echo_tag(tagging.assign(ring, who, by=investigator, settings=settings))
        if comment is not None:
            added = tagging.comment(ring, comment, by=investigator, settings=settings)
            _say(f"{ring}: comment #{added.seq} added")
    if show_history or not wants_change:
        _echo_history(ring, settings)


def _assignee_to_check(assignee: str | None, unassign: bool) -> str | None:
    """What `check_request` checks for --assign / --unassign: None when neither is given, ""
    for nobody or "me" (the identity itself), else the name typed."""
    if assignee is None and not unassign:
        return None
    if unassign or assignee.strip().lower() == "me":
        return ""
    return assignee


def _say(line: str, err: bool = False) -> None:
    """One line to the terminal with the graph's and the user's text inert: ring ids, notes,
    labels, reasons and account ids may hold bidi controls or escape sequences."""
    click.echo(display.terminal(line), err=err)


def _echo_tag(change: TagChange) -> None:
    what = change.action.replace("_", " ")
    if not change.changed:
        _say(f"{change.ring_id}: {what}: unchanged ({tagging.describe_value(change.after)})")
        return
    _say(f"{change.ring_id}: {what}: {tagging.describe_value(change.before)} -> {tagging.describe_value(change.after)}")


def _echo_members(change: MemberChange, source: Path | None = None) -> None:
    verb = "added to" if change.action == "add_members" else "removed from"
    origin = f" (from {source})" if source else ""
    _say(f"{change.ring_id}: {len(change.changed)} account(s) {verb} the case{origin}"
         + (f", {len(change.unchanged)} already so" if change.unchanged else ""))
    if change.unknown:
        shown = ", ".join(change.unknown[:10]) + (f" and {len(change.unknown) - 10} more" if len(change.unknown) > 10 else "")
        _say(f"warning: {len(change.unknown)} unknown account id(s), not in the graph, skipped: {shown}", err=True)


def _echo_history(ring: str, settings) -> None:
    tags = tagging.ring_tags(ring, settings)
    _say(f"ring {tags.ring_id}: status {tags.status}; labels: {', '.join(tags.labels) or '-'}; "
         f"{tags.members} account(s) in the case ({tags.removed_members} removed, {tags.added_members} added by investigators)")
    for i, line in enumerate((tags.note or "").splitlines()):  # a note may run over several lines
        _say(f"{'note: ' if i == 0 else '      '}{line}")
    if tags.assignee:
        _say(f"assigned to {tags.assignee} since {tags.assigned_at}")
    events = tagging.history(ring, settings=settings)
    if not events:
        _say("history: none yet")
        return
    _say("history (newest first):")
    for event in events:
        _say(f"  {event.describe()}")
