"""Alerts: what changed since the last run that an investigator should look at.

Each rule is a read-only stored query in `cypher/alert/` (run it in Neo4j Browser to
see what it would raise); `run_rules` runs them in a fixed order and stores every row
as an `(:Alert)` linked by `CONCERNS` to its ring and accounts:

| kind | raised when | severity |
|---|---|---|
| `new_ring` | detection finds a ring no alert reported yet | medium (high if already confirmed/escalated) |
| `recidivism` | accounts outside a confirmed, escalated or exported ring share its card, device or prompt-template set, or an identifier investigators marked known-bad (ringscope.marks) | high |
| `actioned_active` | an account of an exported (enforced) ring is active again | high |
| `ring_grew` | a reported ring's case gained accounts detection added | medium, high if confirmed/escalated/exported |
| `ring_weakened` | detection no longer finds a flagged ring (kept as stale, never deleted), or finds it with fewer of its accounts, a signal less or a lower score | medium, high if confirmed/escalated/exported |

An alert's id is a hash of its kind, ring and sorted accounts, and every rule leaves
out the accounts alerts about the ring already mention (ring_weakened: it reports each
weakening once, its time part of the id), so re-running on unchanged data raises nothing. Recidivism runs before ring_grew: a returning operator's fresh
account that detection has folded into the confirmed ring is reported once, as
recidivism.

Status changes (`open` -> `acknowledged` / `dismissed`, or back to `open`) go through
`set_status`, one stored write that updates the alert and appends an
`(:AuditEvent)-[:ABOUT]->(:Alert)` in the same transaction, the audit trail
`ringscope.tagging` writes for rings. The CLI (`ringscope alerts ack`) and the app's
alert inbox both call it.

    >>> run = run_rules(settings)
    >>> [a.kind for a in run.raised]
    ['new_ring']
    >>> acknowledge(run.raised[0].alert_id, by=cli_identity("alice")).changed
    True
"""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .catalog import run_query
from .config import Settings, load_settings
from .domain import AuditEvent, decode_json
from .errors import RingScopeError

if TYPE_CHECKING:
    from .auth import Identity

#: Alert kinds, in the order their rules run (see the module docstring for why).
KINDS: tuple[str, ...] = ("new_ring", "recidivism", "actioned_active", "ring_grew", "ring_weakened")

#: kind -> the stored rule query that finds it.
RULES: dict[str, str] = {kind: f"alert_{kind}" for kind in KINDS}

STATUSES: tuple[str, ...] = ("open", "acknowledged", "dismissed")
SEVERITIES: tuple[str, ...] = ("high", "medium")

STATUS_ALIASES = {"ack": "acknowledged", "acknowledge": "acknowledged", "dismiss": "dismissed",
                  "reopen": "open", "reopened": "open"}

#: Outputs an alert can be sent to; `Alert.notified` lists the ones that received it.
SINKS: tuple[str, ...] = ("jsonl", "webhook")

MAX_NOTE_CHARS = 2000


class AlertError(RingScopeError):
    """An alert request was refused: unknown alert or status, missing investigator, an output failed."""


