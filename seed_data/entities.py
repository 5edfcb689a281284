"""Registries the population and the operators fill: accounts (a column store),
devices, payment instruments, prompt templates and hour-of-day profiles.

Accounts are built cohort by cohort in *blocks* of numpy columns, so even the
incident preset (1M+ accounts) is built with vectorised code, never a Python
object per account. Block order is cohort order; the writer shuffles accounts
before anything reaches a file, so position never reveals membership.
"""
from __future__ import annotations

import numpy as np

from .util import mix64, unique_random_ids

# cohorts (labels.csv `cohort`) -- legit ones are the confounders
COHORTS = ["individual", "household", "company", "service", "student", "power_user", "operator"]
# appended, never reordered: labels.csv and the committed demo world index into it
TRADECRAFTS = ["", "bulk", "careful", "hub_spoke", "small", "camouflage", "template_only", "front_org"]
# appended, never reordered (labels.csv indexes into it): `returning` marks an operator's
# fresh accounts after their ring was enforced (`ringscope seed --returning-rings`)
ROLES = ["legit", "operator", "hub", "spoke", "camouflage", "returning"]
MODELS = ["apex-2-large", "apex-2-medium", "apex-2-small", "apex-1.5-large"]
# per-profile probabilities over MODELS: mixed, cheap, frontier-heavy, frontier-only
MODEL_PROFILES = np.array([[.25, .45, .25, .05], [.05, .30, .65, 0], [.80, .12, .03, .05], [.96, .03, 0, .01]])

# numeric columns: name -> (dtype, default, width)
NUMERIC = {
    "cohort": (np.int8, 0, 1), "ring": (np.int32, -1, 1), "role": (np.int8, 0, 1), "tradecraft": (np.int8, 0, 1),
    "operator": (np.int32, -1, 1),
    "created": (np.int64, 0, 1),  # epoch seconds
    "end_day": (np.float32, 1e9, 1),  # last active day (rotated-out operator accounts stop early)
    "tz": (np.int16, 0, 1),  # minutes east of UTC
    "rate": (np.float64, 1.0, 1),  # exchanges per active day (before normalisation)
    "p_active": (np.float32, 0.3, 1),  # chance a day is active
    "weekend": (np.float32, 1.0, 1),  # weekend-day multiplier
    "day_sigma": (np.float32, 0.7, 1),  # day-to-day volume noise (lognormal sigma)
    "prof_ord": (np.int16, 0, 1), "prof_sys": (np.int16, 5, 1),
    "p_sys": (np.float32, 0.0, 1),  # share of systematic (scripted) exchanges
    "p_pub": (np.float32, 0.5, 1), "p_grp": (np.float32, 0.0, 1),
    "grp_off": (np.int64, 0, 1), "grp_len": (np.int32, 0, 1), "grp_skew": (np.float32, 2.0, 1),
    "n_own": (np.int8, 3, 1),
    "slot_pool": (np.int64, -1, 4), "slot_w": (np.float32, 0.0, 4),
    "dev": (np.int64, -1, 2), "dev_w": (np.float32, 0.0, 2),
    "n_keys": (np.int8, 1, 1), "model_prof": (np.int8, 0, 1), "out_factor": (np.float32, 1.0, 1),
    "login_rate": (np.float32, 0.25, 1),  # console sessions per active day
    # 1: scripted (systematic) exchanges follow the account's local, sessioned profile
    # like a person's instead of the flat or shift schedule in UTC (human-like operators)
    "human": (np.int8, 0, 1),
    # how `rate` is normalised: 0 with the operators (to the preset's operator total),
    # 1 with the legitimate population (human-like operators keep a legit volume),
    # 2 not at all (template-only rings: a fixed few exchanges per template)
    "rate_norm": (np.int8, 0, 1),
}
TEXT = ["email", "display_name", "country", "org_id", "tier"]


class Accounts:
    def __init__(self):
        self.blocks: list[dict] = []
        self.n = 0

    def new(self, n: int) -> dict:
        b = {"_base": self.n, "_n": n}
        for name, (dt, default, width) in NUMERIC.items():
            shape = (n,) if width == 1 else (n, width)
            b[name] = np.full(shape, default, dtype=dt)
        for name in TEXT:
            b[name] = np.full(n, "", dtype=object)
        self.blocks.append(b)
        self.n += n
        return b

    def finalize(self) -> dict:
        cols = {name: np.concatenate([b[name] for b in self.blocks]) for name in list(NUMERIC) + TEXT}
        self.blocks = []
        return cols


