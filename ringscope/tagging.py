"""Investigator tagging of rings: status, free labels, a note, and the accounts in a
ring's case, every change written to an audit trail in the graph.

The app and `ringscope tag` both call these functions. Each operation is ONE stored
write query (`cypher/tagging/*.cypher`) that reads the old value, applies the change and
appends an `(:AuditEvent)-[:ABOUT]->(:Ring)` in the same transaction, so the trail can
never disagree with the graph. An operation that changes nothing (a status the ring
already has, a label it already carries) writes no event and reports `changed=False`.

Tags live only on properties detection does not own (`status`, `labels`, `note`) and on
the `HAS_MEMBER` flags `added_by` / `removed`; a re-run of detection that MERGEs the
ring and sets its detection properties leaves them alone.

Every operation takes the `Identity` acting (`ringscope.auth`: the signed-in person, or
the CLI's `--by` with the OS user) and refuses with `PermissionDenied` when its role lacks
the right: tagging needs investigator, changing the case's accounts investigator,
confirming or escalating a ring (or moving it out of confirmed/escalated) lead. The audit
event records the identity's subject, e-mail and how it signed in, never typed text alone.

    >>> lead = auth.cli_identity("alice")
    >>> set_status("ring-0001", "confirmed", by=lead)
    TagChange(ring_id='ring-0001', action='set_status', changed=True, ...)
    >>> history("ring-0001")[0].action
    'set_status'
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import display
from .auth import Identity, PermissionDenied
from .catalog import run_query
from .config import Settings
from .domain import STATUSES, AuditEvent, decode_json  # ring statuses are declared in domain.py; importable from here too
from .errors import RingScopeError

#: Other spellings people type, mapped to the stored value (after lower-casing and
#: turning spaces and dashes into underscores).
STATUS_ALIASES: dict[str, str] = {
    "confirmed_operator": "confirmed",
    "operator": "confirmed",
    "false_pos": "false_positive",
    "fp": "false_positive",
    "escalate": "escalated",
    "investigate": "investigating",
}

#: What a HAS_MEMBER relationship's `added_by` holds when detection put the account there.
DETECT = "detect"

MAX_LABEL_CHARS = 100
MAX_NOTE_CHARS = 10_000
#: Why accounts were put into a case by hand (cited in the export's enforcement actions).
MAX_REASON_CHARS = 500
MAX_COMMENT_CHARS = 5_000
#: An assignee is a name or an e-mail address.
MAX_ASSIGNEE_CHARS = 200

#: Every `action` of a ring's audit events, in the order a case usually sees them.
RING_ACTIONS: tuple[str, ...] = ("set_status", "add_labels", "remove_labels", "set_note", "add_members",
                                 "remove_members", "assign", "comment", "exported")

#: Statuses only a lead may set, or move a ring out of: the decisions enforcement acts on.
STATUS_RIGHTS: dict[str, str] = {"confirmed": "confirm", "escalated": "escalate"}


class TaggingError(RingScopeError):
    """A tagging request was refused: unknown ring or status, missing investigator, bad input."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TagChange:
    """The outcome of a status, label or note operation."""

    ring_id: str
    action: str
    changed: bool
    before: Any
    after: Any
    #: The AuditEvent written, or None when nothing changed.
    event_id: str | None


@dataclass(frozen=True)
class MemberChange:
    """The outcome of adding or removing accounts from a ring's case."""

    ring_id: str
    action: str
    #: Accounts whose membership changed.
    changed: tuple[str, ...]
    #: Known accounts already in the requested state (nothing to do).
    unchanged: tuple[str, ...]
    #: Ids with no Account node: reported, never silently dropped.
    unknown: tuple[str, ...]
    #: The AuditEvent written, or None when nothing changed.
    event_id: str | None


