"""The signal registry: every detection signal is one `Signal` record.

A record names its *family* (the column of the link table it feeds), its stored
query (`cypher/detection/<query>.cypher`), how the query's parameters follow from
the graph's own yardsticks, how one result row becomes a `Group` (one identifier and
the accounts sharing it, with its rarity weight and its *character*), how a family
combines the identifiers two accounts share, and which kinds of data it needs. The
signal runner (`signals.fetch_groups`), the link builder, the ring evidence, the
`Ring.signals` names and `explain` all read this one list: adding a signal is adding
one record here and one `.cypher` file.

Combination modes (per pair of accounts, one score in [0, 1] per family):

- ``noisy_or``    ``1 - prod(1 - w)`` over the identifiers the pair shares;
- ``per_network`` the same over *networks*, each network counting with its best
                  address, and only when both accounts used the address within the
                  co-occurrence window (IP addresses);
- ``cosine``      the cosine of the two accounts' weighted mixes over the family's
                  identifiers (prompt templates; one such family at most);
- ``lift``        proposes the pairs inside each group and lifts the cosine family's
                  cap for them, with no score of its own (dense blocks: a similar mix
                  inside a pure block is the block's private set);
- ``private``     the same for the communities of a block found over templates alone
                  (a ring's private template set), and for their pairs the mix
                  makes a strong link from a lower bar (`rings.RingParams.private_link`):
                  thin slices of one private set overlap faintly;
- ``context``     no link at all: the groups are context for the evidence (declared
                  orgs).

*Character* is how telling one identifier of a kind is, whatever its rarity: a
hosting or proxy exit more than a carrier CGNAT egress, an e-mail stem counted up by
a script more than a shared domain. The ring evidence (`evidence`) multiplies it in.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .blocks import block_groups, private_set_groups
from .groups import AccountIndex, Group, rarity_weight

#: Down-weighting of shared addresses by what ip_intel says they are: one carrier
#: CGNAT egress or VPN exit carries hundreds of unrelated subscribers, a campus or
#: office NAT a whole institution, while a hosting or proxy exit is a machine someone
#: rents. Unknown kinds get UNKNOWN_KIND_WEIGHT (intel rarely knows every exit).
IP_KIND_WEIGHTS = {
    "mobile": 0.2,
    "vpn": 0.3,
    "education": 0.3,
    "corporate": 0.5,
    "hosting": 1.0,
    "proxy": 1.0,
    "residential": 1.0,
}
UNKNOWN_KIND_WEIGHT = 0.8

#: Data kinds a world can hold, as `data_kinds.cypher` counts them.
DATA_KINDS = {
    "signups": "accounts with a sign-up time",
    "emails": "accounts with an e-mail address",
    "payments": "payment instruments (payment_instruments)",
    "devices": "device fingerprints (logins with device_id)",
    "ips": "IP addresses (logins or exchanges)",
    "ip_intel": "ip_intel kinds on addresses",
    "exchanges": "API exchanges (usage, behaviour)",
    "templates": "prompt-template fingerprints (exchanges with prompt_fingerprint)",
    "orgs": "declared orgs (accounts.org_id)",
}


@dataclass
class SignalContext:
    """What a signal's parameters are derived from: the graph's size and yardsticks
    and the detector's knobs (`signals.SignalParams`)."""

    accounts: int
    supernode_cap: int
    heavy_template_exchanges: float
    params: Any  # SignalParams


@dataclass(frozen=True)
class Signal:
    """One detection signal. See the module docstring. A *derived* signal has no
    stored query (`query` is its name in Ring.signals) and a `derive` function that
    makes its groups from the other signals' groups."""

    family: str
    query: str
    params: Callable[[SignalContext], dict[str, Any]] | None
    to_group: Callable[[dict[str, Any], AccountIndex], Group | None] | None
    combine: str = "noisy_or"
    needs: tuple[str, ...] = ()
    #: one sentence: what sharing one identifier of this family means, for explain
    meaning: str = ""
    #: how many (character-weighted) shared identifiers of this family an ordinary
    #: household, team or class explains: the ring evidence counts only what is beyond
    free: float = 1.0
    #: the most this family adds to a ring's structure evidence (1: a full family)
    weight: float = 1.0
    #: identifiers beyond `free` that halve what is left unexplained (1 for cards:
    #: each extra card halves it; templates are cheap and many, a class or a team
    #: shares a course or internal set of several, so each 2 further ones halve it)
    scale: float = 1.0
    #: an identifier of who the account is (its card, device, e-mail stem, sign-up
    #: burst), which can join pieces of one network into one ring
    #: (`evidence.merge_networks`); what accounts *use* (addresses, templates) is
    #: what an operator's separate rings share too (one proxy seller, one prompt
    #: set), so it never joins rings
    identity: bool = False
    #: what strangers share by chance, more often the bigger the world: two accounts
    #: met on one exit within a day, two people whose addresses share a name stem
    #: ("harnold3@", "harnold7@"; on a million accounts, households of one surname
    #: met on stems alone and 44 of them came back as rings), three people signing up
    #: on mail.ru within the hour (4 more). Such a family confirms a link another
    #: family starts and never makes a strong link alone (`rings.strong_mask`; one
    #: exception, addresses on several networks: `RingParams.min_networks_alone`); a
    #: burst on a shared card or device has that card or device agreeing anyway
    confirms_only: bool = False
    #: an identifier of who the account is that a ring can *own*: when most of its
    #: users are members of one ring, its other users join that ring
    #: (`attach.attach_owned`). Cards and devices only: a stranger signs up in the
    #: same hour, and strangers share a counted e-mail stem (on the incident world a
    #: ring's `gyilmaz+N@gmail.com` stem, 28 of its 36 users, would have brought in 8
    #: people with addresses like `gyilmaz535@gmail.com`)
    attaches: bool = False
    derive: Callable[[Sequence[Group], AccountIndex], list[Group]] | None = None


