"""The shared machinery of a held-out world: time window, address space, identities, traffic.

A `World` collects rows for the interchange files (accounts, payment_instruments,
logins, exchanges, ip_intel, labels; see shared/spec/interchange.md) while the
legitimate population (`legit.py`) and the rings (`rings.py`) add accounts to it.
Everything is drawn from numpy generators seeded from (seed, component name), so a
world is a pure function of its seed and size, and adding a component does not move
the draws of another.

Units: timestamps are int64 seconds since the Unix epoch (UTC) until they are
written; token counts are whole tokens; hour weights are 24 floats indexed by the
UTC hour.
"""
from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field

import numpy as np

# The observation window: exchanges and in-window logins fall in these 28 days.
WINDOW_START = int(np.datetime64("2026-09-07T00:00:00", "s").astype(np.int64))
WINDOW_DAYS = 28
DAY = 86_400
WINDOW_END = WINDOW_START + WINDOW_DAYS * DAY

# A person's activity over the local day (relative weights, local hour 0..23):
# quiet at night, a working-day plateau, a smaller evening bump.
HUMAN_LOCAL_HOURS = np.array(
    [0.5, 0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.8, 1.3, 1.8, 2.0, 2.0,
     1.8, 1.9, 2.0, 2.0, 1.8, 1.5, 1.3, 1.4, 1.5, 1.4, 1.1, 0.8])

# Countries with their UTC offset in whole hours and a population weight.
COUNTRIES = {
    "US": (-6, 0.30), "GB": (0, 0.07), "DE": (1, 0.07), "FR": (1, 0.05), "IN": (5, 0.12),
    "BR": (-3, 0.06), "JP": (9, 0.05), "KR": (9, 0.03), "CA": (-5, 0.04), "NG": (1, 0.03),
    "PH": (8, 0.03), "VN": (7, 0.03), "PL": (1, 0.03), "AU": (10, 0.03), "MX": (-6, 0.03),
    "ID": (7, 0.03),
}
COUNTRY_CODES = list(COUNTRIES)
COUNTRY_WEIGHTS = np.array([COUNTRIES[c][1] for c in COUNTRY_CODES]) / sum(COUNTRIES[c][1] for c in COUNTRY_CODES)

FIRST_NAMES = (
    "james mary robert patricia john jennifer michael linda david elizabeth william barbara "
    "richard susan joseph jessica thomas sarah charles karen daniel lisa matthew nancy anthony "
    "sandra mark ashley donald emily steven kimberly andrew donna paul michelle joshua carol "
    "kenneth amanda kevin melissa brian deborah george stephanie timothy rebecca ravi priya "
    "arjun ananya wei li jun hana yuki kenji minjun seoyeon lucas julia mateus ana pierre "
    "camille lukas lena jakub zofia chinedu amaka tuan linh budi sari carlos sofia diego valentina"
).split()
LAST_NAMES = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez "
    "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris "
    "sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill "
    "flores green adams nelson baker hall rivera campbell mitchell carter roberts patel sharma "
    "kumar singh wang zhang chen kim park tanaka sato silva santos dubois muller schmidt kowalski "
    "nowak okafor adeyemi tran pham santoso wijaya"
).split()
FREE_MAIL = np.array(["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me",
                      "hotmail.com", "gmx.de", "yandex.ru", "qq.com", "naver.com"])
FREE_MAIL_W = np.array([0.42, 0.14, 0.09, 0.08, 0.05, 0.06, 0.04, 0.04, 0.04, 0.04])

MODELS = np.array(["atlas-4", "atlas-4-mini", "atlas-4-long", "atlas-3.5", "atlas-embed"])

# Ordinary browsers and SDK agents; rings that run virtual machines or emulators get
# the agents below instead.
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36 Edg/129.0",
    "atlas-python/1.42.0 CPython/3.11.9 Linux/6.8",
    "atlas-node/4.61.0 node/20.17.0 darwin",
]
USER_AGENT_W = np.array([0.24, 0.1, 0.12, 0.04, 0.04, 0.12, 0.08, 0.06, 0.08, 0.08, 0.04])
VM_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/128.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 VirtualBox",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 QEMU",
]
EMULATOR_AGENTS = [
    "Mozilla/5.0 (Linux; Android 11; sdk_gphone_x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 9; SM-G960N Build/PQ3A; BlueStacks) AppleWebKit/537.36 Chrome/112.0 Mobile Safari/537.36",
]