@dataclass(frozen=True)
class Alert:
    alert_id: str
    kind: str
    severity: str
    status: str
    ring_id: str
    account_ids: tuple[str, ...]
    reason: str
    #: ISO-8601 UTC ("2026-03-04T06:00:00Z"); "" when unknown.
    created_at: str
    status_by: str | None = None
    status_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: what the JSONL file, the webhook and `--format jsonl` carry."""
        out = asdict(self)
        out["account_ids"] = list(self.account_ids)
        return out


@dataclass(frozen=True)
class AlertChange:
    alert_id: str
    changed: bool
    before: str
    after: str
    #: The AuditEvent written, or None when nothing changed.
    event_id: str | None


@dataclass
class RulesRun:
    """What one pass of the rules did."""

    run_id: str
    #: Alerts this run created, in rule order.
    raised: list[Alert] = field(default_factory=list)
    #: Accounts put under watch because their ring was just actioned (exported).
    watched: int = 0

    def by_kind(self) -> dict[str, int]:
        counts = {k: 0 for k in KINDS}
        for alert in self.raised:
            counts[alert.kind] = counts.get(alert.kind, 0) + 1
        return counts


# --------------------------------------------------------------------------- helpers


def alert_id(kind: str, ring_id: str, account_ids: Iterable[str], episode: str | None = None) -> str:
    """Stable id of a finding: `AL-` + 20 hex digits of sha256(kind, ring, sorted accounts).

    The unit separator (0x1f) keeps ("a", "bc") and ("ab", "c") apart. `episode` (when a
    rule returns one: ring_weakened's weakening time) makes the same ring weakening
    again, later, with the same accounts a new finding.
    """
    parts = [kind, ring_id or "", *sorted(set(account_ids))]
    if episode:
        parts = ["episode", episode, *parts]
    return "AL-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def iso(value: Any) -> str:
    """A driver date-time (or None) as ISO-8601 UTC text ending in Z."""
    if value is None:
        return ""
    to_native = getattr(value, "to_native", None)
    native = to_native() if to_native else value
    if isinstance(native, datetime) and native.tzinfo is not None:
        native = native.astimezone(timezone.utc)
    text = native.isoformat() if hasattr(native, "isoformat") else str(native)
    return text.replace("+00:00", "Z")


def terminal_safe(text: Any) -> str:
    """Ids and reasons carry attacker-chosen account ids: one line, no control or bidi
    characters (those are not printable), so a terminal shows what is stored."""
    return "".join(ch if ch.isprintable() else "?" for ch in str("" if text is None else text))


def normalize_status(status: str) -> str:
    key = str(status or "").strip().lower().replace("-", "_").replace(" ", "_")
    key = STATUS_ALIASES.get(key, key)
    if key not in STATUSES:
        raise AlertError(f"unknown alert status {status!r}: use one of {', '.join(STATUSES)}")
    return key


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(
        alert_id=row["alert_id"],
        kind=row["kind"],
        severity=row.get("severity") or "medium",
        status=row.get("status") or "open",
        ring_id=row.get("ring_id") or "",
        account_ids=tuple(row.get("account_ids") or ()),
        reason=row.get("reason") or "",
        created_at=iso(row.get("created_at")),
        status_by=row.get("status_by"),
        status_at=iso(row.get("status_at")) or None,
    )


_schema_done: set[tuple] = set()


def ensure_schema(settings: Settings | None = None) -> None:
    """Apply `alert_schema` (constraint and indexes) once per process and server."""
    settings = settings or load_settings()
    key = (settings.uri, settings.database)
    if key in _schema_done:
        return
    run_query("alert_schema", {}, settings=settings, allow_write=True)
    _schema_done.add(key)


# --------------------------------------------------------------------------- rules


def watch_actioned(settings: Settings | None = None) -> int:
    """Record the activity of accounts of rings just exported while confirmed/escalated.

    Run before new data is ingested (the cycle does), so the baseline is what the
    investigator acted on. Returns the number of accounts newly put under watch.
    """
    settings = settings or load_settings()
    ensure_schema(settings)
    rows = run_query("alert_watch_actioned", {}, settings=settings, allow_write=True)
    return int(rows[0]["created"] or 0) if rows else 0


def run_rules(settings: Settings | None = None, *, run_id: str | None = None,
              now: datetime | None = None) -> RulesRun:
    """Run every rule in `KINDS` order and store what each finds; returns the new alerts.

    Each rule's alerts are written before the next rule runs, because later rules
    leave out accounts earlier alerts about the same ring mention.
    """
    settings = settings or load_settings()
    ensure_schema(settings)
    run = RulesRun(run_id=run_id or uuid.uuid4().hex)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    for kind in KINDS:
        rows = [r for r in run_query(RULES[kind], {}, settings=settings) if r.get("account_ids")]
        if not rows:
            continue
        found = [
            {
                "alert_id": alert_id(r["kind"], r["ring_id"], r["account_ids"], r.get("episode")),
                "kind": r["kind"],
                "severity": r["severity"],
                "ring_id": r["ring_id"],
                "account_ids": sorted(set(r["account_ids"])),
                "reason": r["reason"],
            }
            for r in rows
        ]
        written = run_query("write_alerts", {"alerts": found, "now": stamp, "run_id": run.run_id},
                            settings=settings, allow_write=True)
        created = {w["alert_id"] for w in written if w["created"]}
        for row in found:
            if row["alert_id"] in created:
                run.raised.append(_alert({**row, "status": "open", "created_at": stamp}))
    return run


# --------------------------------------------------------------------------- reads


def list_alerts(*, status: str | None = None, kind: str | None = None, severity: str | None = None,
                ring_id: str | None = None, limit: int = 500, settings: Settings | None = None) -> list[Alert]:
    """Stored alerts, newest first; None or "" for a filter means any."""
    status = normalize_status(status) if status else ""
    if kind and kind not in KINDS:
        raise AlertError(f"unknown alert kind {kind!r}: use one of {', '.join(KINDS)}")
    if severity and severity not in SEVERITIES:
        raise AlertError(f"unknown severity {severity!r}: use one of {', '.join(SEVERITIES)}")
    rows = run_query("list_alerts", {"status": status, "kind": kind or "", "severity": severity or "",
                                     "ring_id": ring_id or "", "limit": int(limit)}, settings=settings)
    return [_alert(r) for r in rows]


def get_alert(alert_id: str, settings: Settings | None = None) -> Alert:
    """One alert by id; an unknown id is an AlertError."""
    rows = run_query("list_alerts", {"alert_id": str(alert_id or ""), "limit": 1}, settings=settings)
    if not rows or not alert_id:
        raise _no_alert(alert_id)
    return _alert(rows[0])


@dataclass(frozen=True)
class AlertEvent(AuditEvent):
    """One event of an alert's audit trail."""


def history(alert_id: str, *, settings: Settings | None = None) -> list[AlertEvent]:
    """The alert's audit trail, newest first."""
    rows = run_query("alert_history", {"alert_id": alert_id}, settings=settings)
    if not rows:
        raise _no_alert(alert_id)
    return [AlertEvent(r["event_id"], r["seq"], iso(r["at"]), r["by"], r["action"],
                       decode_json(r["before"]), decode_json(r["after"]))
            for r in rows if r["event_id"] is not None]


def describe(event: AlertEvent) -> str:
    """One line for an audit event of an alert, as text (the caller escapes it for where it
    shows it): "open -> acknowledged (note)", "set aside by webhook: HTTP 400", "sent again
    to webhook (was webhook: HTTP 400)"."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    if event.action == "set_aside":
        return f"set aside by {after.get('output')}: {after.get('why')}"
    if event.action == "retry_refused":
        return f"sent again to {after.get('output')}" + (f" (was {before['refused_why']})" if before.get("refused_why") else "")
    note = after.get("note")
    return f"{before.get('status')} -> {after.get('status')}" + (f" ({note})" if note else "")


def _no_alert(alert_id: str) -> AlertError:
    return AlertError(f"no alert with id {terminal_safe(alert_id)!r}: `ringscope alerts` lists them")


# --------------------------------------------------------------------------- status


def set_status(alert_id: str, status: str, by: "Identity", note: str | None = None,
               settings: Settings | None = None) -> AlertChange:
    """Set an alert's status (open, acknowledged, dismissed; `ack`, `dismiss`, `reopen`
    accepted), recording who and when on the alert and in its audit trail.

    `by` is the acting `ringscope.auth.Identity` (the CLI builds it from --by and the OS
    user, the app from sign-in); its role must hold the `tag` right (investigator), else
    PermissionDenied before anything is written. Setting the status the alert already has
    changes nothing and writes no event.
    """
    from .tagging import TaggingError, acting

    alert_id = str(alert_id or "").strip()
    if not alert_id:
        raise AlertError("no alert id given: `ringscope alerts` lists them")
    status = normalize_status(status)
    try:
        who = acting(by, "tag")
    except TaggingError as exc:
        raise AlertError(str(exc)) from None
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise AlertError(f"the note is longer than {MAX_NOTE_CHARS} characters")
    rows = run_query("set_alert_status", {"alert_id": alert_id, "status": status, "note": note, **who.audit()},
                     settings=settings, allow_write=True)
    if not rows:
        raise _no_alert(alert_id)
    row = rows[0]
    return AlertChange(alert_id, row["event_id"] is not None, row["before"], row["after"], row["event_id"])


def acknowledge(alert_id: str, by: "Identity", note: str | None = None,
                settings: Settings | None = None) -> AlertChange:
    """Mark an alert seen and being handled."""
    return set_status(alert_id, "acknowledged", by, note, settings)


def dismiss(alert_id: str, by: "Identity", note: str | None = None,
            settings: Settings | None = None) -> AlertChange:
    """Mark an alert not worth action (a false alarm, a known case)."""
    return set_status(alert_id, "dismissed", by, note, settings)


def reopen(alert_id: str, by: "Identity", note: str | None = None,
           settings: Settings | None = None) -> AlertChange:
    return set_status(alert_id, "open", by, note, settings)


# --------------------------------------------------------------------------- outputs


def jsonl_line(alert: Alert) -> str:
    """One alert as one JSON line (sorted keys, no trailing newline), ASCII only: every
    other character as a `\\uXXXX` escape, which every JSON parser decodes back to the same
    text. Raw, a U+2028 from an account id ends the line for a Unicode-aware reader, and a
    bidi control reorders what a person tailing the file sees."""
    return json.dumps(alert.as_dict(), sort_keys=True, ensure_ascii=True)


def pending(sink: str, settings: Settings | None = None, limit: int | None = None) -> list[Alert]:
    """Open alerts `sink` has not received yet (and did not refuse), oldest first; all of
    them unless `limit` is given."""
    if sink not in SINKS:
        raise AlertError(f"unknown output {sink!r}: one of {', '.join(SINKS)}")
    limit = 2**62 if limit is None else int(limit)
    return [_alert(r) for r in run_query("alerts_to_notify", {"sink": sink, "limit": limit}, settings=settings)]


def mark_notified(sink: str, alert_ids: Iterable[str], settings: Settings | None = None) -> int:
    ids = list(alert_ids)
    if not ids:
        return 0
    rows = run_query("mark_notified", {"alert_ids": ids, "sink": sink}, settings=settings, allow_write=True)
    return int(rows[0]["marked"]) if rows else 0


#: Alerts appended to the JSONL file per write (each page fsync'ed, then marked).
JSONL_PAGE = 1000


def _append_lines(path: Path, lines: list[str], sent: int = 0) -> None:
    """Append `lines` to `path` as one write, fsync'ed. A failed write (disk full, `ulimit -f`)
    is cut back, so the file ends where it did (no half line for the next append to glue an
    alert to); a file that does not end with a new line (cut by a crash) gets one first."""
    before = f" ({sent} alert(s) appended before)" if sent else ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b", buffering=0)  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise AlertError(f"cannot append alerts to {path}: {exc.strerror or exc}; "
                         f"check the path and its permissions{before}") from None
    with handle:
        fd = handle.fileno()
        start = os.fstat(fd).st_size
        lead = b"\n" if start and os.pread(fd, 1, start - 1) != b"\n" else b""
        data = memoryview(lead + "".join(line + "\n" for line in lines).encode("utf-8"))
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, start)
                os.fsync(fd)
                kept = "the file was left as it was"
            except OSError:
                kept = f"the file could not be cut back to its {start:,} bytes (its last line may be partial)"
            raise AlertError(f"cannot append alerts to {path}: {exc.strerror or exc}; {kept} and the alerts stay pending: "
                             f"check free space, file size limits and permissions{before}") from None


def append_jsonl(path: str | Path, settings: Settings | None = None, page: int = JSONL_PAGE) -> int:
    """Append every open alert this file has not received to `path` (one JSON object a
    line, for a SIEM to tail), `page` at a time until none is left; returns how many. Each
    page is written and fsync'ed before its alerts are marked, so a crash repeats lines
    rather than losing them (at-least-once)."""
    path = Path(path).expanduser()
    sent = 0
    while True:
        alerts = pending("jsonl", settings, limit=page)
        if not alerts:
            return sent
        _append_lines(path, [jsonl_line(alert) for alert in alerts], sent)
        if not mark_notified("jsonl", [a.alert_id for a in alerts], settings):
            return sent + len(alerts)  # nothing left to mark: another run took them (never loop)
        sent += len(alerts)
        if len(alerts) < page:
            return sent


def post_webhook(url: str, settings: Settings | None = None, **options) -> int:
    """POST every open alert the webhook has not received (see `ringscope.webhook`);
    returns how many were accepted. Each batch the receiver accepts is marked at once, so
    a later failure leaves only the rest pending. Raises WebhookError (one line, the URL's
    origin only) when any alert was not delivered."""
    from .webhook import WebhookError, post_alerts

    alerts = pending("webhook", settings)
    if not alerts:
        return 0
    delivery = post_alerts(url, [a.as_dict() for a in alerts],
                           on_accepted=lambda batch: mark_notified("webhook", [a["alert_id"] for a in batch], settings),
                           **options)
    if delivery.refused:
        set_aside("webhook", [(a["alert_id"], f"HTTP {status}") for a, status in delivery.refused], settings)
    if not delivery.complete:
        raise WebhookError(delivery.message())
    return delivery.accepted


def set_aside(sink: str, refusals: Iterable[tuple[str, str]], settings: Settings | None = None) -> int:
    """Record that `sink` refused these alerts on their own ((alert_id, why) pairs): they are
    not sent to it again until `retry_refused` (README, Alerts, Outputs)."""
    rows = [{"alert_id": alert_id, "why": why} for alert_id, why in refusals]
    if not rows:
        return 0
    found = run_query("mark_refused", {"refusals": rows, "sink": sink}, settings=settings, allow_write=True)
    return int(found[0]["marked"]) if found else 0


@dataclass(frozen=True)
class RefusedAlert:
    alert: Alert
    #: outputs that refused it
    refused: tuple[str, ...]
    refused_at: str
    #: "webhook: HTTP 400"
    why: str


def refused_alerts(settings: Settings | None = None, limit: int = 500) -> list[RefusedAlert]:
    """Alerts an output refused and set aside, newest refusal first."""
    rows = run_query("alerts_refused", {"limit": int(limit)}, settings=settings)
    return [RefusedAlert(_alert(r), tuple(r["refused"] or ()), iso(r["refused_at"]), r["refused_why"] or "") for r in rows]


def retry_refused(alert_ids: Iterable[str] = (), *, by: "Identity", everything: bool = False,
                  sink: str = "webhook", settings: Settings | None = None) -> list[str]:
    """Put refused alerts back in `sink`'s queue (all of them with `everything`): the next
    run (`ringscope cycle`, `ringscope alerts run`) sends them again. Returns their ids.

    `by` (a `ringscope.auth.Identity`) must hold the `tag` right, as for a status change;
    each alert put back gets a `retry_refused` event naming them in its audit trail."""
    from .tagging import TaggingError, acting

    if sink not in SINKS:
        raise AlertError(f"unknown output {sink!r}: one of {', '.join(SINKS)}")
    ids = [str(i).strip() for i in alert_ids if str(i).strip()]
    if not ids and not everything:
        raise AlertError("no alert id given: pass ALERT_ID... or --all (`ringscope alerts refused` lists them)")
    try:
        who = acting(by, "tag")
    except TaggingError as exc:
        raise AlertError(str(exc)) from None
    rows = run_query("retry_refused", {"alert_ids": ids, "all": bool(everything), "sink": sink, **who.audit()},
                     settings=settings, allow_write=True)
    done = list(rows[0]["alert_ids"]) if rows else []
    missing = [i for i in ids if i not in done]
    if missing and not everything:
        raise AlertError(f"{len(missing)} of the alert(s) given were not set aside by the {sink} "
                         f"({terminal_safe(', '.join(missing[:3]))[:200]}): `ringscope alerts refused` lists those that are"
                         + (f"; {len(done)} put back" if done else ""))
    return done


def webhook_deadline(settings: Settings | None = None) -> float:
    """RINGSCOPE_ALERT_WEBHOOK_DEADLINE: seconds the whole webhook delivery may take (300)."""
    from .webhook import DEFAULT_DEADLINE, WebhookError

    raw = ((settings or load_settings()).extra.get("RINGSCOPE_ALERT_WEBHOOK_DEADLINE") or "").strip()
    if not raw:
        return DEFAULT_DEADLINE
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 86400:
        raise WebhookError(f"RINGSCOPE_ALERT_WEBHOOK_DEADLINE must be a number of seconds between 0 and 86400, "
                           f"not {terminal_safe(raw)[:40]!r}: fix it in .env")
    return seconds


def configured_outputs(settings: Settings | None = None) -> dict[str, str]:
    """The outputs `.env` turns on: RINGSCOPE_ALERT_JSONL (a file path) and
    RINGSCOPE_ALERT_WEBHOOK_URL (kept out of every message: it may hold a token)."""
    extra = (settings or load_settings()).extra
    out = {}
    if (extra.get("RINGSCOPE_ALERT_JSONL") or "").strip():
        out["jsonl"] = extra["RINGSCOPE_ALERT_JSONL"].strip()
    if (extra.get("RINGSCOPE_ALERT_WEBHOOK_URL") or "").strip():
        out["webhook"] = extra["RINGSCOPE_ALERT_WEBHOOK_URL"].strip()
    return out


__all__ = [
    "Alert", "AlertChange", "AlertError", "AlertEvent", "KINDS", "RULES", "RulesRun", "SEVERITIES", "SINKS",
    "STATUSES", "acknowledge", "alert_id", "append_jsonl", "configured_outputs", "describe", "dismiss", "ensure_schema",
    "get_alert", "history", "jsonl_line", "list_alerts", "mark_notified", "normalize_status", "pending",
    "notify", "post_webhook", "RefusedAlert", "refused_alerts", "reopen", "retry_refused", "run_rules", "set_aside",
    "set_status", "terminal_safe", "watch_actioned", "webhook_deadline",
]


def notify(settings: Settings | None = None, *, jsonl: str | Path | None = None,
           webhook_url: str | None = None) -> dict[str, int | str]:
    """Send pending open alerts to the outputs given (or configured in `.env` when None).

    Returns, per output used, how many alerts it received (int), or the one-line error it
    failed with (str; the alerts stay pending for the next run). An output given as "" is off.
    """
    settings = settings or load_settings()
    configured = configured_outputs(settings)
    jsonl = configured.get("jsonl") if jsonl is None else jsonl
    webhook_url = configured.get("webhook") if webhook_url is None else webhook_url
    report: dict[str, int | str] = {}
    if jsonl:
        try:
            report["jsonl"] = append_jsonl(jsonl, settings)
        except AlertError as exc:
            report["jsonl"] = str(exc)
    if webhook_url:
        from .webhook import WebhookError

        secret = (settings.extra.get("RINGSCOPE_ALERT_WEBHOOK_SECRET") or "").strip() or None
        try:
            report["webhook"] = post_webhook(webhook_url, settings, secret=secret, deadline=webhook_deadline(settings))
        except WebhookError as exc:
            report["webhook"] = str(exc)
    return report
