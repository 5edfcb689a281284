"""One canonical form per fact: e-mail addresses, mailbox keys, placeholder identifiers.

The same address written two ways must become one value, or the graph shows two
accounts as unrelated when they share a mailbox. An e-mail is canonicalised once per
distinct text (ingest builds a raw -> canonical table, as it does for IPs):

* Unicode NFC for the whole address, surrounding whitespace (NBSP included) dropped;
* `Name <addr>` (an RFC 5322 display name) gives `addr`; any other `<`/`>` is a reject;
* the domain through IDNA 2008 with UTS #46 mapping (the `idna` package): case folded,
  compatibility forms mapped (`ｅｘａｍｐｌｅ.com` -> `example.com`), stored as its ASCII
  (punycode) form, so `bücher.example` and `xn--bcher-kva.example` are one domain and a
  look-alike Cyrillic domain stays visibly different;
* the local part kept as written (RFC 5321: it is the receiving provider's to read).

The *mailbox key* is where mail is actually delivered: lower case, and for providers
documented to ignore them, dots (Gmail) and `+tags` stripped, `googlemail.com` read as
`gmail.com`. Operators mass-register `j.o.h.n+1@gmail.com`, `john+2@gmail.com`, ...: one
mailbox. Only providers in MAILBOX_RULES are rewritten; elsewhere a dot or a plus may be
part of a different mailbox, so the key keeps them.
"""
from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from dataclasses import dataclass

import idna

#: provider domain -> (canonical domain, dots ignored, `+tag` ignored). Sources: Gmail help
#: "dots don't matter" and "+ aliases"; Outlook.com, iCloud, Fastmail, Proton and Yandex
#: plus addressing (sub-addressing) documentation. Yahoo's `-keyword` disposable addresses
#: are separate mailboxes and are left alone.
MAILBOX_RULES: dict[str, tuple[str, bool, bool]] = {
    "gmail.com": ("gmail.com", True, True),
    "googlemail.com": ("gmail.com", True, True),
    **{d: (d, False, True) for d in (
        "outlook.com", "hotmail.com", "live.com", "msn.com",
        "icloud.com", "me.com", "mac.com",
        "fastmail.com", "fastmail.fm",
        "proton.me", "protonmail.com", "protonmail.ch", "pm.me",
        "yandex.ru", "yandex.com", "ya.ru",
    )},
}

_DISPLAY = re.compile(r'^(?:"[^"]*"\s*|[^<>"]*)<([^<>]*)>$')
# RFC 5322 `specials` and whitespace/control characters cannot stand unquoted in a local
# part; quoted local parts ("a b"@x) are too rare in account exports to be worth guessing.
_BAD_LOCAL = re.compile(r'[\s()<>\[\]:;@\\,"\x00-\x1f\x7f]')
_STRIP = " \t\r\n\u00a0\u2007\u202f\u200b\ufeff"


@dataclass(frozen=True)
class Email:
    address: str  # local@ascii-domain
    domain: str   # the ASCII (punycode) domain, lower case
    mailbox: str  # the delivery mailbox key (see module doc)


@functools.lru_cache(maxsize=65536)
def canonical_domain(text: str) -> str | None:
    """The ASCII form of a mail domain, or None when it is not one (IDNA 2008 + UTS #46)."""
    text = text.rstrip(".")
    if not text or text.startswith("["):  # address literals ([192.0.2.1]) are not accounts' mail
        return None
    try:
        ascii_ = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    return ascii_.lower() if "." in ascii_ else None


def canonical_email(raw: str | None) -> Email | None:
    """The canonical address for `raw` (see module doc), or None when it is not one.

    >>> canonical_email('"Ann" <Ann.Lee+x@GoogleMail.com>').mailbox
    'annlee@gmail.com'
    """
    if raw is None:
        return None
    text = unicodedata.normalize("NFC", str(raw)).strip(_STRIP)
    if "<" in text or ">" in text:
        match = _DISPLAY.match(text)
        if not match:
            return None
        text = match.group(1).strip(_STRIP)
    if text.count("@") != 1:
        return None
    local, domain = text.split("@")
    if not local or len(local) > 64 or _BAD_LOCAL.search(local):
        return None
    ascii_domain = canonical_domain(domain)
    if ascii_domain is None:
        return None
    return Email(f"{local}@{ascii_domain}", ascii_domain, mailbox_key(local, ascii_domain))


def mailbox_key(local: str, domain: str) -> str:
    """Where mail to local@domain is delivered: `John.Smith+x@googlemail.com` ->
    `johnsmith@gmail.com`; unknown providers keep dots and tags (lower-cased)."""
    local = local.lower()
    rule = MAILBOX_RULES.get(domain)
    if rule is None:
        return f"{local}@{domain}"
    canonical, dots, plus = rule
    if plus:
        local = local.split("+", 1)[0]
    if dots:
        local = local.replace(".", "")
    return f"{local or '_'}@{canonical}"


# ---------------------------------------------------------------- placeholders

#: Words exporters write where they had no value (after lower-casing and dropping
#: punctuation): a device or card id spelled like this and shared by many accounts is
#: almost certainly a gap in the export, not a shared device.
PLACEHOLDER_WORDS = frozenset({
    "unknown", "undefined", "null", "nil", "none", "na", "nan", "empty", "blank", "missing",
    "default", "placeholder", "tbd", "notavailable", "notset", "unset", "test", "dummy", "redacted",
    "anonymous", "noid", "nodevice", "nodata", "novalue",
})


def looks_like_placeholder(value: str | None) -> bool:
    """True for identifier text that means "no value": a placeholder word (`unknown`,
    `N/A`), a run of one repeated character (`0000`, `xxxxxxxx`, `-`, `?`), the nil UUID,
    or the unspecified/loopback/broadcast IP addresses."""
    if value is None:
        return False
    text = str(value).strip(_STRIP).lower()
    if not text:
        return True
    try:
        ip = ipaddress.ip_address(text)
        return ip.is_unspecified or ip.is_loopback or str(ip) == "255.255.255.255"
    except ValueError:
        pass
    letters = re.sub(r"[\W_]+", "", text)
    if letters in PLACEHOLDER_WORDS:
        return True
    squeezed = text.replace("-", "") if letters else text
    return len(set(squeezed)) == 1  # "0000", "xxxx", "00000000-0000-...", "-", "?"