# Issuer BINs: ordinary bank cards, and prepaid/gift-card BINs (used by a few honest
# people too, one card each).
BANK_BINS = {"US": ["414720", "426684", "517805", "546616", "379710"], "GB": ["475129", "535522"],
             "DE": ["492910", "520416"], "FR": ["497010", "513691"], "IN": ["652150", "508227"],
             "BR": ["498406", "544731"], "JP": ["356600", "490222"], "KR": ["942150", "540926"],
             "CA": ["450644", "520588"], "NG": ["539983", "506105"], "PH": ["455620", "531260"],
             "VN": ["970415", "422149"], "PL": ["425125", "535470"], "AU": ["456469", "516361"],
             "MX": ["415231", "557910"], "ID": ["461699", "524261"]}
PREPAID_BINS = [("403446", "US"), ("533248", "US"), ("485340", "GB"), ("444796", "US")]


def component_rng(seed: int, name: str) -> np.random.Generator:
    """A generator for one component of the world: (seed, crc32(name)) seeds it."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def fingerprint(tag: str) -> str:
    """A template fingerprint as an ingest would see it: 16 hex digits of a hash."""
    return hashlib.blake2b(tag.encode(), digest_size=8).hexdigest()


def random_hex(rng: np.random.Generator, n: int, digits: int = 16) -> np.ndarray:
    """n random lowercase hex strings of `digits` characters (object array)."""
    raw = rng.integers(0, 256, size=(n, (digits + 1) // 2), dtype=np.uint8)
    return np.array([row.tobytes().hex()[:digits] for row in raw], dtype=object)


def human_hours(rng: np.random.Generator, country: str) -> np.ndarray:
    """Hour weights (UTC) for a person in `country`, with their own small quirks."""
    offset = COUNTRIES[country][0]
    local = HUMAN_LOCAL_HOURS * rng.lognormal(0.0, 0.3, 24)
    utc = np.roll(local, offset)  # UTC hour h is local hour h + offset
    return utc / utc.sum()


def flat_hours(rng: np.random.Generator) -> np.ndarray:
    """Hour weights of a machine: every hour alike, a little noise."""
    w = rng.uniform(0.8, 1.2, 24)
    return w / w.sum()


def lognormal_int(rng: np.random.Generator, median: float, sigma: float, n: int | None = None,
                  lo: int = 1) -> np.ndarray | int:
    """Whole numbers from a log-normal with this median, at least `lo`."""
    x = np.maximum(lo, np.round(rng.lognormal(np.log(median), sigma, n))).astype(np.int64)
    return x if n is not None else int(x)


class AddressSpace:
    """Allocates /16 blocks to networks (ISPs, carriers, hosts) and addresses inside them.

    Blocks come from a seed-shuffled list of public-looking first octets; each block is
    recorded as an ip_intel row unless the network is one intel does not know.
    """

    _FIRST_OCTETS = [23, 24, 31, 37, 46, 62, 68, 73, 77, 81, 86, 89, 91, 94, 98, 109, 151,
                     176, 178, 185, 188, 193, 195, 203, 212, 217]

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        blocks = [(a, b) for a in self._FIRST_OCTETS for b in range(0, 256, 3)]
        order = rng.permutation(len(blocks))
        self._free = [blocks[i] for i in order]
        self.intel: list[dict] = []
        self._v6 = 0

    def block(self, asn: int, as_org: str, country: str, kind: str, known: bool = True) -> tuple[int, int]:
        a, b = self._free.pop()
        if known:
            self.intel.append(dict(network=f"{a}.{b}.0.0/16", asn=asn, as_org=as_org, country=country, kind=kind))
        return (a, b)

    def addresses(self, block: tuple[int, int], n: int) -> np.ndarray:
        """n addresses in the block (repeats are possible, as they are in life)."""
        c = self.rng.integers(0, 256, n)
        d = self.rng.integers(1, 255, n)
        return np.array([f"{block[0]}.{block[1]}.{x}.{y}" for x, y in zip(c, d)], dtype=object)

    def v6_block(self, asn: int, as_org: str, country: str, kind: str) -> str:
        self._v6 += 1
        prefix = f"2a0{self._v6 % 10}:{0x4c00 + self._v6:x}"
        self.intel.append(dict(network=f"{prefix}::/32", asn=asn, as_org=as_org, country=country, kind=kind))
        return prefix

    def v6_addresses(self, prefix: str, n: int) -> np.ndarray:
        g = self.rng.integers(0, 0xFFFF, size=(n, 4))
        return np.array([f"{prefix}:{r[0]:x}:{r[1]:x}::{r[2]:x}:{r[3]:x}" for r in g], dtype=object)

    def note(self, network: str, asn: int, as_org: str, country: str, kind: str) -> None:
        """An intel row for a smaller network (an office /28, one proxy exit /32)."""
        self.intel.append(dict(network=network, asn=asn, as_org=as_org, country=country, kind=kind))


@dataclass
class Traffic:
    """How one account uses the API in the window (arrays are per exchange)."""
    ts: np.ndarray          # int64 seconds
    fingerprints: np.ndarray  # object (str)
    ips: np.ndarray         # object (str)
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    models: np.ndarray
    keys: np.ndarray


@dataclass
class World:
    """Rows of every file, filled by the population and the rings."""
    seed: int
    size: str
    accounts: list[dict] = field(default_factory=list)
    instruments: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    login_parts: list[tuple] = field(default_factory=list)
    exchange_parts: list[tuple] = field(default_factory=list)
    devices: dict[str, str] = field(default_factory=dict)  # device_id -> user_agent
    emails: set[str] = field(default_factory=set)
    _ids: set[str] = field(default_factory=set)

    def __post_init__(self):
        self.id_rng = component_rng(self.seed, "ids")
        self.net = AddressSpace(component_rng(self.seed, "address-space"))

    # -- identities -------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        while True:
            value = prefix + random_hex(self.id_rng, 1, 14)[0]
            if value not in self._ids:
                self._ids.add(value)
                return value

    def unique_email(self, rng: np.random.Generator, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        while email in self.emails:
            email = f"{local}{rng.integers(1, 1000)}@{domain}"
        self.emails.add(email)
        return email

    def add_account(self, created_at: int, email: str, country: str, *, display_name: str = "",
                    org_id: str = "", tier: str = "free", ring_id: str = "", role: str = "") -> str:
        account_id = self.new_id("acct_")
        self.accounts.append(dict(account_id=account_id, created_at=int(created_at), email=email,
                                  display_name=display_name, country=country, org_id=org_id, tier=tier))
        self.labels.append(dict(account_id=account_id, ring_id=ring_id, role=role))
        return account_id

    def new_device(self, user_agent: str) -> str:
        device_id = self.new_id("dev_")
        self.devices[device_id] = user_agent
        return device_id

    def new_instrument_id(self) -> str:
        return self.new_id("pi_")

    def add_instrument(self, account_id: str, instrument_id: str, kind: str, bin_: str, issuer_country: str,
                       first_seen: int, last_seen: int) -> None:
        self.instruments.append(dict(account_id=account_id, instrument_id=instrument_id, kind=kind, bin=bin_,
                                     issuer_country=issuer_country, first_seen=int(first_seen),
                                     last_seen=int(max(first_seen, last_seen))))

    # -- activity ---------------------------------------------------------
    def add_logins(self, account_id: str, ts: np.ndarray, ips: np.ndarray, devices: np.ndarray) -> None:
        n = len(ts)
        if n:
            self.login_parts.append((np.full(n, account_id, dtype=object), np.asarray(ts, np.int64),
                                     np.asarray(ips, dtype=object), np.asarray(devices, dtype=object)))

    def add_exchanges(self, account_id: str, t: Traffic) -> None:
        n = len(t.ts)
        if n:
            self.exchange_parts.append((np.full(n, account_id, dtype=object), t.ts, t.ips, t.keys, t.models,
                                        t.input_tokens, t.output_tokens, t.fingerprints))


def active_day_weights(rng: np.random.Generator, n_days: int, first_day: int = 0, weekday_bias: float = 1.0,
                       last_day: int = WINDOW_DAYS) -> np.ndarray:
    """Weights over the window's days: `n_days` active days chosen in [first_day, last_day)."""
    first_day = int(np.clip(first_day, 0, WINDOW_DAYS - 1))
    last_day = int(np.clip(last_day, first_day + 1, WINDOW_DAYS))
    days = np.arange(first_day, last_day)
    # 2026-09-07 is a Monday: days 5 and 6 of each week are the weekend.
    p = np.where(days % 7 >= 5, 1.0 / weekday_bias, 1.0)
    k = int(np.clip(n_days, 1, len(days)))
    chosen = rng.choice(days, size=k, replace=False, p=p / p.sum())
    w = np.zeros(WINDOW_DAYS)
    w[chosen] = rng.dirichlet(np.ones(k))
    return w