@dataclass(frozen=True)
class AuditEntry(AuditEvent):
    """One event of a ring's audit trail (`domain.AuditEvent`; `by` as a history view shows
    it: e-mail, or name with OS user for the CLI)."""

    #: The identity's stable subject and verified e-mail (None on events written before sign-in existed).
    by_subject: str | None = None
    by_email: str | None = None

    def describe(self) -> str:
        """One line for a history view: `2026-11-26T10:00:00Z alice set_status: new -> confirmed`."""
        return display.neutral(f"{self.at} {self.by} {self.action}: {describe_value(self.before)} -> "
                               f"{describe_value(self.after)}")


@dataclass(frozen=True)
class RingTags:
    """A ring's investigator-owned state."""

    ring_id: str
    status: str
    labels: tuple[str, ...]
    note: str | None
    #: Accounts in the case (HAS_MEMBER not removed).
    members: int
    removed_members: int
    #: Accounts in the case that an investigator (not detection) added.
    added_members: int
    audit_events: int
    #: Who works the case (an e-mail or a name), None when nobody; since when (ISO-8601 UTC).
    assignee: str | None = None
    assigned_at: str | None = None


@dataclass(frozen=True)
class Comment:
    """One comment of a ring's thread (an audit event with action `comment`)."""

    event_id: str
    seq: int
    #: ISO-8601 UTC.
    at: str
    by: str
    text: str
    by_subject: str | None = None


# --------------------------------------------------------------------------- validation


def normalize_status(status: str) -> str:
    """The stored spelling of a status: `Confirmed-Operator` -> `confirmed`; unknown -> error."""
    key = str(status or "").strip().lower().replace("-", "_").replace(" ", "_")
    key = STATUS_ALIASES.get(key, key)
    if key not in STATUSES:
        raise TaggingError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    return key


def acting(by: Identity | None, right: str) -> Identity:
    """`by` when it is an Identity whose role holds `right`; else TaggingError or PermissionDenied.

    Text is refused: a name typed into a form or passed as a string proves nothing about
    who acted (the CLI builds an Identity from --by and the OS user, the app from sign-in).
    """
    if not isinstance(by, Identity):
        raise TaggingError("a change needs the identity of who makes it (ringscope.auth.Identity), not "
                           f"{type(by).__name__}: sign in, or give the CLI --by NAME")
    by.require(right)
    return by


def status_right(status: str) -> str:
    """The right needed to set a ring to `status` or to move it out of that status."""
    return STATUS_RIGHTS.get(status, "tag")


def may_edit_members(by: Identity, status: str) -> bool:
    """Whether `by` may change the accounts of a ring that is `status` (what `add_members`
    and `remove_members` check): investigator, and lead for a confirmed or escalated case."""
    return by.can("edit_members") and by.can(STATUS_RIGHTS.get(status, "edit_members"))


def _may_change_a(by: Identity, status: str, doing: str) -> None:
    """PermissionDenied unless `by` may change a ring that is `status` in the way `doing`
    says ("moving ... out of", "changing the accounts of"): a confirmed or escalated ring is
    what a lead decided on."""
    right = STATUS_RIGHTS.get(status)
    if right is not None:
        by.require(right, f"{doing} a {status} ring")


def _clean_labels(labels: Iterable[str]) -> list[str]:
    if isinstance(labels, str):
        labels = [labels]
    cleaned: list[str] = []
    for label in labels:
        text = str(label).strip()
        if not text:
            raise TaggingError("a label cannot be empty")
        hidden = next((c for c in text if not c.isprintable()), None)
        if hidden is not None:
            # Labels are short names shown in lists: a direction override or control
            # character in one would reorder or hide what an investigator reads.
            raise TaggingError(f"label {display.neutral(text[:40])!r} contains the invisible character "
                               f"U+{ord(hidden):04X}: type the label without it")
        if len(text) > MAX_LABEL_CHARS:
            raise TaggingError(f"label {text[:40]!r} must be at most {MAX_LABEL_CHARS} characters")
        if text not in cleaned:
            cleaned.append(text)
    return cleaned


