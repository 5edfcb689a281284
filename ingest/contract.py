"""The interchange contract (`docs/interchange.md`) as data: which files a
world may hold, which columns each must and may carry, and what type each is.

Everything the validator checks is derived from this table, so a change to the
contract is a change here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: How a column is checked and converted.
TEXT = "text"          # a string; a null spelling (NULL_SPELLINGS) means missing
IDENTIFIER = "identifier"  # an opaque key kept byte for byte; surrounding whitespace is a reject
EMAIL = "email"        # an e-mail address, stored in one canonical form (ingest/canonical.py)
TIMESTAMP = "timestamp"  # ISO-8601 (UTC when no offset) or a Parquet timestamp
IP = "ip"              # an IPv4 or IPv6 address
NETWORK = "network"    # an address or a CIDR
TOKENS = "tokens"      # a non-negative whole number up to MAX_TOKENS (empty means 0)


@dataclass(frozen=True)
class FileKind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    types: dict[str, str] = field(default_factory=dict)
    #: Rows of this kind point at an account, which must be known.
    links_account: bool = False
    #: Ground truth: discovered and reported, never loaded.
    never_loaded: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def type_of(self, column: str) -> str:
        return self.types.get(column, TEXT)


KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind(
            "ip_intel",
            required=("network",),
            optional=("asn", "as_org", "country", "kind"),
            types={"network": NETWORK},
        ),
        FileKind(
            "accounts",
            required=("account_id", "created_at"),
            optional=("email", "display_name", "country", "org_id", "tier"),
            types={"account_id": IDENTIFIER, "created_at": TIMESTAMP, "email": EMAIL, "org_id": IDENTIFIER},
        ),
        FileKind(
            "payment_instruments",
            required=("account_id", "instrument_id"),
            optional=("kind", "bin", "issuer_country", "first_seen", "last_seen"),
            types={"account_id": IDENTIFIER, "instrument_id": IDENTIFIER, "first_seen": TIMESTAMP, "last_seen": TIMESTAMP},
            links_account=True,
        ),
        FileKind(
            "logins",
            required=("account_id", "ts", "ip"),
            optional=("device_id", "user_agent"),
            types={"account_id": IDENTIFIER, "ts": TIMESTAMP, "ip": IP, "device_id": IDENTIFIER},
            links_account=True,
        ),
        FileKind(
            "exchanges",
            required=("account_id", "ts"),
            optional=("ip", "api_key_id", "model", "input_tokens", "output_tokens", "prompt_fingerprint"),
            types={"account_id": IDENTIFIER, "ts": TIMESTAMP, "ip": IP, "input_tokens": TOKENS, "output_tokens": TOKENS,
                   "prompt_fingerprint": IDENTIFIER},
            links_account=True,
        ),
        FileKind("labels", required=("account_id",), optional=("ring_id", "role"), never_loaded=True),
    )
}

#: Load order: intel first (IP nodes are enriched as they are created), accounts
#: before every file that links to them.
LOAD_ORDER = ("ip_intel", "accounts", "payment_instruments", "logins", "exchanges", "labels")

#: Account properties the exchange aggregates own; an extra accounts column by
#: one of these names is ignored rather than allowed to overwrite them.
ACCOUNT_AGGREGATES = (
    "exchanges", "input_tokens", "output_tokens", "active_days", "first_exchange",
    "last_exchange", "hour_profile", "daily_dates", "daily_counts", "email_domain", "email_mailbox",
    "account_id", "created_at",
)

#: Reject reasons (the `reason` column of a reject file starts with one of these).
MISSING = "missing required value"
BAD_TIMESTAMP = "unparsable timestamp"
BAD_IP = "unparsable IP"
BAD_NETWORK = "unparsable network"
BAD_TOKENS = "unparsable token count"
NEGATIVE_TOKENS = "negative token count"
UNKNOWN_ACCOUNT = "link to unknown account"
REJECTED_ACCOUNT = "link to an account whose own row was rejected"
MALFORMED = "malformed CSV row"
BAD_EMAIL = "unparsable e-mail"
PADDED_ID = "identifier with surrounding whitespace"
NOT_UTF8 = "not UTF-8"  # a Parquet binary column's bytes that are no text
NOT_SINGLE = "a list or record, not one value"  # a Parquet list, map or struct in a contract column

#: Cell texts that mean "no value" whatever the exporter (SQL NULL, MySQL/PostgreSQL
#: `\N`, Python `None`, pandas `nan`, spreadsheets `N/A`), compared without case and
#: surrounding whitespace; an empty or whitespace-only cell is missing too.
NULL_SPELLINGS = ("null", "\\n", "none", "nan", "n/a")

#: The largest token count one exchange may carry: 2^32 - 1. No model reads or writes
#: four billion tokens in one exchange, so a larger value is an export error; and with
#: this bound every total (2^31 such exchanges for one account before an int64 would
#: overflow) fits the 64-bit integers Neo4j stores, so no sum can fail the load. Below
#: 2^53 a float64 holds every whole number exactly, so `1e3` and `1000` read alike.
MAX_TOKENS = 2**32 - 1

#: The instants a timestamp may name (UTC): years 1 to 9999. The Python driver cannot read a
#: datetime outside them back (BrokenRecordError), so one such value in the graph breaks every
#: later read of its account; CSV's four-digit years already end there, and DuckDB's
#: `infinity` (a "no end" sentinel in typed Parquet) is outside too.
TIMESTAMP_RANGE = ("0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00")

#: The timestamps the contract accepts in text (CSV): ISO-8601 extended format, a date
#: alone (midnight) or date, `T` (or one space), hh:mm[:ss[.fraction]], then `Z`, a
#: numeric offset within +-14:00 (`+02:00`, `+0200`, `+02`) or nothing (= UTC).
#: Zone names and abbreviations (`EST`, `Europe/Paris`, `UTC`), two-digit years,
#: hour 24, offsets beyond 14 hours are refused rather than guessed at.
TIMESTAMP_PATTERN = (
    r"\s*[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?"
    r"(?:Z|[+-](?:(?:0[0-9]|1[0-3])(?::?[0-5][0-9])?|14(?::?00)?))?)?\s*"
)
