"""Activity streams: API exchanges and console logins, generated per chunk of
accounts with vectorised numpy and handed to a writer chunk by chunk, so memory
is bounded by the chunk, not the world.

Per chunk: a Poisson count for every (account, day) from the account's daily rate,
its chance of being active that day, a weekend factor and day-to-day noise; then
per exchange a time of day (a diurnal local-time session for people, a flat or
shift schedule in UTC for scripts), a prompt template, an address from one of the
account's address slots, a key, a model and token counts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import entities as E
from .util import _HEX, DAY, WINDOW_START_S, mix64, searchsorted_rows


@dataclass
class Streams:
    """What the activity generators need, flattened to arrays (build-index order)."""
    cols: dict
    acct_ids: pa.Array  # account_id strings, by build index
    ip_strings: pa.Array
    pool_off: np.ndarray
    pool_len: np.ndarray
    pool_members: np.ndarray
    tpl: E.Templates
    profile_cdf: np.ndarray
    days: int
    start_day: np.ndarray  # fractional day the account can first be active
    stop_day: np.ndarray  # fractional day it stops (window end or rotation)
    rate: np.ndarray  # normalised exchanges per active day
    ip_cdf: np.ndarray = None  # per-account cumulative address-slot weights
    dev_cdf: np.ndarray = None  # per-account cumulative device-slot weights

    def __post_init__(self):
        self.ip_cdf = slot_cdf(self.cols["slot_w"])
        self.dev_cdf = slot_cdf(self.cols["dev_w"])


def profile_cdf(profiles: list[np.ndarray]) -> np.ndarray:
    p = np.array(profiles, float)
    return np.cumsum(p / p.sum(1, keepdims=True), axis=1)


def normalise_rates(cols: dict, days: int, legit_mean: float, operator_total: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale daily rates so the expected totals match the preset: the shape (heavy
    tails, service accounts, tradecraft differences) stays, the volume is set."""
    start = np.maximum(cols["created"] - WINDOW_START_S, 0) / DAY
    stop = np.minimum(cols["end_day"].astype(np.float64), days)
    span = np.clip(stop - start, 0, None)
    wk = (5 + 2 * cols["weekend"]) / 7
    expected = cols["rate"] * cols["p_active"] * wk * span
    op = cols["ring"] >= 0
    rate = cols["rate"].copy()
    n_legit = int((~op).sum())
    legit_factor = legit_mean * n_legit / expected[~op].sum() if expected[~op].sum() > 0 else 1.0
    rate[~op] *= legit_factor
    # human-like operators keep the volume of the legit accounts they copied (rate_norm
    # 1); template-only rings set an absolute few exchanges per template (2)
    rate[op & (cols["rate_norm"] == 1)] *= legit_factor
    scripted = op & (cols["rate_norm"] == 0)
    if scripted.any() and expected[scripted].sum() > 0:
        # aim 3% high: rows that fall before sign-up or outside the window are dropped
        rate[scripted] *= operator_total * 1.03 / expected[scripted].sum()
    return start, stop, rate


def expected_rows(s: Streams) -> np.ndarray:
    wk = (5 + 2 * s.cols["weekend"]) / 7
    return s.rate * s.cols["p_active"] * wk * np.clip(s.stop_day - s.start_day, 0, None)


def chunks(order: np.ndarray, expected: np.ndarray, max_rows: float, max_accounts: int):
    """Split the output order into consecutive chunks of bounded expected size."""
    c = np.cumsum(expected[order])
    start, n = 0, len(order)
    while start < n:
        base = c[start - 1] if start else 0.0
        stop = int(np.searchsorted(c, base + max_rows, side="right"))
        stop = min(max(stop, start + 1), start + max_accounts, n)
        yield order[start:stop]
        start = stop


def hex_column(x: np.ndarray, prefix: str = "") -> pa.Array:
    """uint64 ids -> a fixed-width hex string column, built straight into Arrow buffers
    (no per-row Python strings; millions of rows per chunk)."""
    n, p = len(x), len(prefix)
    width = p + 16
    rows = np.empty((n, width), np.uint8)
    if p:
        rows[:, :p] = np.frombuffer(prefix.encode(), np.uint8)
    be = np.ascontiguousarray(np.asarray(x, np.uint64).astype(">u8")).view(np.uint8).reshape(n, 8)
    rows[:, p:] = _HEX[be].view(np.uint8).reshape(n, 16)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(rows))


EXCHANGE_SCHEMA = pa.schema([
    ("account_id", pa.string()),
    ("ts", pa.timestamp("us", tz="UTC")),
    ("ip", pa.string()),
    ("api_key_id", pa.string()),
    ("model", pa.string()),
    ("input_tokens", pa.int32()),
    ("output_tokens", pa.int32()),
    ("prompt_fingerprint", pa.string()),
])


