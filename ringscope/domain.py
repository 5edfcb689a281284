"""The domain, declared once: node kinds (label, key, display name and fields), the links
between them, detection's signal families, ring statuses, and how a driver value becomes
text. Everything else imports these names instead of spelling them again (Cartography's
`models/` is the example: a kind declared once cannot be spelt two ways).

The Cypher files cannot import Python; tests/test_domain.py checks that the schema's key
constraints and the export query's kind names agree with this module.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any


# --------------------------------------------------------------------------- node kinds


@dataclass(frozen=True)
class Kind:
    """One kind of node. `name` is the one spelling code, files and URLs use."""

    name: str
    #: The Neo4j label.
    label: str
    #: The property that identifies a node of this kind (a uniqueness constraint in
    #: cypher/schema/001_keys.cypher).
    key: str
    #: What an investigator reads.
    title: str
    #: Properties worth showing beside the key (tooltips, bundle details), in this order.
    display_fields: tuple[str, ...] = ()


ACCOUNT = Kind("account", "Account", "account_id", "Account",
               ("display_name", "email", "created_at", "country", "org_id", "tier", "exchanges",
                "first_exchange", "last_exchange"))
INSTRUMENT = Kind("instrument", "PaymentInstrument", "instrument_id", "Payment instrument", ("kind", "bin", "issuer_country"))
DEVICE = Kind("device", "Device", "device_id", "Device", ("user_agent",))
IP = Kind("ip", "IP", "address", "IP address", ("kind", "asn", "as_org", "country", "network"))
TEMPLATE = Kind("template", "PromptTemplate", "fingerprint", "Prompt template", ("accounts", "exchanges"))
EMAIL_DOMAIN = Kind("email_domain", "EmailDomain", "domain", "E-mail domain")
ORG = Kind("org", "Org", "org_id", "Org")
RING = Kind("ring", "Ring", "ring_id", "Ring", ("score", "size", "status"))

#: The kinds of the investigated graph, by name.
KINDS: dict[str, Kind] = {k.name: k for k in (ACCOUNT, INSTRUMENT, DEVICE, IP, TEMPLATE, EMAIL_DOMAIN, ORG, RING)}
#: The same kinds, by Neo4j label.
KINDS_BY_LABEL: dict[str, Kind] = {k.label: k for k in KINDS.values()}
#: Identifiers accounts can share and that a ring's bundle lists (identifiers.csv `kind`).
SHARED_IDENTIFIER_KINDS: tuple[str, ...] = (INSTRUMENT.name, DEVICE.name, IP.name, TEMPLATE.name)

#: Bookkeeping nodes (investigator records, ingest and schema state): label -> key.
RECORD_KEYS: dict[str, str] = {
    "AuditEvent": "event_id",
    #: one per detection run that wrote rings: when, and how many rings it found new,
    #: grown, weakened, no longer found and found again, linked by CHANGED to those rings
    "DetectionRun": "run_id",
    "Export": "export_id",
    "IngestedFile": "sha256",
    #: an investigator's verdict on an account or identifier (see MARK_KINDS), one per entity
    "Mark": "mark_id",
    #: an analyst's console query saved for the team (ringscope.saved_queries)
    "SavedQuery": "name",
    "SchemaMigration": "version",
}


def kind(name_or_label: str) -> Kind:
    """The Kind for a name (`instrument`) or a label (`PaymentInstrument`); ValueError otherwise."""
    found = KINDS.get(name_or_label) or KINDS_BY_LABEL.get(name_or_label)
    if found is None:
        raise ValueError(f"unknown kind {name_or_label!r}: one of {', '.join(KINDS)}")
    return found


# --------------------------------------------------------------------------- marks

#: What an investigator can mark known-bad or known-good (BloodHound's Owned / Tier Zero):
#: an account or an identifier, by kind name -> what it reads as. `email` is an e-mail
#: address, which is not a node: its mark is keyed by the delivery mailbox and applies to
#: every account whose Account.email_mailbox it is. The others are node kinds of KINDS.
MARK_KINDS: dict[str, str] = {
    "account": ACCOUNT.title,
    "instrument": INSTRUMENT.title,
    "device": DEVICE.title,
    "ip": IP.title,
    "template": TEMPLATE.title,
    "email_domain": EMAIL_DOMAIN.title,
    "email": "E-mail address",
}

#: A mark's verdict -> what an investigator reads. A cleared mark keeps its node (and its
#: history) with verdict null.
MARK_VERDICTS: dict[str, str] = {"known_bad": "known bad", "known_good": "known good"}


def mark_id(kind_name: str, key: str) -> str:
    """The key of the (:Mark) of one entity: `device:d-17`, `email:bob@example.com`."""
    return f"{kind_name}:{key}"


# --------------------------------------------------------------------------- links

#: Relationship type -> what it reads as. Identity links run account -> identifier.
LINK_TITLES: dict[str, str] = {
    "PAID_WITH": "paid with",
    "USED_DEVICE": "used device",
    "USED_IP": "used IP",
    "SENT_TEMPLATE": "sent template",
    "HAS_EMAIL_DOMAIN": "e-mail domain",
    "IN_ORG": "in org",
    "HAS_MEMBER": "member",
}

#: What an account's identifiers over each identity link are called when counted ("2 devices").
LINK_NOUNS: dict[str, tuple[str, str]] = {
    "PAID_WITH": ("payment instrument", "payment instruments"),
    "USED_DEVICE": ("device", "devices"),
    "USED_IP": ("IP", "IPs"),
    "SENT_TEMPLATE": ("template", "templates"),
    "HAS_EMAIL_DOMAIN": ("e-mail domain", "e-mail domains"),
    "IN_ORG": ("org", "orgs"),
}


def count_of(link: str, n: int) -> str:
    """`count_of("USED_IP", 118)` -> "118 IPs"."""
    one, many = LINK_NOUNS.get(link, (link, link))
    return f"{n:,} {one if n == 1 else many}"

# --------------------------------------------------------------------------- detection

#: Signal families, in detection's order: the identifier kind or account trait that two
#: accounts of one family have in common (`email`: one e-mail pattern; `burst`: sign-ups
#: close together), with the stored query behind each.
FAMILIES: tuple[str, ...] = ("instrument", "device", "ip", "email", "burst", "template")
FAMILY_QUERIES: dict[str, str] = {
    "instrument": "instrument_fanout",
    "device": "device_fanout",
    "ip": "ip_cooccurrence",
    "email": "email_pattern_clusters",
    "burst": "signup_bursts",
    "template": "template_co_usage",
}

#: What an investigator reads for each name in Ring.signals (the stored query behind a
#: signal, detection/registry.py); the code name stays in a tooltip.
SIGNAL_TITLES: dict[str, str] = {
    "instrument_fanout": "Shared payment instrument",
    "device_fanout": "Shared device",
    "ip_cooccurrence": "Same IP address at the same time",
    "email_pattern_clusters": "E-mail addresses from one pattern",
    "signup_bursts": "Sign-up burst",
    "template_co_usage": "Shared prompt templates",
    "dense_blocks": "Dense block of rare templates and addresses",
    "private_template_sets": "Parts of one private template set",
    "declared_orgs": "Same declared org",
    "automation_signature": "Script-like usage",
}


def signal_title(name: str) -> str:
    """`ip_cooccurrence` (or its family, `ip`) -> "Same IP address at the same time"; an
    unknown name as it is."""
    return SIGNAL_TITLES.get(name) or SIGNAL_TITLES.get(FAMILY_QUERIES.get(name, ""), name)

# --------------------------------------------------------------------------- ring statuses


@dataclass(frozen=True)
class Status:
    """A ring's investigation status."""

    name: str
    #: What an investigator reads.
    title: str
    #: The enforcement action an export proposes for each account of a ring with this status.
    action: str


