"""Plain, deterministic values for bundle files: Neo4j times as ISO text, rounded floats,
and the one-line description of an identifier. Shared by bundle.py and graph_html.py.

Every time in every file of a bundle is written by `domain.iso_utc` (one format:
`2025-03-01T10:00:00.000000Z`), driver values and date-time text inside stored JSON alike.
"""
from __future__ import annotations

import math
from typing import Any

from .. import domain

FLOAT_DIGITS = 6

#: What a bundle says about each kind of identifier, in this order (the kind's display fields).
DETAIL_FIELDS = {name: domain.KINDS[name].display_fields for name in domain.SHARED_IDENTIFIER_KINDS}


def iso(value: Any) -> str | None:
    """A Neo4j or Python date/time as the one ISO-8601 text (see domain.iso_utc)."""
    return domain.iso_utc(value)


def times_as_utc(value: Any) -> Any:
    """`value` (decoded JSON) with every date-time text in it re-written by domain.iso_utc:
    detection and tagging store JSON whose times another writer formatted."""
    if isinstance(value, str):
        return domain.iso_utc(value) if domain.is_datetime_text(value) else value
    if isinstance(value, dict):
        return {k: times_as_utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [times_as_utc(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """JSON-ready and deterministic: times as ISO text, floats rounded, NaN as null."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        rounded = round(value, FLOAT_DIGITS)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat") or hasattr(value, "to_native"):
        try:
            return iso(value)
        except TypeError:  # a Duration or other non-instant value
            return str(value)
    return str(value)


def identifier_details(identifier: dict[str, Any]) -> str:
    """`kind=card; bin=411111; issuer_country=US` from an export_identifiers row."""
    attributes = identifier.get("attributes") or {}
    parts = []
    for name in DETAIL_FIELDS.get(identifier.get("kind"), ()):
        value = plain(attributes.get(name))
        if value not in (None, ""):
            parts.append(f"{name}={value}")
    return "; ".join(parts)
