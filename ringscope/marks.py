"""Marks: an investigator's verdict on an account or identifier, known-bad or known-good,
with a reason (BloodHound's Owned / Tier Zero).

A mark is a `(:Mark {mark_id: "<kind>:<key>", kind, key, verdict, reason, at, by, ...})`
linked by `MARKS` to the entity (an e-mail address is not a node: its mark has no link, is keyed by the delivery
mailbox, and applies to the accounts whose `Account.email_mailbox` it is). One mark per entity; clearing
it sets `verdict` to null and keeps the node, so its history stays. Every change appends an
`(:AuditEvent)-[:ABOUT]->(:Mark)` in the same transaction, the trail tagging writes for
rings (`cypher/tagging/set_mark.cypher`).

The app's entity view and `ringscope mark` both call these functions; marking needs the
`mark_identifiers` right (investigator). Known-bad marks feed the recidivism alert
(`cypher/alert/recidivism.cypher`): an account outside a confirmed ring that shares a
known-bad identifier with it is reported; a known-good identifier is never evidence there.

    >>> set_mark("device", "dev-17", "known_bad", "VM image of the March ring", by=me)
    MarkChange(mark_id='device:dev-17', changed=True, ...)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import display
from .auth import Identity
from .catalog import run_query
from .config import Settings
from .domain import MARK_KINDS, MARK_VERDICTS, KINDS, KINDS_BY_LABEL, AuditEvent, decode_json, iso_utc, mark_id
from .errors import RingScopeError
from .tagging import acting

MAX_REASON_CHARS = 500

#: Other spellings people type for a kind (after lower-casing, dashes and spaces as underscores).
KIND_ALIASES: dict[str, str] = {
    "card": "instrument",
    "payment_instrument": "instrument",
    "paymentinstrument": "instrument",
    "ip_address": "ip",
    "prompt_template": "template",
    "prompttemplate": "template",
    "domain": "email_domain",
    "emaildomain": "email_domain",
    "e_mail": "email",
    "email_address": "email",
    "e_mail_address": "email",
}

#: Other spellings of a verdict.
VERDICT_ALIASES: dict[str, str] = {"bad": "known_bad", "good": "known_good", "known_bad": "known_bad",
                                   "known_good": "known_good"}


class MarkError(RingScopeError):
    """A mark request was refused: unknown kind, verdict or entity, or bad input."""


@dataclass(frozen=True)
class Mark:
    """A mark in force on an entity (or reaching it through one it uses)."""

    mark_id: str
    kind: str
    key: str
    verdict: str
    reason: str | None
    #: When and by whom it was last set (ISO-8601 UTC).
    at: str | None
    by: str | None
    #: 'itself', 'e-mail address', or the link through which it reaches the entity (USED_DEVICE, ...).
    via: str = "itself"
    #: How many accounts it reaches (list_marks only).
    accounts: int | None = None

    @property
    def title(self) -> str:
        return MARK_VERDICTS.get(self.verdict, self.verdict)

    def describe(self) -> str:
        """`Known bad: device dev-17 -- VM image of the March ring (alice, 2026-...Z)`, bidi-neutralised."""
        who = ", ".join(x for x in (self.by, self.at) if x)
        return display.neutral(f"{self.title.capitalize()}: {MARK_KINDS.get(self.kind, self.kind).lower()} "
                               f"{self.key}" + (f" -- {self.reason}" if self.reason else "") +
                               (f" ({who})" if who else ""))


@dataclass(frozen=True)
class MarkChange:
    """The outcome of set_mark / clear_mark."""

    mark_id: str
    changed: bool
    before: dict[str, Any]
    after: dict[str, Any]
    #: The AuditEvent written, or None when nothing changed.
    event_id: str | None


@dataclass(frozen=True)
class MarkEvent(AuditEvent):
    """One event of a mark's audit trail."""

    def describe(self) -> str:
        def text(v: Any) -> str:
            if not isinstance(v, dict) or not v.get("verdict"):
                return "no mark"
            return MARK_VERDICTS.get(v["verdict"], v["verdict"]) + (f" ({v['reason']})" if v.get("reason") else "")
        return display.neutral(f"{self.at} {self.by} {self.action}: {text(self.before)} -> {text(self.after)}")


