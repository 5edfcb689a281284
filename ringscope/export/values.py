"""Plain, deterministic values for bundle files: Neo4j times as ISO text, rounded floats,
and the one-line description of an identifier. Shared by bundle.py and graph_html.py."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

FLOAT_DIGITS = 6

#: What a bundle says about each kind of identifier, in this order.
DETAIL_FIELDS = {
    "payment_instrument": ("kind", "bin", "issuer_country"),
    "device": ("user_agent",),
    "ip": ("kind", "asn", "as_org", "country", "network"),
    "prompt_template": ("accounts", "exchanges"),
}


def iso(value: Any) -> str | None:
    """A Neo4j or Python date/time as ISO-8601 text; UTC times end in Z."""
    if value is None:
        return None
    to_native = getattr(value, "to_native", None)
    native = to_native() if to_native else value
    if isinstance(native, datetime):
        if native.tzinfo is not None:
            return native.astimezone(timezone.utc).replace(tzinfo=None).isoformat() + "Z"
        return native.isoformat()
    return native.isoformat() if hasattr(native, "isoformat") else str(native)


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
        return iso(value)
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