UA = {
    "desktop": [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.0.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    ],
    "mobile": [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36",
    ],
    # operators' VMs present ordinary Linux browsers: the UA string is not a giveaway
    "vm": [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    ],
}
UA_LIST = UA["desktop"] + UA["mobile"] + UA["vm"]
_UA_OFF = {"desktop": 0, "mobile": len(UA["desktop"]), "vm": len(UA["desktop"]) + len(UA["mobile"])}


class Devices:
    def __init__(self, rng):
        self.rng = rng
        self.ua: list[np.ndarray] = []
        self.n = 0

    def new(self, n: int, cls: str) -> np.ndarray:
        self.ua.append(_UA_OFF[cls] + self.rng.integers(0, len(UA[cls]), size=n))
        idx = np.arange(self.n, self.n + n, dtype=np.int64)
        self.n += n
        return idx

    def finalize(self, rng) -> tuple[np.ndarray, np.ndarray]:
        ids = unique_random_ids(rng, self.n, 16, "dev_")
        ua = np.concatenate(self.ua) if self.ua else np.empty(0, np.int64)
        return ids, np.array(UA_LIST, dtype=object)[ua]


# six-digit BINs; prepaid ranges are separate so `bin` means something to a detector
# that knows prepaid BINs, exactly as in reality
REGULAR_BINS = np.array([411111, 424242, 453201, 476173, 489537, 510510, 522222, 535353, 541333, 552233,
                         371449, 378282, 601100, 356600, 455673, 492181, 516732, 540105, 414720, 426684])
PREPAID_BINS = np.array([403446, 407124, 485246, 517805, 531106, 437737, 462239, 530133])
CORPORATE_BINS = np.array([556677, 485932, 558158, 471532, 379764])


class Instruments:
    def __init__(self, rng):
        self.rng = rng
        self.kind: list[np.ndarray] = []  # object arrays
        self.bin: list[np.ndarray] = []
        self.cc: list[np.ndarray] = []
        self.n = 0
        self.link_acct: list[np.ndarray] = []
        self.link_inst: list[np.ndarray] = []

    def new(self, n: int, kind: str, bins: np.ndarray | None, cc) -> np.ndarray:
        self.kind.append(np.full(n, kind, dtype=object))
        if bins is None:
            self.bin.append(np.full(n, "", dtype=object))
        else:
            self.bin.append(bins[self.rng.integers(0, len(bins), size=n)].astype(str).astype(object))
        self.cc.append(np.broadcast_to(np.asarray(cc, dtype=object), (n,)).copy())
        idx = np.arange(self.n, self.n + n, dtype=np.int64)
        self.n += n
        return idx

    def new_like(self, like: np.ndarray, cc) -> np.ndarray:
        """One new instrument per entry of `like` (existing instrument indices), of the
        same kind and BIN: an account's own card of the same character (prepaid stays
        prepaid) without sharing the card itself."""
        kinds, bins = np.concatenate(self.kind), np.concatenate(self.bin)
        n = len(like)
        self.kind.append(kinds[like].copy())
        self.bin.append(bins[like].copy())
        self.cc.append(np.broadcast_to(np.asarray(cc, dtype=object), (n,)).copy())
        idx = np.arange(self.n, self.n + n, dtype=np.int64)
        self.n += n
        return idx

    def unlink(self, acct_mask: np.ndarray) -> None:
        """Drop every link of the accounts where `acct_mask` (by build index) is set."""
        acct, inst = np.concatenate(self.link_acct), np.concatenate(self.link_inst)
        keep = ~acct_mask[acct]
        self.link_acct, self.link_inst = [acct[keep]], [inst[keep]]

    def link(self, acct: np.ndarray, inst: np.ndarray) -> None:
        self.link_acct.append(np.asarray(acct, np.int64))
        self.link_inst.append(np.asarray(inst, np.int64))


# template id space: [0, P) public; [GROUP, OWN) shared sets (company, course, operator);
# OWN + 16*account + k an account's own templates
GROUP = 1 << 40
OWN = 2 << 40
T_PUBLIC, T_INTERNAL, T_COURSE, T_CAPABILITY, T_OWN, T_MIMIC = range(6)
#: T_MIMIC templates (operators with human-like traffic) take the token sizes of a
#: legitimate template kind, chosen per template by hash with these shares (roughly
#: the legit exchange mix: public, own, internal, course), so their output lengths are
#: drawn from the legitimate population's distribution rather than run long
MIMIC_KINDS = np.array([T_PUBLIC, T_OWN, T_INTERNAL, T_COURSE])
MIMIC_CDF = np.cumsum([0.5, 0.3, 0.12, 0.08])