def normalize_kind(kind: str) -> str:
    """`Device`, `device`, `PaymentInstrument`, `card` -> the MARK_KINDS name; else MarkError."""
    raw = str(kind or "").strip()
    if raw in KINDS_BY_LABEL and KINDS_BY_LABEL[raw].name in MARK_KINDS:
        return KINDS_BY_LABEL[raw].name
    key = raw.lower().replace("-", "_").replace(" ", "_")
    key = KIND_ALIASES.get(key, key)
    if key not in MARK_KINDS:
        raise MarkError(f"cannot mark a {raw!r}: mark one of {', '.join(MARK_KINDS)}")
    return key


def normalize_verdict(verdict: str) -> str:
    """`known-bad`, `bad`, `Known Good` -> known_bad / known_good; else MarkError."""
    key = str(verdict or "").strip().lower().replace("-", "_").replace(" ", "_")
    if key not in VERDICT_ALIASES:
        raise MarkError(f"unknown verdict {verdict!r}: use {' or '.join(MARK_VERDICTS)}")
    return VERDICT_ALIASES[key]


def _key(kind: str, key: str) -> str:
    text = str(key or "").strip()
    if not text:
        raise MarkError(f"no {MARK_KINDS[kind].lower()} given")
    if kind in ("email", "email_domain"):
        # As ingest keys them: an address by its delivery mailbox (Account.email_mailbox, so
        # `J.Doe+2@googlemail.com` is `jdoe@gmail.com`), a domain in its ASCII form.
        from .ingest.canonical import canonical_domain, canonical_email

        found = canonical_email(text).mailbox if kind == "email" and canonical_email(text) else \
            canonical_domain(text) if kind == "email_domain" else None
        if found is None:
            raise MarkError(f"{display.neutral(text)!r} is not an e-mail {'address' if kind == 'email' else 'domain'}")
        text = found
    if kind == "ip":
        # as ingest keys it: IPv6 compressed lower case, an IPv4-mapped address as its IPv4
        from .ingest.ipintel import normalise

        found = normalise(text)
        if found is None:
            raise MarkError(f"{display.neutral(text)!r} is not an IP address")
        text = found
    return text


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise MarkError("say why (a reason): it is kept with the mark and in its audit trail")
    if len(text) > MAX_REASON_CHARS:
        raise MarkError(f"the reason is longer than {MAX_REASON_CHARS} characters")
    return text


def _write(kind: str, key: str, verdict: str | None, reason: str, by: Identity,
           settings: Settings | None) -> MarkChange:
    rows = run_query("set_mark", {"kind": kind, "key": key, "verdict": verdict, "reason": reason, **by.audit()},
                     settings=settings, allow_write=True)
    if not rows:
        raise MarkError(f"no {MARK_KINDS[kind].lower()} {key!r} in the graph: search for it first")
    row = rows[0]
    return MarkChange(mark_id=row["mark_id"], changed=row["event_id"] is not None,
                      before={"verdict": row["before_verdict"], "reason": row["before_reason"]},
                      after={"verdict": row["verdict"], "reason": row["reason"]}, event_id=row["event_id"])


def set_mark(kind: str, key: str, verdict: str, reason: str, by: Identity,
             settings: Settings | None = None) -> MarkChange:
    """Mark an entity known_bad or known_good with a reason; audited; investigator.

    Re-marking with another verdict or reason replaces it (one event); the same verdict and
    reason again writes nothing. Raises MarkError (bad input, entity not in the graph) or
    PermissionDenied before anything is written.
    """
    kind = normalize_kind(kind)
    key = _key(kind, key)
    verdict = normalize_verdict(verdict)
    why = _reason(reason)
    acting(by, "mark_identifiers")
    return _write(kind, key, verdict, why, by, settings)