def sample_times(rng: np.random.Generator, n: int, day_weights: np.ndarray, hour_weights: np.ndarray,
                 not_before: int = 0) -> np.ndarray:
    """n timestamps: a day by `day_weights`, an hour by `hour_weights`, a uniform second."""
    days = rng.choice(WINDOW_DAYS, size=n, p=day_weights / day_weights.sum())
    hours = rng.choice(24, size=n, p=hour_weights)
    ts = WINDOW_START + days * DAY + hours * 3600 + rng.integers(0, 3600, n)
    return np.maximum(ts, not_before + 60).astype(np.int64)


def mixed_fingerprints(rng: np.random.Generator, n: int, parts: list[tuple[np.ndarray, np.ndarray, float]],
                       unique_share: float) -> np.ndarray:
    """Per-exchange template fingerprints from a mix of template sets.

    `parts` are (fingerprints, weights within the set, share of the exchanges); the
    remaining share (normalised together with `unique_share`) is one-off prompts,
    each its own fingerprint.
    """
    shares = np.array([s for _, _, s in parts] + [unique_share], dtype=float)
    shares = shares / shares.sum()
    which = rng.choice(len(shares), size=n, p=shares)
    out = np.empty(n, dtype=object)
    for i, (fps, w, _) in enumerate(parts):
        idx = np.flatnonzero(which == i)
        if len(idx):
            out[idx] = fps[rng.choice(len(fps), size=len(idx), p=w / w.sum())]
    idx = np.flatnonzero(which == len(parts))
    if len(idx):
        out[idx] = random_hex(rng, len(idx))
    return out