def _clean_note(note: str | None) -> str | None:
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_NOTE_CHARS:
        raise TaggingError(f"the note is longer than {MAX_NOTE_CHARS} characters")
    return text


def _clean_reason(reason: str | None) -> str | None:
    why = (reason or "").strip() or None
    if why is not None and len(why) > MAX_REASON_CHARS:
        raise TaggingError(f"the reason is longer than {MAX_REASON_CHARS} characters")
    return why


def _clean_comment(text: str | None) -> str:
    body = (text or "").strip()
    if not body:
        raise TaggingError("the comment is empty")
    if len(body) > MAX_COMMENT_CHARS:
        raise TaggingError(f"the comment is longer than {MAX_COMMENT_CHARS} characters")
    return body


def _clean_assignee(assignee: str | None) -> str | None:
    name = str(assignee or "").strip() or None
    if name is not None and (len(name) > MAX_ASSIGNEE_CHARS or not name.isprintable()):
        raise TaggingError(f"an assignee is a name or an e-mail address of at most {MAX_ASSIGNEE_CHARS} "
                           "printable characters")
    return name


def _clean_ids(account_ids: Iterable[str]) -> list[str]:
    if isinstance(account_ids, str):
        account_ids = [account_ids]
    ids: list[str] = []
    seen: set[str] = set()
    for raw in account_ids:
        text = str(raw).strip()
        if text and text not in seen:
            seen.add(text)
            ids.append(text)
    return ids


def _ring_id(ring_id: str) -> str:
    text = str(ring_id or "").strip()
    if not text:
        raise TaggingError("no ring id given: `ringscope rings` lists them")
    return text


def _no_ring(ring_id: str) -> TaggingError:
    return TaggingError(f"no ring with id {ring_id!r}: `ringscope rings` lists them")


def read_account_ids(path: str | Path) -> list[str]:
    """Account ids from a CSV file with an `account_id` column (other columns ignored).

    Blank ids are skipped and duplicates kept once, in file order.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip() for c in (reader.fieldnames or [])]
            if "account_id" not in columns:
                raise TaggingError(f"{path}: no account_id column (found: {', '.join(columns) or 'no header'})")
            reader.fieldnames = columns
            ids = _clean_ids(row.get("account_id") or "" for row in reader)
    except OSError as exc:
        raise TaggingError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise TaggingError(f"{path} is not a readable UTF-8 CSV file: {exc}") from None
    if not ids:
        raise TaggingError(f"{path}: no account ids in the account_id column")
    return ids


# --------------------------------------------------------------------------- operations


def _tag(query: str, ring_id: str, action: str, params: dict[str, Any], by: Identity,
         settings: Settings | None) -> TagChange:
    rows = run_query(query, {"ring_id": ring_id, **params, **by.audit()}, settings=settings, allow_write=True)
    if not rows:
        raise _status_moved_or_no_ring(ring_id, params.get("expected_status"), settings)
    row = rows[0]
    return TagChange(
        ring_id=ring_id,
        action=action,
        changed=row["event_id"] is not None,
        before=row["before"],
        after=row["after"],
        event_id=row["event_id"],
    )


def _status_moved_or_no_ring(ring_id: str, expected: str | None, settings: Settings | None) -> RingScopeError:
    """Why a tagging query wrote nothing: the ring is gone, or its status moved on since the
    rights were checked against it (nothing was written; the person looks again)."""
    if expected is not None:
        rows = run_query("ring_tags", {"ring_id": ring_id}, settings=settings)
        if rows:
            now = rows[0].get("status") or "new"
            return TaggingError(f"ring {ring_id}'s status changed from {expected} to {now} while this change was "
                                "being saved; nothing was written: look at the ring again and retry")
    return _no_ring(ring_id)


def set_status(ring_id: str, status: str, by: Identity, settings: Settings | None = None) -> TagChange:
    """Set a ring's status (any spelling `normalize_status` accepts); audited.

    Needs the investigator role; confirmed and escalated (setting them, or moving a ring
    out of them) need lead. Raises PermissionDenied before anything is written.
    """
    ring_id = _ring_id(ring_id)
    status = normalize_status(status)
    acting(by, status_right(status))
    current = _tags_or_raise(ring_id, settings)["status"]
    if current != status:
        _may_change_a(by, current, "changing the status of")
    # the query writes only while the status is still the one the rights were checked
    # against (a field report: an investigator's change raced a lead's "confirmed" and
    # moved the ring out of it)
    return _tag("set_ring_status", ring_id, "set_status", {"status": status, "expected_status": current}, by, settings)


def add_labels(ring_id: str, labels: Iterable[str], by: Identity, settings: Settings | None = None) -> TagChange:
    """Add free labels (kept in the order first added; existing ones ignored); audited; investigator."""
    ring_id = _ring_id(ring_id)
    cleaned = _clean_labels(labels)
    acting(by, "tag")
    if not cleaned:
        raise TaggingError("no label to add")
    return _tag("add_ring_labels", ring_id, "add_labels", {"labels": cleaned}, by, settings)


def remove_labels(ring_id: str, labels: Iterable[str], by: Identity, settings: Settings | None = None) -> TagChange:
    """Remove free labels (ones the ring does not carry are ignored); audited; investigator."""
    ring_id = _ring_id(ring_id)
    cleaned = _clean_labels(labels)
    acting(by, "tag")
    if not cleaned:
        raise TaggingError("no label to remove")
    return _tag("remove_ring_labels", ring_id, "remove_labels", {"labels": cleaned}, by, settings)


# tag_ring's keyword `remove_labels` shadows the function inside it.
_remove_labels = remove_labels


def set_note(ring_id: str, note: str | None, by: Identity, settings: Settings | None = None) -> TagChange:
    """Replace the ring's note; an empty or None note clears it; audited; investigator."""
    ring_id = _ring_id(ring_id)
    text = _clean_note(note)
    acting(by, "tag")
    return _tag("set_ring_note", ring_id, "set_note", {"note": text}, by, settings)