def clear_mark(kind: str, key: str, reason: str, by: Identity, settings: Settings | None = None) -> MarkChange:
    """Take an entity's mark away (verdict null; the node and its history stay); audited;
    investigator. Clearing what has no mark writes nothing."""
    kind = normalize_kind(kind)
    key = _key(kind, key)
    why = _reason(reason)
    acting(by, "mark_identifiers")
    current = [m for m in marks_on(kind, key, settings=settings) if m.via == "itself"]
    if not current:
        return MarkChange(mark_id=mark_id(kind, key), changed=False, before={"verdict": None, "reason": None},
                          after={"verdict": None, "reason": None}, event_id=None)
    return _write(kind, key, None, why, by, settings)


def _mark(row: dict[str, Any]) -> Mark:
    return Mark(mark_id=row["mark_id"], kind=row["kind"], key=row["key"], verdict=row["verdict"],
                reason=row["reason"], at=iso_utc(row["at"]), by=row["by"], via=row.get("via", "itself"),
                accounts=row.get("accounts"))


def marks_on(kind: str, key: str, *, settings: Settings | None = None) -> list[Mark]:
    """Marks in force on the entity itself, and for an account also on its e-mail address
    and on the identifiers it uses (`via` says which); its own mark first."""
    kind = normalize_kind(kind)
    rows = run_query("entity_marks", {"kind": kind, "key": _key(kind, key)}, settings=settings)
    return [_mark(r) for r in rows]


def in_graph(kind: str, key: str, *, settings: Settings | None = None) -> bool:
    """Whether the account or identifier is a node of the graph (an e-mail address is not a
    node: it always exists, as for set_mark)."""
    kind = normalize_kind(kind)
    if kind == "email":
        return True
    params = {"kind": KINDS[kind].label, "key": _key(kind, key), "max_rings": 0, "max_walk": 0}
    return bool(run_query("entity_lookup", params, settings=settings))


def mark_of(kind: str, key: str, *, settings: Settings | None = None) -> Mark | None:
    """The mark in force on the entity itself (one index lookup), None when it has none."""
    kind = normalize_kind(kind)
    rows = run_query("mark_of", {"mark_id": mark_id(kind, _key(kind, key))}, settings=settings)
    return _mark(rows[0]) if rows else None


def marks_by_id(mark_ids: list[str], *, settings: Settings | None = None) -> dict[str, Mark]:
    """The marks in force on many entities at once (one round trip, an index lookup each), by
    mark id (`device:dev-17`, domain.mark_id); entities without one are absent. For the graph
    on screen, whose nodes are all looked up on every change."""
    ids = sorted({str(m) for m in mark_ids})
    if not ids:
        return {}
    rows = run_query("marks_by_id", {"mark_ids": ids, "limit": len(ids)}, settings=settings)
    return {r["mark_id"]: _mark(r) for r in rows}


def list_marks(*, verdict: str | None = None, kind: str | None = None, limit: int = 1000,
               settings: Settings | None = None) -> list[Mark]:
    """Marks in force, newest first, optionally of one verdict or kind."""
    rows = run_query("list_marks", {"verdict": normalize_verdict(verdict) if verdict else None,
                                    "kind": normalize_kind(kind) if kind else None, "limit": int(limit)},
                     settings=settings)
    return [_mark(r) for r in rows]


def history(kind: str, key: str, *, settings: Settings | None = None) -> list[MarkEvent]:
    """The mark's audit trail, newest first; [] when the entity was never marked."""
    kind = normalize_kind(kind)
    rows = run_query("mark_history", {"kind": kind, "key": _key(kind, key)}, settings=settings)
    return [MarkEvent(event_id=r["event_id"], seq=r["seq"], at=iso_utc(r["at"]), by=r["by"], action=r["action"],
                      before=decode_json(r["before"]), after=decode_json(r["after"])) for r in rows]


def kind_of_label(label: str) -> str | None:
    """The mark kind of a node label (`Device` -> `device`), None when such nodes cannot be marked."""
    found = KINDS_BY_LABEL.get(label)
    return found.name if found is not None and found.name in MARK_KINDS else None


__all__ = ["KINDS", "MAX_REASON_CHARS", "Mark", "MarkChange", "MarkError", "MarkEvent", "clear_mark", "history",
           "kind_of_label", "list_marks", "mark_of", "marks_by_id", "marks_on", "normalize_kind", "normalize_verdict", "set_mark"]