def zipf_weights(n: int, s: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def token_counts(rng: np.random.Generator, n: int, median: float, sigma: float, cap: int) -> np.ndarray:
    return np.clip(np.round(rng.lognormal(np.log(median), sigma, n)), 1, cap).astype(np.int64)


def make_traffic(rng: np.random.Generator, ts: np.ndarray, fingerprints: np.ndarray, ips: np.ndarray,
                 ip_weights: np.ndarray | None, *, in_median: float, out_median: float, sigma_in: float = 0.9,
                 sigma_out: float = 0.8, model_weights: np.ndarray | None = None, n_keys: int = 1,
                 key_prefix: str = "") -> Traffic:
    """Assemble per-exchange columns; addresses drawn by `ip_weights` when the array is not per exchange."""
    n = len(ts)
    ips = np.asarray(ips, dtype=object)
    if len(ips) != n or ip_weights is not None:
        w = np.ones(len(ips)) if ip_weights is None else ip_weights
        ips = ips[rng.choice(len(ips), size=n, p=w / w.sum())]
    mw = model_weights if model_weights is not None else rng.dirichlet([4, 3, 0.5, 1, 0.3])
    keys = np.array([f"key_{key_prefix}{i}" for i in range(n_keys)], dtype=object)
    return Traffic(
        ts=np.asarray(ts, np.int64), fingerprints=np.asarray(fingerprints, dtype=object), ips=ips,
        input_tokens=token_counts(rng, n, in_median, sigma_in, 120_000),
        output_tokens=token_counts(rng, n, out_median, sigma_out, 16_000),
        models=MODELS[rng.choice(len(MODELS), size=n, p=mw / mw.sum())],
        keys=keys[rng.integers(0, n_keys, n)],
    )


def person_name(rng: np.random.Generator) -> tuple[str, str]:
    return str(rng.choice(FIRST_NAMES)), str(rng.choice(LAST_NAMES))


def personal_email_local(rng: np.random.Generator, first: str, last: str) -> str:
    """How people name their own mailboxes; about a third carry digits (a birth year, a number)."""
    style = rng.integers(0, 6)
    local = [f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}_{last}", f"{last}.{first}",
             f"{first}{last[0]}"][style]
    r = rng.random()
    if r < 0.18:
        local += str(rng.integers(1960, 2008))
    elif r < 0.34:
        local += str(rng.integers(1, 100))
    return local