def pick_slot(cdf_rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Slot index per row from that row's (K-slot) cumulative weights: K comparisons
    are far cheaper than a search when K is 2-4 and there are millions of rows."""
    return (u[:, None] >= cdf_rows[:, :-1]).sum(1)


def slot_cdf(w: np.ndarray) -> np.ndarray:
    w = w.astype(np.float64)
    return (np.cumsum(w, axis=1) / w.sum(1, keepdims=True)).astype(np.float32)


def _slot_ip(s: Streams, a: np.ndarray, u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    slot = pick_slot(s.ip_cdf[a], u1)
    pool = s.cols["slot_pool"][a, slot]
    member = s.pool_off[pool] + np.minimum((u2 * s.pool_len[pool]).astype(np.int64), s.pool_len[pool] - 1)
    return s.pool_members[member]


def exchange_chunk(s: Streams, acc: np.ndarray, rng: np.random.Generator) -> tuple[pa.RecordBatch, int] | None:
    """One chunk of exchanges, sorted by time, and how many of them are operators'."""
    c = s.cols
    m, D = len(acc), s.days
    d = np.arange(D)
    valid = (d[None, :] >= np.floor(s.start_day[acc])[:, None]) & (d[None, :] < s.stop_day[acc][:, None])
    active = rng.random((m, D)) < c["p_active"][acc][:, None]
    weekend = np.where((d % 7) >= 5, 1.0, 0.0)[None, :]
    wk = 1 + weekend * (c["weekend"][acc][:, None] - 1)
    sig = c["day_sigma"][acc].astype(np.float64)[:, None]
    noise = np.exp(rng.standard_normal((m, D)) * sig - sig * sig / 2)
    lam = s.rate[acc][:, None] * wk * noise * (valid & active)
    counts = rng.poisson(lam).ravel()
    pairs = np.flatnonzero(counts)
    if not len(pairs):
        return None
    pc = counts[pairs]
    p_i, p_d = pairs // D, pairs % D
    T = int(pc.sum())
    row_pair = np.repeat(np.arange(len(pairs)), pc)
    ri = p_i[row_pair]
    ra = acc[ri]
    rd = p_d[row_pair]

    # sessions: people work in 1-3 bursts a day at times drawn from their local profile
    n_sess = 1 + np.minimum(rng.poisson(pc / 8.0), 2)
    prof_ord = c["prof_ord"][acc[p_i]].astype(np.int64)
    anc_hour = searchsorted_rows(s.profile_cdf, np.repeat(prof_ord, 3), rng.random(len(pairs) * 3)).reshape(-1, 3)
    anchors = anc_hour * 3600 + rng.integers(0, 3600, (len(pairs), 3))
    anc_u1 = rng.random((len(pairs), 3))
    anc_u2 = rng.random((len(pairs), 3))
    k = np.minimum((rng.random(T) * n_sess[row_pair]).astype(np.int64), n_sess[row_pair] - 1)
    sysrow = rng.random(T) < c["p_sys"][ra]
    local = anchors[row_pair, k] + rng.exponential(600, T).astype(np.int64)
    t_ord = rd * DAY + local - c["tz"][ra].astype(np.int64) * 60
    sys_hour = searchsorted_rows(s.profile_cdf, c["prof_sys"][ra].astype(np.int64), rng.random(T))
    t_sys = rd * DAY + sys_hour * 3600 + rng.integers(0, 3600, T)
    # human-like operators send their scripted templates at a person's hours, in sessions
    t = np.where(sysrow & (c["human"][ra] == 0), t_sys, t_ord)
    keep = (t >= (s.start_day[ra] * DAY).astype(np.int64)) & (t < D * DAY)

    # prompt templates
    u = rng.random(T)
    v = rng.random(T)
    p_pub, p_grp = c["p_pub"][ra], c["p_grp"][ra]
    grp_len, n_own = c["grp_len"][ra], c["n_own"][ra].astype(np.int64)
    is_grp = sysrow | ((u >= p_pub) & (u < p_pub + p_grp) & (grp_len > 0))
    is_own = ~is_grp & (u >= p_pub) & (n_own > 0)
    tpl = np.searchsorted(s.tpl.public_cdf, rng.random(T)).astype(np.int64).clip(0, s.tpl.n_public - 1)
    g = np.flatnonzero(is_grp)
    gi = (grp_len[g] * v[g] ** c["grp_skew"][ra[g]]).astype(np.int64).clip(0, grp_len[g] - 1)
    tpl[g] = s.tpl.set_arr[c["grp_off"][ra[g]] + gi]
    o = np.flatnonzero(is_own)
    tpl[o] = E.OWN + ra[o] * 16 + np.minimum((n_own[o] * v[o] ** 1.5).astype(np.int64), n_own[o] - 1)

    # addresses: a person keeps one address per session; scripts rotate per request
    u1 = np.where(sysrow, rng.random(T), anc_u1[row_pair, k])
    u2 = np.where(sysrow, rng.random(T), anc_u2[row_pair, k])
    ip = _slot_ip(s, ra, u1, u2)

    key = ra * 8 + np.minimum((rng.random(T) * c["n_keys"][ra]).astype(np.int64), c["n_keys"][ra] - 1)
    model_cdf = np.cumsum(E.MODEL_PROFILES, axis=1)
    model = searchsorted_rows(model_cdf, c["model_prof"][ra].astype(np.int64), rng.random(T))
    base_in, base_out = s.tpl.token_bases(tpl)
    tin = np.maximum(1, base_in * rng.lognormal(0, 0.25, T)).astype(np.int32)
    tout = np.maximum(1, base_out * c["out_factor"][ra] * rng.lognormal(0, 0.45, T)).astype(np.int32)
    ts = (WINDOW_START_S + t) * 1_000_000 + rng.integers(0, 1000, T) * 1000

    sel = np.flatnonzero(keep)
    # stable: equal timestamps keep their draw order; the default sort's order of ties
    # depends on the numpy version and the CPU's SIMD sort, and the committed demo's
    # bytes differed on a fresh machine (20 of 196,876 rows)
    sel = sel[np.argsort(ts[sel], kind="stable")]
    ra, ts, ip, key, model, tin, tout, tpl = (x[sel] for x in (ra, ts, ip, key, model, tin, tout, tpl))
    n_op = int((c["ring"][ra] >= 0).sum())
    return pa.RecordBatch.from_arrays([
        s.acct_ids.take(pa.array(ra)),
        pa.array(ts, type=pa.timestamp("us", tz="UTC")),
        s.ip_strings.take(pa.array(ip)),
        hex_column(mix64(key, 5), "key_"),
        pa.array(E.MODELS).take(pa.array(model.astype(np.int32))),
        pa.array(tin), pa.array(tout),
        hex_column(mix64(tpl, 3)),
    ], schema=EXCHANGE_SCHEMA), n_op


LOGIN_SCHEMA = pa.schema([("account_id", pa.string()), ("ts", pa.string()), ("ip", pa.string()),
                          ("device_id", pa.string()), ("user_agent", pa.string())])


def login_chunk(s: Streams, acc: np.ndarray, rng: np.random.Generator, dev_ids: pa.Array, dev_ua: pa.Array) -> pa.RecordBatch | None:
    """Console sessions: one at sign-up when it falls in the window, then a few over
    the account's active days, from the same addresses and devices it uses."""
    from .util import arrow_strings, iso_seconds

    c = s.cols
    span = np.clip(s.stop_day[acc] - s.start_day[acc], 0, None)
    lam = c["login_rate"][acc] * span * np.maximum(c["p_active"][acc], 0.05)
    n = rng.poisson(lam)
    signup = (c["created"][acc] >= WINDOW_START_S) & (s.start_day[acc] < s.days)
    total = n + signup
    if not total.sum():
        return None
    ri = np.repeat(np.arange(len(acc)), total)
    ra = acc[ri]
    T = len(ra)
    first = np.zeros(T, bool)
    starts = np.concatenate([[0], np.cumsum(total)[:-1]])
    first[starts[signup & (total > 0)]] = True
    day = s.start_day[ra] + rng.random(T) * (np.minimum(s.stop_day[ra], s.days) - s.start_day[ra])
    day = np.floor(day)
    sysacct = (c["p_sys"][ra] > 0.9) & (c["human"][ra] == 0)
    prof = np.where(sysacct, c["prof_sys"][ra], c["prof_ord"][ra]).astype(np.int64)
    hour = searchsorted_rows(s.profile_cdf, prof, rng.random(T))
    tz = np.where(sysacct, 0, c["tz"][ra].astype(np.int64) * 60)
    t = WINDOW_START_S + (day * DAY).astype(np.int64) + hour * 3600 + rng.integers(0, 3600, T) - tz
    t = np.where(first, c["created"][ra] + rng.integers(20, 900, T), t)
    t = np.clip(t, np.maximum(c["created"][ra], WINDOW_START_S), WINDOW_START_S + s.days * DAY - 1)
    ip = _slot_ip(s, ra, rng.random(T), rng.random(T))
    dslot = pick_slot(s.dev_cdf[ra], rng.random(T))
    dev = c["dev"][ra, dslot]
    order = np.argsort(t, kind="stable")
    ra, t, ip, dev = ra[order], t[order], ip[order], dev[order]
    return pa.RecordBatch.from_arrays([
        s.acct_ids.take(pa.array(ra)), arrow_strings(iso_seconds(t)), s.ip_strings.take(pa.array(ip)),
        dev_ids.take(pa.array(dev)), dev_ua.take(pa.array(dev)),
    ], schema=LOGIN_SCHEMA)