def _members(query: str, action: str, target: str, ring_id: str, account_ids: Iterable[str], by: Identity,
             settings: Settings | None, extra: dict[str, Any] | None = None) -> MemberChange:
    ring_id = _ring_id(ring_id)
    ids = _clean_ids(account_ids)
    acting(by, "edit_members")
    if not ids:
        raise TaggingError("no account id given")
    # the accounts of a confirmed or escalated case are what the lead decided on: changing
    # them needs the right to move the ring out of that status (a field report: an
    # investigator emptied a confirmed case, and it was exported with no account)
    current = _tags_or_raise(ring_id, settings)["status"]
    _may_change_a(by, current, "changing the accounts of")
    rows = run_query(query, {"ring_id": ring_id, "account_ids": ids, "expected_status": current, **(extra or {}),
                             **by.audit()}, settings=settings, allow_write=True)
    if not rows:
        raise _status_moved_or_no_ring(ring_id, current, settings)
    state = {o["account_id"]: o["state"] for o in rows[0]["outcomes"]}
    changed, unchanged, unknown = [], [], []
    for account_id in ids:
        before = state.get(account_id, "unknown")
        if before == "unknown":
            unknown.append(account_id)
        elif before == target:
            unchanged.append(account_id)
        elif target == "removed" and before == "not_member":
            unchanged.append(account_id)  # never in this case: nothing to take out
        else:
            changed.append(account_id)
    return MemberChange(
        ring_id=ring_id,
        action=action,
        changed=tuple(changed),
        unchanged=tuple(unchanged),
        unknown=tuple(unknown),
        event_id=rows[0]["event_id"],
    )