def _times(row: dict[str, Any]) -> dict[str, np.ndarray]:
    return {"first_s": np.asarray(row["first_seen_s"], dtype=np.int64),
            "last_s": np.asarray(row["last_seen_s"], dtype=np.int64)}


def _count(row: dict[str, Any], members: np.ndarray) -> int:
    return int(row.get("account_count") or len(members))


def network_key(address: str, asn: Any, network: str | None) -> str:
    """What counts as 'one network' for IP evidence: the ASN when intel knows it,
    else the /16 (IPv4) or /32 (IPv6) around the address."""
    if asn not in (None, ""):
        return f"AS{asn}"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return network or address
    prefix = 16 if ip.version == 4 else 32
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _instrument(row: dict[str, Any], index: AccountIndex) -> Group:
    m = index.add(row["accounts"])
    n = _count(row, m)
    return Group("instrument", str(row["identifier"]), m, float(rarity_weight(n)), **_times(row),
                 meta={"accounts": n, "kind": row.get("kind"), "bin": row.get("bin")})


def _device(row: dict[str, Any], index: AccountIndex) -> Group:
    m = index.add(row["accounts"])
    n = _count(row, m)
    return Group("device", str(row["identifier"]), m, float(rarity_weight(n)), **_times(row),
                 meta={"accounts": n, "user_agent": row.get("user_agent")})


def _ip(row: dict[str, Any], index: AccountIndex) -> Group:
    m = index.add(row["accounts"])
    n = _count(row, m)
    kind = row.get("kind")
    character = IP_KIND_WEIGHTS.get(kind or "", UNKNOWN_KIND_WEIGHT)
    return Group("ip", str(row["identifier"]), m, float(row["weight"]), **_times(row),
                 network=network_key(row["identifier"], row.get("asn"), row.get("network")),
                 meta={"kind": kind, "network": row.get("network"), "asn": row.get("asn"), "accounts": n},
                 character=float(character))


def _email(row: dict[str, Any], index: AccountIndex) -> Group:
    m = index.add(row["accounts"])
    n = _count(row, m)
    # plus-tags on one mailbox are one person's accounts; two addresses on one
    # counted stem can be a common surname at a big domain (jsmith12@, jsmith7@),
    # and every further account on it makes a script likelier
    character = 1.0 if int(row.get("plus_tagged") or 0) >= 2 else 1.0 - 1.0 / max(1, n - 1)
    return Group("email", str(row["identifier"]), m, float(rarity_weight(n)),
                 meta={"accounts": n, "plus_tagged": row.get("plus_tagged"), "counted": row.get("counted")},
                 character=character)


#: a burst on a shared card or device is a batch; on a shared e-mail domain it can be
#: a company or a class signing up together, so it tells half as much
BURST_VIA_CHARACTER = {"instrument": 1.0, "device": 1.0, "email_domain": 0.5}


def _burst(row: dict[str, Any], index: AccountIndex) -> Group:
    m = index.add(row["accounts"])
    n = _count(row, m)
    via = row.get("via")
    return Group("burst", str(row["identifier"]), m, float(rarity_weight(n)),
                 meta={"accounts": n, "via": via, "shared": row.get("shared"), "span_minutes": row.get("span_minutes"),
                       "first": _iso(row.get("first_signup")), "last": _iso(row.get("last_signup"))},
                 character=BURST_VIA_CHARACTER.get(via or "", 0.5))


def _template(row: dict[str, Any], index: AccountIndex) -> Group:
    m = index.add(row["accounts"])
    n = _count(row, m)
    return Group("template", str(row["identifier"]), m, float(template_weight(n)),
                 volume=np.asarray(row["exchanges"], dtype=float),
                 meta={"accounts": n, "exchanges": int(sum(row["exchanges"]))})


def template_weight(n: int | np.ndarray) -> float | np.ndarray:
    """Column weight of a template sent by n accounts: FRAUDAR's 1 / log(n + 5)
    (Hooi et al., "FRAUDAR: Bounding Graph Fraud in the Face of Camouflage", KDD
    2016), so a popular public template a ring adds as camouflage weighs little in
    the mix while the ring's private set dominates it."""
    return 1.0 / np.log(np.asarray(n, dtype=float) + 5.0)