#: In the order an investigation usually moves through them.
RING_STATUSES: tuple[Status, ...] = (
    Status("new", "new", "review_account"),
    Status("investigating", "investigating", "review_account"),
    Status("confirmed", "confirmed operator", "suspend_account"),
    Status("false_positive", "false positive", "no_action"),
    Status("escalated", "escalated", "escalate_account"),
)
STATUSES: tuple[str, ...] = tuple(s.name for s in RING_STATUSES)
STATUS_TITLES: dict[str, str] = {s.name: s.title for s in RING_STATUSES}
ACTION_BY_STATUS: dict[str, str] = {s.name: s.action for s in RING_STATUSES}


# --------------------------------------------------------------------------- driver values

_ISO_DATETIME = re.compile(
    r"^(?P<seconds>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})(?:\[[^\]]+\])?$"
)


def iso_utc(value: Any) -> str | None:
    """A date-time as the one text RingScope writes: ISO-8601 in UTC, fixed width,
    `2025-03-01T10:00:00.000000Z` (microseconds: Python's precision; nanoseconds of a
    Neo4j DateTime are cut, not rounded). Fixed width so that the text sorts as the
    instants do.

    Accepts a neo4j.time.DateTime / datetime (an offset or zone is converted to UTC; a
    naive one is taken to be UTC already), or ISO text with an offset (re-formatted).
    A date or a time of day keeps its ISO form (`2025-03-01`); None stays None; any other
    value raises TypeError.
    """
    if value is None:
        return None
    if isinstance(value, str):
        parsed = _parse_iso_datetime(value)
        if parsed is None:
            raise TypeError(f"not an ISO-8601 date-time with an offset: {value!r}")
        value = parsed
    to_native = getattr(value, "to_native", None)
    native = to_native() if to_native else value
    if isinstance(native, datetime):
        if native.tzinfo is not None:
            native = native.astimezone(timezone.utc)
        return native.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    if isinstance(native, (date, time)):
        return native.isoformat()
    raise TypeError(f"not a date or time: {type(value).__name__}")


def _parse_iso_datetime(text: str) -> datetime | None:
    m = _ISO_DATETIME.match(text)
    if not m:
        return None
    fraction = (m["fraction"] or "")[:6].ljust(6, "0")  # Python keeps microseconds
    offset = "+00:00" if m["offset"] == "Z" else m["offset"]
    try:
        return datetime.fromisoformat(f"{m['seconds']}.{fraction}{offset}")
    except ValueError:
        return None


def is_datetime_text(text: Any) -> bool:
    """True for ISO-8601 date-time text with an offset (what `iso_utc` re-formats)."""
    return isinstance(text, str) and _parse_iso_datetime(text) is not None


@dataclass(frozen=True)
class AuditEvent:
    """One `(:AuditEvent)` of an alert's or a mark's trail: `at` ISO-8601 UTC, `seq` its
    position in the trail, `before` / `after` the changed values decoded (`decode_json`)."""

    event_id: str
    seq: int
    at: str
    by: str
    action: str
    before: Any
    after: Any


def decode_json(text: Any) -> Any:
    """JSON text stored on a node (evidence, an audit event's before/after) as Python; text
    that is not JSON is returned unchanged (evidence is never silently dropped), and a
    value that is not text is returned as it is."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
