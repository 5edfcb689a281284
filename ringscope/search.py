"""Finding a node by what an investigator types: which stored search query a text
means, and its parameters. Plain Python with no Streamlit, so the app's search box
and any command-line tool read the same answer (issue 13, part 5).

An IPv6 block cannot be matched exactly in Cypher by a numeric range (addresses are
text, 128-bit numbers do not fit an integer), so `search_ip_cidr` narrows by the
block's fixed leading groups and `search` keeps only the addresses inside it.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from . import db, domain
from .config import Settings

#: Searches that are not one node kind: an e-mail address or domain, an IP block.
EMAIL = "email"
CIDR = "cidr"


def _node_search(kind: domain.Kind, title: str) -> tuple[str, tuple[str, str]]:
    """A search for one node kind of domain.py: named as the kind, run by `search_<kind>`."""
    return kind.name, (title, f"search_{kind.name}")


#: What the search box can look for: kind -> (title, stored query), in the box's order.
SEARCH_KINDS: dict[str, tuple[str, str]] = dict([
    _node_search(domain.ACCOUNT, "Account id or display name"),
    (EMAIL, ("E-mail address or domain", "search_email")),
    _node_search(domain.IP, "IP address"),
    (CIDR, ("IP block (CIDR)", "search_ip_cidr")),
    _node_search(domain.INSTRUMENT, "Payment-instrument fingerprint"),
    _node_search(domain.DEVICE, "Device id"),
    _node_search(domain.TEMPLATE, "Prompt-template fingerprint"),
    _node_search(domain.ORG, "Org id"),
])
#: What an unqualified text that is no address is searched as: the id kinds, then e-mail.
_ID_SEARCHES = [k.name for k in (domain.ACCOUNT, domain.INSTRUMENT, domain.DEVICE, domain.TEMPLATE, domain.ORG)] + [EMAIL]

#: The columns every search query returns.
SEARCH_COLUMNS = ["kind", "key", "name", "detail", "links"]


#: zero-width characters: the app puts one where a link or an icon would form in data it
#: shows (`ui.md`), so an e-mail copied from a page carries it; a search drops them
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def clean_query(text: str) -> str:
    """Search text as typed or pasted, without surrounding white space or zero-width characters."""
    return _ZERO_WIDTH.sub("", text or "").strip()


def guess_search_kinds(text: str) -> list[str]:
    """Which searches an unqualified query means: an IP, a CIDR, an e-mail, or the id kinds."""
    text = clean_query(text)
    if not text:
        return []
    if "/" in text:
        try:
            ipaddress.ip_network(text, strict=False)
            return [CIDR, domain.IP.name]
        except ValueError:
            pass
    try:
        ipaddress.ip_address(text)
        return [domain.IP.name]
    except ValueError:
        pass
    if _ipv4_prefix(text):  # `51.108.84`: the start of addresses (search_ip matches prefixes), or an id
        return [domain.IP.name, *_ID_SEARCHES]
    if "@" in text:
        return [EMAIL]
    return list(_ID_SEARCHES)


_DOTTED = re.compile(r"\d+(\.\d+)*\.?(/\d+)?")
_IPV4_PREFIX = re.compile(r"(\d{1,3}\.){1,3}\d{0,3}")


def _ipv4_prefix(text: str) -> bool:
    """`51.108.84` or `51.108.`: the first one to three parts of an IPv4 address."""
    return bool(_IPV4_PREFIX.fullmatch(text)) and all(int(p) <= 255 for p in text.split(".") if p)


def malformed_address(text: str) -> str | None:
    """Why a text written like an IPv4 address or block is neither (`300.1.1.1`,
    `203.0.113.0/33`), or None. Such a text is searched as an id and finds nothing; the
    search says why instead of a bare "Nothing found"."""
    text = clean_query(text)
    if "." not in text or not _DOTTED.fullmatch(text) or _ipv4_prefix(text):
        return None
    try:
        ipaddress.ip_network(text, strict=False) if "/" in text else ipaddress.ip_address(text)
    except ValueError:
        return f"{text!r} is not an IP address or block: write it like 203.0.113.7 or 203.0.113.0/24"
    return None


def cidr_params(text: str, limit: int = 200) -> dict[str, Any]:
    """search_ip_cidr's parameters for a CIDR: the address prefix every member starts with and,
    for IPv4, the block's first and last address as numbers. Raises ValueError for text that
    is not a CIDR."""
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP block: write it like 203.0.113.0/24") from None
    if net.version == 4:
        octets = str(net.network_address).split(".")
        fixed = net.prefixlen // 8
        prefix = ".".join(octets[:fixed]) + ("." if 0 < fixed < 4 else "")
        if fixed == 4:
            prefix = str(net.network_address)
        return {"prefix": prefix, "family": 4, "lo": int(net.network_address), "hi": int(net.broadcast_address),
                "limit": int(limit)}
    # IPv6: the leading groups the mask fixes, as written in compressed form, up to the first
    # zero group (compression can hide zero groups inside the prefix).
    groups = net.network_address.exploded.split(":")[: net.prefixlen // 16]
    lead: list[str] = []
    for group in groups:
        if int(group, 16) == 0:
            break
        lead.append(format(int(group, 16), "x"))
    prefix = ":".join(lead) + (":" if lead else "")
    return {"prefix": prefix, "family": 6, "lo": 0, "hi": 0, "limit": int(limit)}


def search_params(kind: str, text: str, limit: int = 50) -> dict[str, Any]:
    """The stored search query's parameters for `text` (a CIDR search lists at least 200)."""
    text = clean_query(text)
    if kind == CIDR:
        return cidr_params(text, limit=max(limit, 200))
    return {"q": text, "limit": int(limit)}


def in_network(address: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """True when the text `address` is an IP address inside `net` (False for non-addresses)."""
    try:
        return ipaddress.ip_address(address) in net
    except ValueError:
        return False


def search(kind: str, text: str, limit: int = 50, *, settings: Settings | None = None,
           interactive: bool = False) -> list[dict[str, Any]]:
    """Hits of one search kind as dicts with SEARCH_COLUMNS; CIDR hits for IPv6 are checked
    exactly here. Raises ValueError for an unknown kind or a malformed CIDR; `interactive`
    is the runner's fail-fast read (db.run)."""
    if kind not in SEARCH_KINDS:
        raise ValueError(f"unknown search kind {kind!r}: one of {', '.join(SEARCH_KINDS)}")
    params = search_params(kind, text, limit)
    rows = db.run(SEARCH_KINDS[kind][1], params, mode=db.READ, settings=settings, interactive=interactive)
    if kind == CIDR and params["family"] == 6:
        net = ipaddress.ip_network(clean_query(text), strict=False)
        rows = [r for r in rows if in_network(r["key"], net)]
    return rows