def _org(row: dict[str, Any], index: AccountIndex) -> Group:
    m = index.add(row["accounts"])
    return Group("org", str(row["identifier"]), m, 0.0, meta={"accounts": _count(row, m)})


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return value.iso_format()
    except AttributeError:
        return str(value)


SIGNALS: tuple[Signal, ...] = (
    Signal(
        "instrument", "instrument_fanout",
        lambda c: {"min_accounts": 2, "max_accounts": c.supernode_cap},
        _instrument, needs=("payments",), identity=True, attaches=True,
        meaning="pays with the same card, wallet or bank account",
    ),
    Signal(
        "device", "device_fanout",
        lambda c: {"min_accounts": 2, "max_accounts": c.supernode_cap},
        _device, needs=("devices",), identity=True, attaches=True,
        meaning="signs in from the same device fingerprint",
    ),
    Signal(
        "ip", "ip_cooccurrence",
        lambda c: {"min_accounts": 2, "max_accounts": c.supernode_cap, "kind_weights": c.params.ip_kind_weights,
                   "unknown_kind_weight": c.params.unknown_kind_weight, "min_weight": c.params.ip_min_weight,
                   "sample_above": c.params.ip_sample_above},
        _ip, combine="per_network", needs=("ips",), free=2.0, confirms_only=True,
        meaning="uses the same IP address within a day of each other",
    ),
    Signal(
        "email", "email_pattern_clusters",
        lambda c: {"min_accounts": 2, "min_stem_length": c.params.email_min_stem, "max_accounts": c.supernode_cap},
        _email, needs=("emails",), free=0.0, identity=True, confirms_only=True,
        meaning="has an e-mail address built from the same stem (plus-tag or counter)",
    ),
    Signal(
        "burst", "signup_bursts",
        lambda c: {"min_accounts": c.params.burst_min_accounts, "gap_minutes": c.params.burst_gap_minutes,
                   "max_accounts": c.supernode_cap * 10},
        _burst, needs=("signups",), weight=0.5, free=2.0, identity=True, confirms_only=True,
        meaning="signed up in the same burst as accounts sharing its card, device or e-mail domain",
    ),
    Signal(
        "template", "template_co_usage",
        # every volume: a ring sending each template of its private set a few times is
        # as tied as one sending it thousands of times; templates on more accounts
        # than the supernode cap are public, and a ring's camouflage on them is noise
        lambda c: {"min_accounts": 2, "max_accounts": c.supernode_cap * 10, "min_exchanges_per_account": 1.0},
        _template, combine="cosine", needs=("templates",), scale=2.0,
        meaning="sends the same prompt templates",
    ),
    Signal(
        "block", "dense_blocks", None, None, derive=lambda groups, index: block_groups(groups, index), combine="lift",
        needs=("templates",), weight=0.0, free=0.0,
        meaning="is in a dense block of accounts sharing rare templates and addresses (FRAUDAR)",
    ),
    Signal(
        "private", "private_template_sets", None, None, derive=lambda groups, index: private_set_groups(groups, index),
        combine="private", needs=("templates",), weight=0.0, free=0.0,
        meaning="sends part of a private template set (a pure community of a dense template block)",
    ),
    Signal(
        "org", "declared_orgs", lambda c: {"min_accounts": 2, "max_accounts": c.params.supernode_max},
        _org, combine="context", needs=("orgs",), weight=0.0, free=0.0,
        meaning="declares the same org (context: what an org's own accounts share among themselves adds no evidence)",
    ),
)

#: link families (columns of the pair table); context signals make no links
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(s.family for s in SIGNALS if s.combine != "context"))
CONTEXT_FAMILIES: tuple[str, ...] = tuple(s.family for s in SIGNALS if s.combine == "context")
FAMILY_INDEX = {f: i for i, f in enumerate(FAMILIES)}
#: Ring.signals names: the stored query behind each family
SIGNAL_NAMES = {s.family: s.query for s in SIGNALS}
_COMBINE = {s.family: s.combine for s in SIGNALS}
FREE = {s.family: s.free for s in SIGNALS}
WEIGHT = {s.family: s.weight for s in SIGNALS}
SCALE = {s.family: s.scale for s in SIGNALS}
#: families that never make a strong link alone (see Signal.confirms_only)
CONFIRMING_FAMILIES: frozenset[str] = frozenset(s.family for s in SIGNALS if s.confirms_only)
#: families whose shared identifiers can join pieces of one network (see Signal.identity)
IDENTITY_FAMILIES: frozenset[str] = frozenset(s.family for s in SIGNALS if s.identity)
#: families whose identifiers a ring can own (see Signal.attaches)
ATTACHING_FAMILIES: frozenset[str] = frozenset(s.family for s in SIGNALS if s.attaches)
if sum(1 for m in _COMBINE.values() if m == "cosine") > 1:  # pragma: no cover - a registry edit
    raise RuntimeError("only one cosine family is supported by LinkBuilder")


def combine_of(family: str) -> str:
    """The combination mode of a family (``noisy_or`` for unknown ones)."""
    return _COMBINE.get(family, "noisy_or")


def signal_of(family: str) -> Signal:
    for s in SIGNALS:
        if s.family == family:
            return s
    raise KeyError(family)