def add_members(ring_id: str, account_ids: Iterable[str], by: Identity,
                settings: Settings | None = None, *, reason: str | None = None) -> MemberChange:
    """Put accounts into the ring's case (HAS_MEMBER added_by=by, or un-removed); one audit
    event; investigator.

    `reason` (why they belong in the case, at most MAX_LABEL_CHARS * 5 characters) is kept on
    the relationship and in the event: the export's actions.jsonl cites it for a hand-added
    account instead of the ring's detection signals. Unknown account ids come back in
    `.unknown` and change nothing.
    """
    why = _clean_reason(reason)
    return _members("add_ring_members", "add_members", "member", ring_id, account_ids, by, settings,
                    {"reason": why})


def remove_members(ring_id: str, account_ids: Iterable[str], by: Identity,
                   settings: Settings | None = None) -> MemberChange:
    """Take accounts out of the ring's case (HAS_MEMBER.removed=true, never deleted); one
    audit event; investigator.

    Unknown account ids come back in `.unknown`; accounts not in the case in `.unchanged`.
    """
    return _members("remove_ring_members", "remove_members", "removed", ring_id, account_ids, by, settings)


def check_request(ring_id: str, by: Identity, *, status: str | None = None, labels: Sequence[str] = (),
                  remove_labels: Sequence[str] = (), note: str | None = None, add_accounts: Sequence[str] = (),
                  remove_accounts: Sequence[str] = (), reason: str | None = None, comment: str | None = None,
                  assignee: str | None = None, settings: Settings | None = None) -> None:
    """Check every input and every right of a request made of several changes (`ringscope
    tag` with several options) before the first is written: TaggingError or
    PermissionDenied, one line, and nothing written. Each change checks again when it runs.
    Member changes are checked against the ring's status now (they run before a status
    change in the same request: the lead confirms the case with them in it)."""
    if status is not None:
        status = normalize_status(status)
    to_add, to_remove = _clean_labels(labels), _clean_labels(remove_labels)
    both = sorted(set(to_add) & set(to_remove))
    if both:
        raise TaggingError(f"label {both[0]!r} is both added and removed: pick one")
    if note is not None:
        _clean_note(note)
    _clean_reason(reason)
    if comment is not None:
        _clean_comment(comment)
    if assignee is not None:
        _clean_assignee(assignee)
    current = _tags_or_raise(_ring_id(ring_id), settings)["status"]
    if status is not None or to_add or to_remove or note is not None or assignee is not None:
        acting(by, "tag")
    if status is not None and status != current:
        acting(by, status_right(status))
        _may_change_a(by, current, "changing the status of")
    if add_accounts or remove_accounts:
        acting(by, "edit_members")
        _may_change_a(by, current, "changing the accounts of")
    if comment is not None:
        acting(by, "comment")


def tag_ring(
    ring_id: str,
    *,
    status: str | None = None,
    labels: Sequence[str] = (),
    remove_labels: Sequence[str] = (),
    note: str | None = None,
    by: Identity,
    settings: Settings | None = None,
) -> list[TagChange]:
    """Status, labels to add and remove, and note, saved as ONE transaction (the ring view's
    Tags form and `ringscope tag` with several options): all of it is written or none of it.

    Every input and every right is checked before anything is written; then one stored
    query (`save_ring_tags`) applies the parts and appends one audit event per part that
    changed, in the order status, add_labels, remove_labels, note. Returns one TagChange per
    part asked for (`changed=False` when it was already so). `note=""` clears the note;
    `note=None` leaves it alone. Raises TaggingError (bad input, unknown ring) or
    PermissionDenied; a database error rolls back every part.
    """
    ring_id = _ring_id(ring_id)
    status = normalize_status(status) if status is not None else None
    to_add = _clean_labels(labels)
    to_remove = _clean_labels(remove_labels)
    both = sorted(set(to_add) & set(to_remove))
    if both:
        raise TaggingError(f"label {both[0]!r} is both added and removed: pick one")
    note_text = _clean_note(note) if note is not None else None
    if status is None and not to_add and not to_remove and note is None:
        raise TaggingError("nothing to change: give --status, --label, --remove-label or --note")
    acting(by, "tag")
    current = _tags_or_raise(ring_id, settings)["status"]
    if status is not None and status != current:
        acting(by, status_right(status))
        _may_change_a(by, current, "changing the status of")
    expected = current if status is not None else None  # a status write needs the status its rights were checked on
    rows = run_query("save_ring_tags", {"ring_id": ring_id, "status": status, "add_labels": to_add,
                                        "remove_labels": to_remove, "note_given": note is not None,
                                        "note": note_text, "expected_status": expected, **by.audit()},
                     settings=settings, allow_write=True)
    if not rows:
        raise _status_moved_or_no_ring(ring_id, expected, settings)
    asked = {"set_status": status is not None, "add_labels": bool(to_add), "remove_labels": bool(to_remove),
             "set_note": note is not None}
    return [
        TagChange(ring_id=ring_id, action=part["action"], changed=part["event_id"] is not None,
                  before=part["before"], after=part["after"], event_id=part["event_id"])
        for part in rows[0]["parts"]
        if asked[part["action"]]
    ]


