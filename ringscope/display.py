"""Text from the data made safe to read: the one place bidirectional-text controls are
neutralised before anything is displayed (the app, the export's graph.html, CLI lines).

Account names, e-mails, labels and notes come from operators and investigators, and an
explicit direction control (U+202A-U+202E embeddings and overrides, U+2066-U+2069
isolates; Unicode Standard Annex #9, "Explicit Directional Formatting Characters"; and
the implicit marks U+200E, U+200F, U+061C, which move neutral characters) reverses
or reorders the rest of the line it sits in: `invoice‮fdp.exe` reads as `invoiceexe.pdf`.
Such a character is replaced by its visible code point, `⟨U+202E⟩`, so an investigator sees
that it is there and what it is; the stored value is never changed.

    >>> neutral("abc\\u202edef")
    'abc⟨U+202E⟩def'
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from .domain import _parse_iso_datetime

#: The explicit directional formatting characters (UAX #9): LRE, RLE, PDF, LRO, RLO,
#: LRI, RLI, FSI, PDI; and the implicit marks LRM, RLM and ALM (U+200E, U+200F, U+061C),
#: weaker but still able to move the neutral characters next to them (a field report
#: found them shown as they were).
BIDI_CONTROLS = frozenset(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])

_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")


def mark(char: str) -> str:
    """The visible stand-in for one character: `⟨U+202E⟩`."""
    return f"⟨U+{ord(char):04X}⟩"


def neutral(value: Any) -> str:
    """`value` as text with every bidi control replaced by `⟨U+XXXX⟩`; None -> ""."""
    text = "" if value is None else str(value)
    return _BIDI.sub(lambda m: mark(m.group(0)), text)


def terminal(value: Any) -> str:
    """`neutral(value)` for a terminal line: bidi controls as `⟨U+XXXX⟩`, and every other
    character that is not printable (escape sequences, new lines, NUL) as `?`, so an id from
    the data cannot move the cursor or recolour the screen."""
    return "".join(ch if ch.isprintable() else "?" for ch in neutral(value))


def neutral_deep(value: Any) -> Any:
    """Like `neutral` on every string inside lists, tuples and dict values (keys too);
    other values unchanged. For whole rows headed for a table."""
    if isinstance(value, str):
        return neutral(value)
    if isinstance(value, dict):
        return {neutral_deep(k): neutral_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(neutral_deep(v) for v in value)
    return value


def has_bidi(value: Any) -> bool:
    """True when the text holds a bidi control."""
    return isinstance(value, str) and _BIDI.search(value) is not None


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(value: Any) -> str:
    """A CSV cell a spreadsheet will not run: text starting with `= + - @`, a tab or a
    carriage return gets a leading apostrophe (OWASP's CSV-injection defence:
    `=HYPERLINK(...)` -> `'=HYPERLINK(...)`), except a plain number (`-5` stays -5);
    None -> "". For every CSV a person may open: exports, alerts, rejects, query results."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


#: A ring's score as every view shows it: three decimals, as `ringscope rings` prints it. With
#: two the app showed 0.998 as "1.00" (a certainty detection never claims) and 0.894 and
#: 0.887 alike, while the entity view showed the raw 0.9983.
SCORE_FORMAT = "%.3f"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and its noun, in the plural when `n` is not 1: "1 row", "1,200 rows",
    count(2, "relationship") -> "2 relationships"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def score(value: Any) -> str:
    """A ring's score for a line of text or a metric tile: `0.998`; None -> "–"."""
    if value is None:
        return "–"
    return SCORE_FORMAT % float(value)


def compact(value: Any) -> str:
    """A count short enough for a metric tile: 9,999 as is, then 10.1 k, 10.1 M, 10.1 B
    (three significant figures); None -> "–". The tile's help gives the exact figure."""
    if value is None:
        return "–"
    n = float(value)
    if abs(n) < 1e4:
        return f"{int(n):,}"
    for size, unit in ((1e3, "k"), (1e6, "M"), (1e9, "B")):
        short = float(f"{n / size:.3g}")  # rounded first: 999,999 is 1 M, not 1e+03 k
        if abs(short) < 1000:
            return f"{short:.3g} {unit}"
        if unit == "B":
            return f"{n / size:,.0f} B"
    raise AssertionError("unreachable")  # pragma: no cover


def when(value: Any) -> Any:
    """A date-time as an investigator reads it, in UTC to the second:
    `2025-03-01T10:00:05.123456789Z` -> "2025-03-01 10:00:05 UTC" (a Neo4j DateTime, a
    datetime or ISO text with an offset; naive ones are taken to be UTC). Anything else
    (a date, a number, None, other text) is returned unchanged."""
    if isinstance(value, str):
        if len(value) < 20 or value[4:5] != "-" or value[10:11] != "T":  # not a date-time: the common case
            return value
        parsed = _parse_iso_datetime(value)
        if parsed is None:
            return value
        value = parsed
    to_native = getattr(value, "to_native", None)
    native = to_native() if to_native else value
    if not isinstance(native, datetime):
        return value
    if native.tzinfo is not None:
        native = native.astimezone(timezone.utc)
    return native.strftime("%Y-%m-%d %H:%M:%S UTC")


__all__ = ["BIDI_CONTROLS", "has_bidi", "mark", "neutral", "neutral_deep", "when"]