class Templates:
    def __init__(self, rng, n_public: int):
        self.rng = rng
        self.n_public = n_public
        # Zipf popularity: the top public templates are used by thousands of accounts
        w = 1.0 / np.arange(1, n_public + 1) ** 1.05
        self.public_cdf = np.cumsum(w) / w.sum()
        self.kinds: list[np.ndarray] = []
        self.n_group = 0
        self.sets: list[np.ndarray] = []
        self.n_set = 0

    def new_ids(self, n: int, kind: int) -> np.ndarray:
        self.kinds.append(np.full(n, kind, np.int8))
        ids = GROUP + np.arange(self.n_group, self.n_group + n, dtype=np.int64)
        self.n_group += n
        return ids

    def add_set(self, ids: np.ndarray) -> tuple[int, int]:
        off = self.n_set
        self.sets.append(np.asarray(ids, np.int64))
        self.n_set += len(ids)
        return off, len(ids)

    def finalize(self) -> None:
        self.kind_arr = np.concatenate(self.kinds) if self.kinds else np.empty(0, np.int8)
        self.set_arr = np.concatenate(self.sets) if self.sets else np.empty(0, np.int64)

    def kind_of(self, ids: np.ndarray) -> np.ndarray:
        k = np.full(len(ids), T_OWN, np.int8)
        k[ids < GROUP] = T_PUBLIC
        g = (ids >= GROUP) & (ids < OWN)
        k[g] = self.kind_arr[ids[g] - GROUP]
        return k

    def token_bases(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The template fixes most of an exchange's size: same template, similar tokens."""
        kind = self.kind_of(ids)
        h = mix64(ids, 11)
        mimic = kind == T_MIMIC
        if mimic.any():
            u = ((h[mimic] >> np.uint64(40)) & np.uint64(0xFFFF)).astype(np.float64) / 65536.0
            kind[mimic] = MIMIC_KINDS[np.searchsorted(MIMIC_CDF, u, side="right").clip(0, len(MIMIC_KINDS) - 1)]
        h1 = (h & np.uint64(0xFFFF)).astype(np.int64)
        h2 = ((h >> np.uint64(16)) & np.uint64(0xFFFF)).astype(np.int64)
        lo_in = np.array([20, 200, 80, 120, 15])[kind]
        sp_in = np.array([600, 2500, 800, 900, 1500])[kind]
        # capability-eliciting prompts ask for worked reasoning, so answers run long,
        # but legit own/internal templates reach the same lengths
        lo_out = np.array([80, 100, 150, 600, 40])[kind]
        sp_out = np.array([900, 1800, 900, 2200, 2200])[kind]
        return lo_in + h1 % sp_in, lo_out + h2 % sp_out


def hour_profiles() -> list[np.ndarray]:
    """Local-time hour-of-day weights; operators' schedules are appended per ring."""
    p = [
        [1, .6, .4, .3, .3, .4, .8, 1.5, 2, 2.3, 2.5, 2.6, 2.7, 2.6, 2.5, 2.5, 2.6, 2.8, 3.2, 3.6, 3.8, 3.5, 2.8, 1.8],
        [.2, .1, .1, .1, .1, .2, .5, 1.5, 4, 6, 6.5, 6, 4.5, 5.5, 6, 6, 5.5, 4, 2, 1.2, 1, .8, .6, .4],
        [2.5, 1.8, 1, .5, .3, .2, .3, .6, 1.5, 3, 3.5, 3.5, 3, 3.5, 4, 4, 3.8, 3.5, 3.5, 4, 4.5, 4.5, 4, 3.5],
        [4, 4, 3.5, 3, 2, 1, .5, .4, .5, .8, 1, 1.5, 2, 2, 2, 2, 2.2, 2.5, 3, 3.5, 4, 4.5, 4.5, 4.5],
        [3, 3, 3, 3, 3, 3, 3, 3.5, 4, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4, 3.5, 3, 3, 3, 3, 3],
        [1] * 24,
    ]
    return [np.array(x, float) for x in p]


P_PERSONAL, P_OFFICE, P_STUDENT, P_NIGHT, P_BATCH, P_FLAT = range(6)