def comment(ring_id: str, text: str, by: Identity, settings: Settings | None = None) -> Comment:
    """Add a comment to the ring's thread; it is an audit event (`comment`), so it is in the
    ring's history and its export's evidence.json. Needs the `comment` right (investigator)."""
    ring_id = _ring_id(ring_id)
    body = _clean_comment(text)
    acting(by, "comment")
    rows = run_query("add_ring_comment", {"ring_id": ring_id, "text": body, **by.audit()}, settings=settings,
                     allow_write=True)
    if not rows:
        raise _no_ring(ring_id)
    row = rows[0]
    return Comment(event_id=row["event_id"], seq=row["seq"], at=_iso(row["at"]), by=by.label, text=body,
                   by_subject=by.subject)


def comments(ring_id: str, *, limit: int = 1000, settings: Settings | None = None) -> list[Comment]:
    """The ring's comment thread, oldest first ([] when none)."""
    rows = run_query("ring_comments", {"ring_id": _ring_id(ring_id), "limit": int(limit)}, settings=settings)
    out = []
    for row in rows:
        after = decode_json(row["after"])
        out.append(Comment(event_id=row["event_id"], seq=row["seq"], at=_iso(row["at"]), by=row["by"],
                           text=after.get("comment", "") if isinstance(after, dict) else str(after),
                           by_subject=row["by_subject"]))
    return out


def assign(ring_id: str, assignee: Identity | str | None, by: Identity,
           settings: Settings | None = None) -> TagChange:
    """Assign the ring to someone, or unassign it (`assignee=None` or ""); audited (`assign`).

    An Identity (someone taking the case, `assign(r, me, by=me)`) is recorded by its label and
    subject; text (a colleague's e-mail or name) as given, with no subject: it names, it does
    not prove. Needs the `tag` right (investigator).
    """
    ring_id = _ring_id(ring_id)
    if isinstance(assignee, Identity):
        name, subject = assignee.label, assignee.subject
    else:
        name, subject = _clean_assignee(assignee), None
    acting(by, "tag")
    return _tag("set_ring_assignee", ring_id, "assign", {"assignee": name, "assignee_subject": subject}, by,
                settings)


# --------------------------------------------------------------------------- reads


def _iso(value: Any) -> str:
    if value is None:
        return ""
    to_native = getattr(value, "to_native", None)
    native = to_native() if to_native else value
    iso = native.isoformat() if hasattr(native, "isoformat") else str(native)
    return iso.replace("+00:00", "Z")


