"""IP addresses: normalising them, and joining `ip_intel` by longest prefix.

`ip_intel` rows name single addresses or CIDR ranges; ranges may nest (a /16
hosting block with a /24 proxy pool inside it). An address takes the row of
the most specific network that holds it. IPv4 is matched with numpy over
sorted integer arrays, one per prefix length (a few dozen vectorised binary
searches for any number of addresses); IPv6 with a dictionary per prefix
length.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

INTEL_FIELDS = ("asn", "as_org", "country", "kind")


def normalise(raw: str | None) -> str | None:
    """The canonical text of an address, or None when it is not one.

    IPv4 dotted quads; IPv6 compressed lower-case (RFC 5952). An IPv4-mapped IPv6
    address (`::ffff:198.51.100.7`, `::FFFF:C633:6407`: RFC 4291 2.5.5.2) is the IPv4
    client a dual-stack server saw, so it becomes that IPv4 address. The text is built
    here rather than taken from `str(IPv6Address)`, whose form for mapped addresses
    changed in Python 3.13: the same address gives the same key on every version."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if addr.version == 6:
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        if addr.scope_id:
            return f"{ipaddress.IPv6Address(int(addr)).compressed}%{addr.scope_id}"
        return ipaddress.IPv6Address(int(addr)).compressed
    return str(addr)


_MAPPED = ipaddress.ip_network("::ffff:0:0/96")


def parse_network(raw: str | None) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A network (host bits dropped), or None. A network inside the IPv4-mapped range
    (`::ffff:198.51.100.0/120`) is the IPv4 network it maps, so it matches the IPv4
    addresses `normalise` makes of mapped clients."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    if net.version == 6 and net.prefixlen >= 96 and net.subnet_of(_MAPPED):
        return ipaddress.ip_network(f"{net.network_address.ipv4_mapped}/{net.prefixlen - 96}")
    return net


def _asn(value: Any) -> int | None:
    """`64500`, `AS64500` and `64500.0` become the integer 64500; text that is not an
    AS number (0 to 2^32 - 1, RFC 6793) leaves `asn` unset (the row still loads). Before,
    `AS-15169` became -15169 and `99999999999999999999` stopped every later load of the
    run when the driver could not send it (a field report)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.upper().startswith("AS"):
        text = text[2:]
    try:
        number = float(text)
    except ValueError:
        return None
    if not number.is_integer() or not 0 <= number <= MAX_ASN:
        return None
    return int(number)


#: The largest AS number (4-byte ASNs, RFC 6793).
MAX_ASN = 2**32 - 1


@dataclass
class IntelTable:
    """Longest-prefix lookup over ip_intel rows (a later row for the same network wins)."""

    _v4: dict[int, tuple[np.ndarray, list[dict]]] = field(default_factory=dict)
    _v6: dict[int, dict[int, dict]] = field(default_factory=dict)
    size: int = 0

    @classmethod
    def build(cls, rows: Iterable[dict]) -> "IntelTable":
        """rows: dicts with `network` (text) and the intel fields."""
        v4: dict[int, dict[int, dict]] = {}
        v6: dict[int, dict[int, dict]] = {}
        size = 0
        for row in rows:
            net = parse_network(row.get("network"))
            if net is None:
                continue
            props = {k: (row.get(k) if row.get(k) != "" else None) for k in INTEL_FIELDS}
            props["asn"] = _asn(props["asn"])
            props["network"] = str(net)
            table = v4 if net.version == 4 else v6
            table.setdefault(net.prefixlen, {})[int(net.network_address)] = props
            size += 1
        self = cls(size=size)
        for plen, nets in v4.items():
            keys = np.fromiter(sorted(nets), dtype=np.uint64, count=len(nets))
            self._v4[plen] = (keys, [nets[int(k)] for k in keys])
        self._v6 = v6
        return self

    def __bool__(self) -> bool:
        return self.size > 0

    def lookup(self, addresses: Sequence[str]) -> list[dict | None]:
        """Intel for each normalised address (None where no network holds it)."""
        result: list[dict | None] = [None] * len(addresses)
        v4_pos: list[int] = []
        v4_int: list[int] = []
        for i, text in enumerate(addresses):
            addr = ipaddress.ip_address(text)
            if addr.version == 4:
                v4_pos.append(i)
                v4_int.append(int(addr))
            else:
                value = int(addr)
                for plen in sorted(self._v6, reverse=True):
                    hit = self._v6[plen].get((value >> (128 - plen)) << (128 - plen))
                    if hit is not None:
                        result[i] = hit
                        break
        if v4_pos and self._v4:
            ints = np.asarray(v4_int, dtype=np.uint64)
            pos = np.asarray(v4_pos, dtype=np.int64)
            open_ = np.ones(len(ints), dtype=bool)
            for plen in sorted(self._v4, reverse=True):
                keys, props = self._v4[plen]
                mask = np.uint64(((1 << plen) - 1) << (32 - plen)) if plen else np.uint64(0)
                masked = ints & mask
                idx = np.searchsorted(keys, masked)
                idx_c = np.minimum(idx, len(keys) - 1)
                hit = open_ & (idx < len(keys)) & (keys[idx_c] == masked)
                for j in np.nonzero(hit)[0]:
                    result[int(pos[j])] = props[int(idx_c[j])]
                open_ &= ~hit
                if not open_.any():
                    break
        return result

    def properties(self, address: str) -> dict:
        """The IP node properties for one address (all fields, nulls where unknown)."""
        hit = self.lookup([address])[0]
        return dict(hit) if hit else {k: None for k in (*INTEL_FIELDS, "network")}


def intel_properties(table: IntelTable, addresses: Sequence[str]) -> list[dict]:
    empty = {k: None for k in (*INTEL_FIELDS, "network")}
    return [dict(hit) if hit else dict(empty) for hit in table.lookup(addresses)]