def describe_value(value: Any, *, max_items: int = 6) -> str:
    """A before/after value as short text: `{"status": "new"}` -> `new`; long maps are cut."""
    if isinstance(value, dict) and len(value) == 1:
        (value,) = value.values()
    if isinstance(value, dict):
        items = [f"{k}={v}" for k, v in value.items()]
    elif isinstance(value, list):
        items = [str(v) for v in value]
    else:
        return "none" if value is None else str(value)
    shown = ", ".join(items[:max_items]) + (f" (+{len(items) - max_items} more)" if len(items) > max_items else "")
    return shown if isinstance(value, dict) else f"[{shown}]"


def history(ring_id: str, *, limit: int = 10_000, settings: Settings | None = None) -> list[AuditEntry]:
    """The ring's audit trail, newest first (`exported` events included)."""
    ring_id = _ring_id(ring_id)
    rows = run_query("ring_history", {"ring_id": ring_id, "limit": int(limit)}, settings=settings)
    if not rows:
        raise _no_ring(ring_id)
    return [
        AuditEntry(
            event_id=row["event_id"],
            seq=row["seq"],
            at=_iso(row["at"]),
            by=row["by"],
            action=row["action"],
            before=decode_json(row["before"]),
            after=decode_json(row["after"]),
            by_subject=row["by_subject"],
            by_email=row["by_email"],
        )
        for row in rows
        if row["event_id"] is not None
    ]


@dataclass(frozen=True)
class Removal:
    """A ring whose case an account was taken out of."""

    ring_id: str
    score: float | None
    status: str
    #: Who put the account in the case: DETECT, or the investigator who added it.
    added_by: str
    #: Who took it out and when (ISO-8601 UTC); None when no audit event records it.
    removed_by: str | None
    removed_at: str | None

    def describe(self) -> str:
        """`Detection put it in ring R1 (score 0.910); alice took it out on 2026-11-26T10:00:00Z.`"""
        who = "Detection" if self.added_by == DETECT else self.added_by
        score = f" (score {display.score(self.score)})" if isinstance(self.score, (int, float)) else ""
        out = (f"{self.removed_by} took it out" if self.removed_by else "an investigator took it out") + \
            (f" on {self.removed_at}" if self.removed_at else "")
        return display.neutral(f"{who} put it in ring {self.ring_id}{score}; {out}.")


def removals(account_id: str, settings: Settings | None = None) -> list[Removal]:
    """Rings whose case `account_id` was taken out of, by ring id; [] when none."""
    rows = run_query("account_removals", {"account_id": str(account_id)}, settings=settings)
    return [Removal(ring_id=r["ring_id"], score=r["score"], status=r["status"], added_by=r["added_by"],
                    removed_by=r["removed_by"], removed_at=_iso(r["removed_at"]) or None) for r in rows]


def _tags_or_raise(ring_id: str, settings: Settings | None) -> dict[str, Any]:
    rows = run_query("ring_tags", {"ring_id": ring_id}, settings=settings)
    if not rows:
        raise _no_ring(ring_id)
    return rows[0]


def ring_tags(ring_id: str, settings: Settings | None = None) -> RingTags:
    """Status, labels, note and case size of one ring."""
    row = _tags_or_raise(_ring_id(ring_id), settings)
    return RingTags(
        ring_id=row["ring_id"],
        status=row["status"],
        labels=tuple(row["labels"]),
        note=row["note"],
        members=row["members"],
        removed_members=row["removed_members"],
        added_members=row["added_members"],
        audit_events=row["audit_events"],
        assignee=row["assignee"],
        assigned_at=_iso(row["assigned_at"]) or None,
    )


__all__ = [
    "AuditEntry",
    "Comment",
    "assign",
    "check_request",
    "comment",
    "comments",
    "DETECT",
    "MemberChange",
    "PermissionDenied",
    "Removal",
    "RingTags",
    "STATUSES",
    "TagChange",
    "TaggingError",
    "add_labels",
    "add_members",
    "describe_value",
    "history",
    "normalize_status",
    "may_edit_members",
    "read_account_ids",
    "remove_labels",
    "remove_members",
    "removals",
    "acting",
    "ring_tags",
    "set_note",
    "set_status",
    "tag_ring",
]
