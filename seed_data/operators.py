"""Operator networks. Each ring is one row-set in labels.csv; rings belong to
*operators* (the people running them), and rings of one operator share part of
their capability-eliciting prompt templates.

Tradecraft, and the signal each leaves (or avoids):

- bulk: prepaid cards and VM fingerprints reused across many accounts, sign-up
  bursts, cloud and datacenter-proxy addresses, name+digits or plus-addressed mail.
- careful: nothing shared that identifies a person -- own card and device per
  account; only a residential-proxy pool, the template set, a shared work
  schedule and (in half of them) an e-mail pattern tie the ring together.
- hub_spoke: an org-looking front (company domain, org_id, corporate-looking card)
  whose hub account's card and laptop reach every spoke; spokes barely touch
  each other.
- small: 5-20 accounts, one shared card or device (or none), commercial VPN exits.
- camouflage: aged accounts with ordinary-looking usage mixed in, exits in
  residential and carrier address space that legitimate users also use.

Planned only when asked for (``--tradecrafts`` / ``--scenario``; issue 11's unseen worlds):

- template_only: nothing personal shared; each account sends a part of one private
  template set at a few exchanges per template, with unique prompts and popular
  public templates mixed in, sign-ups trickling over weeks, every request through
  another exit of a large residential-proxy pool that households also use.
- front_org: a front org declared on part of the ring, cards shared in pairs, one
  hosting address every account reaches (the hub), a shared template set.

Knobs over any mix: human-like traffic (volume, hours and output lengths drawn from
legitimate accounts') and own cards and devices (nothing shared inside a ring).

Usage for all: high, steady, around the clock (careful rings keep a shift),
systematic templates rotated uniformly, frontier models, long outputs.
"""
from __future__ import annotations

import numpy as np

from . import entities as E
from .netspace import COUNTRIES, COUNTRY_W
from .population import E_CC, World, unique_org_ids
from .util import DAY, WINDOW_START_S, unique_random_ids

MIX = {"bulk": 0.2, "careful": 0.2, "hub_spoke": 0.15, "small": 0.3, "camouflage": 0.15}
WEIGHT = {"bulk": 3.0, "careful": 1.2, "hub_spoke": 1.0, "camouflage": 1.5, "template_only": 1.5, "front_org": 1.5}
#: relative daily volume per account, before normalising to the preset's total
#: (template_only sets its own absolute volume: a few exchanges per template)
RATE = {"bulk": 1.1, "careful": 0.8, "hub_spoke": 1.0, "small": 1.3, "camouflage": 0.6, "template_only": 1.0,
        "front_org": 1.0}
#: console sessions per active day: set-up scripts log in rarely, the hub provisions spokes
LOGIN_RATE = {"bulk": 0.3, "careful": 0.15, "hub_spoke": 0.3, "small": 0.2, "camouflage": 0.3, "template_only": 0.25,
              "front_org": 0.3}


def plan_rings(rng, n_accounts: int, n_rings: int, mix: dict[str, float] = MIX) -> list[tuple[str, int]]:
    """Tradecraft and size of each ring; every tradecraft of `mix` appears once
    n_rings >= len(mix)."""
    kinds = list(mix)
    counts = {k: 0 for k in kinds}
    if n_rings >= len(kinds):
        for k in kinds:
            counts[k] = 1
    left = n_rings - sum(counts.values())
    share = np.array([mix[k] for k in kinds]) * left
    base = np.floor(share).astype(int)
    for i in np.argsort(-(share - base))[: left - base.sum()]:
        base[i] += 1
    for k, c in zip(kinds, base):
        counts[k] += int(c)
    plan: list[list] = []
    for k in kinds:
        for _ in range(counts[k]):
            plan.append([k, int(rng.integers(5, 21)) if k == "small" else 0])
    small_total = sum(s for _, s in plan)
    big = [p for p in plan if p[0] != "small"]
    if not big or small_total > n_accounts - 21 * len(big):
        # too few accounts for the plan: everything becomes a small ring, sizes shared out
        sizes = _split(rng, n_accounts, len(plan), 5)
        return [("small" if not big else k, int(s)) for (k, _), s in zip(plan, sizes)]
    rest = n_accounts - small_total
    wts = np.array([WEIGHT[k] for k, _ in big]) * rng.lognormal(0, 0.5, len(big))
    sizes = 21 + _apportion(rest - 21 * len(big), wts)
    for p, s in zip(big, sizes):
        p[1] = int(s)
    return [(k, s) for k, s in plan]


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    share = weights / weights.sum() * total
    out = np.floor(share).astype(int)
    for i in np.argsort(-(share - out))[: total - out.sum()]:
        out[i] += 1
    return out


def _split(rng, total, k, minimum):
    return minimum + _apportion(total - minimum * k, rng.uniform(0.5, 1.5, k))


def build_operators(w: World) -> dict:
    cfg, rng = w.cfg, w.rng
    mix = MIX if not cfg.tradecrafts else {k: 1 / len(cfg.tradecrafts) for k in dict.fromkeys(cfg.tradecrafts)}
    plan = plan_rings(rng, cfg.operator_accounts, cfg.rings, mix)
    # human-like operators' templates take legit token sizes (see entities.MIMIC_KINDS)
    t_kind = E.T_MIMIC if cfg.human_traffic else E.T_CAPABILITY
    order = rng.permutation(len(plan))  # ring ids carry no tradecraft order
    plan = [plan[i] for i in order]
    n_ops = max(1, len(plan) // 3)
    owner = rng.integers(0, n_ops, len(plan))
    owner[: min(n_ops, len(plan))] = np.arange(min(n_ops, len(plan)))  # every operator runs a ring
    op_templates = [w.tpl.new_ids(int(rng.integers(6, 20)), t_kind) for _ in range(n_ops)]
    ring_ids = unique_random_ids(rng, len(plan), 10, "ring_")
    op_ids = unique_random_ids(rng, n_ops, 8, "op_")
    builders = {"bulk": _bulk, "careful": _careful, "hub_spoke": _hub_spoke, "small": _small, "camouflage": _camouflage,
                "template_only": _template_only, "front_org": _front_org}
    for r, (kind, size) in enumerate(plan):
        # a template-only ring's private set is large: each account sends a part of it
        own = w.tpl.new_ids(int(rng.integers(8, 40) if kind != "template_only" else rng.integers(60, 160)), t_kind)
        shared = op_templates[owner[r]]
        shared = rng.choice(shared, size=max(1, int(len(shared) * rng.uniform(0.4, 1.0))), replace=False)
        # a few popular public prompts (benchmarks everybody runs) join the rotation
        popular = rng.integers(0, 20, int(rng.integers(0, 4)))
        off, ln = w.tpl.add_set(np.concatenate([own, shared, popular]))
        b = w.acc.new(size)
        b["cohort"][:] = E.COHORTS.index("operator")
        b["ring"][:] = r
        b["operator"][:] = owner[r]
        b["tradecraft"][:] = E.TRADECRAFTS.index(kind)
        b["role"][:] = E.ROLES.index("operator")
        b["grp_off"][:] = off
        b["grp_len"][:] = ln
        b["grp_skew"][:] = 1.0  # scripts rotate templates evenly
        b["p_grp"][:] = 0.0
        b["p_sys"][:] = 1.0
        b["p_pub"][:] = 0.5
        b["n_own"][:] = 0
        b["p_active"][:] = rng.uniform(0.93, 1.0, size)
        b["day_sigma"][:] = 0.12
        b["weekend"][:] = 1.0
        b["prof_sys"][:] = E.P_FLAT
        b["prof_ord"][:] = E.P_PERSONAL
        b["rate"][:] = RATE[kind] * rng.lognormal(0, 0.3, size)
        b["model_prof"][:] = rng.choice([2, 3], size=size, p=[.4, .6])
        b["out_factor"][:] = rng.lognormal(0.25, 0.2, size)
        b["n_keys"][:] = 1 + (rng.random(size) < 0.3)
        b["login_rate"][:] = LOGIN_RATE[kind]
        b["tier"][:] = np.where(rng.random(size) < 0.75, "build", "scale")
        claimed = rng.choice(len(COUNTRIES), size=int(rng.integers(1, 4)), replace=False, p=COUNTRY_W)
        cidx = claimed[rng.integers(0, len(claimed), size)]
        b["country"][:] = np.array(E_CC, dtype=object)[cidx]
        b["tz"][:] = w.tz_for(cidx)
        builders[kind](w, b, cidx)
    op_blocks = [b for b in w.acc.blocks if (b["ring"] >= 0).any()]
    if cfg.own_cards_devices:
        _own_cards_devices(w, op_blocks)
    if cfg.human_traffic:
        _human_traffic(w, op_blocks)
    returning = _returning(w, op_blocks, ring_ids, cfg.returning_rings) if cfg.returning_rings else []
    if returning:
        ring_ids = np.concatenate([np.asarray(ring_ids, dtype=object),
                                   np.array([f"{ring_ids[r]}_r" for r, *_ in returning], dtype=object)])
    return {"ring_ids": ring_ids, "operator_ids": op_ids, "plan": plan, "returning": returning}


def _returning(w: World, op_blocks: list[dict], ring_ids, k: int) -> list[tuple]:
    """Operators who come back (issue 16): for `k` rings drawn at random, the ring is
    enforced against on a day of the window (its accounts stop), and 2-5 days later its
    operator signs up fresh accounts (a third to two thirds of the old ring's size, at
    least 5) that reuse some of what the old ring had -- its cards, its devices (VM
    images, laptops), its private template set; each comeback reuses at least one of the
    three (none with `returning_reuse = "none"`), and addresses are always new (a fresh proxy pool). The new accounts copy the
    old ring's traffic shape and tradecraft, are labelled role `returning`, and form a
    ring of their own (`<old ring id>_r`) run by the same operator. Drawn after every
    other ring, so the rest of the world is the one the same seed gives without them.
    Returns (old ring index, new ring index, enforcement day, return day) per comeback."""
    rng, days = w.rng, w.cfg.days
    by_ring = {int(b["ring"][0]): b for b in op_blocks}
    chosen = sorted(rng.choice(sorted(by_ring), size=min(k, len(by_ring)), replace=False).tolist())
    acct_links, inst_links = np.concatenate(w.inst.link_acct), np.concatenate(w.inst.link_inst)
    out = []
    for n_new, r in enumerate(chosen):
        old = by_ring[r]
        idx = old["_base"] + np.arange(old["_n"])
        start = float(np.median(np.maximum(old["created"] - WINDOW_START_S, 0) / DAY))
        enforced = min(start + rng.uniform(0.2, 0.35) * days, days * 0.6)
        back = min(enforced + rng.uniform(2, 5), days - 4.0)
        # enforced at the start of a day: the ring's last active day is the one before
        # (its local-time sessions may run a few hours past midnight UTC)
        enforced = float(np.floor(min(enforced, back - 2)))
        old["end_day"][:] = np.minimum(old["end_day"], enforced)
        m = max(5, int(round(old["_n"] * rng.uniform(1 / 3, 2 / 3))))
        b = w.acc.new(m)
        donor = rng.integers(0, old["_n"], m)
        for name in ("cohort", "operator", "tradecraft", "rate", "p_active", "weekend", "day_sigma", "prof_ord",
                     "prof_sys", "p_sys", "p_pub", "p_grp", "grp_off", "grp_len", "grp_skew", "n_own", "n_keys",
                     "model_prof", "out_factor", "login_rate", "human", "rate_norm", "tz"):
            b[name][:] = old[name][donor]
        for name in ("country", "tier"):
            b[name][:] = old[name][donor]
        b["ring"][:] = len(by_ring) + n_new
        b["role"][:] = E.ROLES.index("returning")
        b["created"][:] = (WINDOW_START_S + back * DAY + np.sort(rng.random(m)) * 2 * DAY).astype(np.int64)
        b["email"][:] = _emails(w, m, str(rng.choice(["name_digits", "diverse"])))
        _names(w, b, 0.4)
        reuse = {"cards": rng.random() < 0.6, "devices": rng.random() < 0.5, "templates": rng.random() < 0.8}
        if not any(reuse.values()):
            reuse[str(rng.choice(list(reuse)))] = True
        if w.cfg.returning_reuse == "none":  # drawn all the same: the rest of the world stays the one "some" gives
            reuse = dict.fromkeys(reuse, False)
        new_idx = b["_base"] + np.arange(m)
        old_cards = np.unique(inst_links[np.isin(acct_links, idx)])
        if reuse["cards"] and len(old_cards):
            again = rng.random(m) < 0.6
            w.inst.link(new_idx[again], old_cards[rng.integers(0, len(old_cards), int(again.sum()))])
            w.own_cards(new_idx[~again], b["country"][~again], E.PREPAID_BINS)
        else:
            w.own_cards(new_idx, b["country"], E.PREPAID_BINS)
        old_devices = np.unique(old["dev"][old["dev"] >= 0])
        if reuse["devices"] and len(old_devices):
            again = rng.random(m) < 0.6
            b["dev"][again, 0] = old_devices[rng.integers(0, len(old_devices), int(again.sum()))]
            b["dev"][~again, 0] = w.dev.new(int((~again).sum()), "vm")
        else:
            b["dev"][:, 0] = w.dev.new(m, "vm")
        b["dev_w"][:, 0] = 1.0
        if not reuse["templates"]:
            # prompts rewritten: a fresh private set of the same size, nothing of the old one
            size = int(max(3, np.median(old["grp_len"])))
            fresh = w.tpl.new_ids(size, E.T_MIMIC if w.cfg.human_traffic else E.T_CAPABILITY)
            off, ln = w.tpl.add_set(fresh)
            b["grp_off"][:], b["grp_len"][:] = off, ln
        b["slot_pool"][:, 0] = w.net.resi_proxy_pool(int(np.clip(m * 3, 60, 1000)), reuse=0.3)
        b["slot_w"][:, 0] = 0.7
        b["slot_pool"][:, 1] = w.net.dc_proxy_pool(int(rng.integers(30, 150)))
        b["slot_w"][:, 1] = 0.3
        out.append((r, len(by_ring) + n_new, round(enforced, 2), round(back, 2), reuse))
    return out


def _own_cards_devices(w: World, op_blocks: list[dict]) -> None:
    """Nothing shared inside a ring: each account's cards become cards of its own (same
    kind and BIN, so a prepaid card stays prepaid) and each device slot a device of its
    own. What else ties the ring (addresses, templates, e-mails, sign-up times, an org)
    is left as the tradecraft made it."""
    n_total = w.acc.n
    is_op = np.zeros(n_total, bool)
    for b in op_blocks:
        is_op[b["_base"]: b["_base"] + b["_n"]] = True
    acct, inst = np.concatenate(w.inst.link_acct), np.concatenate(w.inst.link_inst)
    op_links = is_op[acct]
    acct, inst = acct[op_links], inst[op_links]
    country = np.concatenate([b["country"] for b in op_blocks])
    base_of = np.concatenate([b["_base"] + np.arange(b["_n"]) for b in op_blocks])
    cc_of = dict(zip(base_of.tolist(), country.tolist()))
    w.inst.unlink(is_op)
    new = w.inst.new_like(inst, np.array([cc_of[a] for a in acct.tolist()], dtype=object))
    w.inst.link(acct, new)
    for b in op_blocks:
        for k in range(b["dev"].shape[1]):
            used = b["dev"][:, k] >= 0
            b["dev"][used, k] = w.dev.new(int(used.sum()), "desktop" if k == 0 else "mobile")


#: legitimate cohorts human-like operators copy their traffic from (service accounts
#: are scripts, not people)
HUMAN_COHORTS = ("individual", "household", "company", "student", "power_user")
HUMAN_COLUMNS = ("rate", "p_active", "weekend", "day_sigma", "prof_ord", "out_factor", "model_prof", "n_keys")


def _human_traffic(w: World, op_blocks: list[dict]) -> None:
    """Each operator account copies the traffic shape of one active legitimate account
    drawn at random: daily volume (normalised with the legitimate population, not to
    the operator total), active-day chance, weekend and day-to-day noise, hour-of-day
    profile (in the operator's own time zone, in sessions), output-length factor and
    model mix. What it sends is still the ring's template set: only the traffic looks
    human, which is the point of the knob (issue 11: a behaviour veto is cheap to evade)."""
    rng = w.rng
    cohorts = [E.COHORTS.index(c) for c in HUMAN_COHORTS]
    legit = [b for b in w.acc.blocks if (b["ring"] < 0).all()]
    cols = {c: np.concatenate([b[c] for b in legit]) for c in HUMAN_COLUMNS + ("cohort",)}
    donors = np.flatnonzero(np.isin(cols["cohort"], cohorts) & (cols["p_active"] > 0))
    for b in op_blocks:
        pick = donors[rng.integers(0, len(donors), b["_n"])]
        for c in HUMAN_COLUMNS:
            b[c][:] = cols[c][pick]
        b["human"][:] = 1
        b["rate_norm"][:] = 1


def _emails(w: World, n: int, style: str) -> np.ndarray:
    rng = w.rng
    first, last = w.names(n)
    if style == "name_digits":
        doms = w.webmail(n, few=int(rng.integers(2, 4)))
        nums = rng.integers(10, 10_000, n)
        return np.array([f"{f}{l}{k}@{d}" for f, l, k, d in zip(first, last, nums, doms)], dtype=object)
    if style == "plus":
        bases = w.person_emails(first[: max(1, n // 25)], last[: max(1, n // 25)], w.webmail(max(1, n // 25), few=2))
        pick = rng.integers(0, len(bases), n)
        tags = rng.permutation(np.arange(1, 100 * n))[:n]
        return np.array([b.replace("@", f"+{t}@") for b, t in zip(bases[pick], tags)], dtype=object)
    if style == "sequential":
        stem = f"{rng.choice(first)}{rng.choice(['', '.', '_'])}{rng.choice(['dev', 'ai', 'lab', 'work', 'acc', 'team'])}"
        dom = w.webmail(1, few=3)[0]
        start = int(rng.integers(1, 200))
        seq = rng.permutation(np.arange(start, start + n))
        return np.array([f"{stem}{k:03d}@{dom}" for k in seq], dtype=object)
    # diverse: indistinguishable from the legit mix
    custom = rng.random(n) < 0.1
    doms = w.webmail(n)
    doms[custom] = [f"{l}.{rng.choice(['com', 'net', 'io'])}" for l in last[custom]]
    return w.person_emails(first, last, doms)


def _names(w: World, b: dict, p_empty: float) -> None:
    first, last = w.names(b["_n"])
    b["display_name"][:] = w.display_names(first, last, p_empty)


def _bulk(w: World, b: dict, cidx: np.ndarray) -> None:
    rng, n = w.rng, b["_n"]
    idx = b["_base"] + np.arange(n)
    days = w.cfg.days
    # sign-up bursts of 20-150 accounts within two hours, then 6-30 days of use before rotation
    n_bursts = max(1, int(np.ceil(n / rng.uniform(20, 150))))
    bursts = WINDOW_START_S + rng.integers(-20 * DAY, max(1, days - 4) * DAY, n_bursts)
    b["created"][:] = bursts[rng.integers(0, n_bursts, n)] + rng.integers(0, 7200, n)
    life = rng.uniform(6, 30, n)
    b["end_day"][:] = (b["created"] - WINDOW_START_S) / DAY + life
    b["email"][:] = _emails(w, n, "name_digits" if rng.random() < 0.7 else "plus")
    _names(w, b, 0.6)
    # a batch of prepaid cards, each carrying many accounts
    n_cards = max(1, int(np.ceil(n / rng.uniform(8, 30))))
    cards = w.inst.new(n_cards, "card", E.PREPAID_BINS, np.array(E_CC, dtype=object)[cidx[:n_cards] if n_cards <= n else cidx[0]])
    w.inst.link(idx, cards[rng.integers(0, n_cards, n)])
    second = rng.random(n) < 0.2
    w.inst.link(idx[second], cards[rng.integers(0, n_cards, int(second.sum()))])
    vms = w.dev.new(int(rng.integers(2, 7)), "vm")
    b["dev"][:, 0] = vms[rng.integers(0, len(vms), n)]
    b["dev_w"][:, 0] = 1.0
    two = rng.random(n) < 0.3
    b["dev"][two, 1] = vms[rng.integers(0, len(vms), int(two.sum()))]
    b["dev_w"][two, 1] = 0.5
    b["slot_pool"][:, 0] = w.net.cloud_dedicated(1, int(rng.integers(4, 20)))[0]
    b["slot_w"][:, 0] = 0.5
    b["slot_pool"][:, 1] = w.net.dc_proxy_pool(int(rng.integers(50, 300)))
    b["slot_w"][:, 1] = 0.4
    b["slot_pool"][:, 2] = w.net.cloud_nat(n)
    b["slot_w"][:, 2] = 0.1


def _careful(w: World, b: dict, cidx: np.ndarray) -> None:
    rng, n = w.rng, b["_n"]
    idx = b["_base"] + np.arange(n)
    # aged accounts, created one by one over months
    b["created"][:] = WINDOW_START_S - rng.integers(5 * DAY, 150 * DAY, n) + rng.integers(0, DAY, n)
    b["email"][:] = _emails(w, n, "sequential" if rng.random() < 0.5 else "diverse")
    _names(w, b, 0.3)
    w.own_cards(idx, b["country"], E.PREPAID_BINS if rng.random() < 0.3 else E.REGULAR_BINS)
    b["dev"][:, 0] = w.dev.new(n, "desktop")
    b["dev_w"][:, 0] = 1.0
    b["slot_pool"][:, 0] = w.net.resi_proxy_pool(int(np.clip(n * rng.uniform(1, 4), 60, 2000)), reuse=0.3)
    b["slot_w"][:, 0] = 0.85
    b["slot_pool"][:, 1] = w.net.vpn(n)
    b["slot_w"][:, 1] = 0.15
    # the ring works a shift: 14-20 busy hours a day, the same hours for every account
    start, length = int(rng.integers(0, 24)), int(rng.integers(14, 21))
    prof = np.full(24, 0.05)
    prof[(start + np.arange(length)) % 24] = 1.0
    w.profiles.append(prof)
    b["prof_sys"][:] = len(w.profiles) - 1
    b["rate"][:] *= 24 / length


def _behind_an_org(w: World, b: dict, hub: np.ndarray, *, in_org_share: float, other_emails: str) -> tuple[str, str]:
    """Hub and spokes of one company-looking org: one country and time zone, the org on
    the hub and on about `in_org_share` of the spokes (their e-mail on the company
    domain, the others' in the `other_emails` style), the hub on the enterprise tier.
    Returns (country, company domain). Draws from w.rng in one fixed order (worlds stay the same)."""
    rng, n = w.rng, b["_n"]
    b["role"][:] = np.where(hub, E.ROLES.index("hub"), E.ROLES.index("spoke"))
    dom = w.company_domain()
    org = unique_org_ids(rng, 1)[0]
    cc = b["country"][0]
    b["country"][:] = cc
    b["tz"][:] = b["tz"][0]
    in_org = hub | (rng.random(n) < in_org_share)
    b["org_id"][in_org] = org
    first, last = w.names(n)
    b["email"][:] = [f"{f}.{l}@{dom}" for f, l in zip(first, last)]
    b["email"][~in_org] = _emails(w, int((~in_org).sum()), other_emails)
    b["display_name"][:] = [f"{f.title()} {l.title()}" for f, l in zip(first, last)]
    b["tier"][hub] = "enterprise"
    return cc, dom


def _hub_spoke(w: World, b: dict, cidx: np.ndarray) -> None:
    rng, n = w.rng, b["_n"]
    idx = b["_base"] + np.arange(n)
    n_hub = 1 if n < 40 else 2
    hub = np.zeros(n, bool)
    hub[:n_hub] = True
    cc, dom = _behind_an_org(w, b, hub, in_org_share=0.7, other_emails="name_digits")
    t0 = WINDOW_START_S - rng.integers(30, 120) * DAY
    b["created"][:] = t0 + rng.integers(1, 40, n) * DAY + rng.integers(0, 4 * 3600, n)
    b["created"][hub] = t0
    b["rate"][hub] *= 0.15
    b["login_rate"][hub] = 1.0
    b["p_sys"][hub] = 0.5
    # the front's card pays for the hub and most spokes, like a corporate card would
    card = w.inst.new(1, "card", E.CORPORATE_BINS, cc)
    on_card = hub | (rng.random(n) < 0.6)
    w.inst.link(idx[on_card], np.repeat(card, int(on_card.sum())))
    w.own_cards(idx[~on_card], b["country"][~on_card], E.PREPAID_BINS)
    devs = w.dev.new(n, "desktop")
    b["dev"][:, 0] = devs
    b["dev_w"][:, 0] = 1.0
    b["dev"][~hub, 1] = devs[0]  # the hub's laptop provisions every spoke
    b["dev_w"][~hub, 1] = 0.6
    b["slot_pool"][hub, 0] = w.net.office(cc, dom.split(".")[0])
    b["slot_w"][hub, 0] = 1.0
    b["slot_pool"][~hub, 0] = w.net.cloud_dedicated(int((~hub).sum()), 1)
    b["slot_w"][~hub, 0] = 0.6
    b["slot_pool"][~hub, 1] = w.net.dc_proxy_pool(int(rng.integers(30, 150)))
    b["slot_w"][~hub, 1] = 0.4


def _small(w: World, b: dict, cidx: np.ndarray) -> None:
    rng, n = w.rng, b["_n"]
    idx = b["_base"] + np.arange(n)
    b["created"][:] = WINDOW_START_S + rng.integers(-30, max(1, w.cfg.days // 2)) * DAY + rng.integers(0, 3 * DAY, n)
    b["email"][:] = _emails(w, n, str(rng.choice(["name_digits", "sequential", "diverse"])))
    _names(w, b, 0.4)
    share = rng.choice(["card", "device", "none"])
    if share == "card":
        card = w.inst.new(1, "card", E.PREPAID_BINS, b["country"][0])
        w.inst.link(idx, np.repeat(card, n))
    else:
        w.own_cards(idx, b["country"], E.PREPAID_BINS)
    if share == "device":
        b["dev"][:, 0] = w.dev.new(1, "desktop")[0]
    else:
        b["dev"][:, 0] = w.dev.new(n, "desktop")
    b["dev_w"][:, 0] = 1.0
    b["slot_pool"][:, 0] = w.net.vpn(1)[0]
    b["slot_w"][:, 0] = 0.7
    b["slot_pool"][:, 1] = w.net.homes(cidx[:1], np.array([2]))[0]
    b["slot_w"][:, 1] = 0.3


def _camouflage(w: World, b: dict, cidx: np.ndarray) -> None:
    rng, n = w.rng, b["_n"]
    idx = b["_base"] + np.arange(n)
    b["role"][:] = E.ROLES.index("camouflage")
    b["created"][:] = w.created_before(n, max_days=600, within_share=0.0)
    b["email"][:] = _emails(w, n, "diverse")
    _names(w, b, 0.25)
    w.own_cards(idx, b["country"])
    b["dev"][:, 0] = w.dev.new(n, "desktop")
    b["dev_w"][:, 0] = 1.0
    ph = rng.random(n) < 0.5
    b["dev"][ph, 1] = w.dev.new(int(ph.sum()), "mobile")
    b["dev_w"][ph, 1] = 0.3
    # ordinary-looking share: public and own templates on a local-time, diurnal rhythm
    b["p_sys"][:] = rng.uniform(0.55, 0.8, n)
    b["p_pub"][:] = 0.7
    b["n_own"][:] = rng.integers(2, 6, n)
    b["model_prof"][:] = rng.choice([0, 2], size=n)
    b["slot_pool"][:, 0] = w.net.resi_proxy_pool(int(np.clip(n * 2, 40, 1500)), reuse=0.6)
    b["slot_w"][:, 0] = 0.6
    b["slot_pool"][:, 1] = w.net.mobile(cidx)
    b["slot_w"][:, 1] = 0.25
    b["slot_pool"][:, 2] = w.net.homes(cidx, np.ones(n, np.int64))
    b["slot_w"][:, 2] = 0.15


def _template_only(w: World, b: dict, cidx: np.ndarray) -> None:
    """Tied only by a private template set and a proxy pool (issue 11, failure 2)."""
    rng, n = w.rng, b["_n"]
    idx = b["_base"] + np.arange(n)
    days = w.cfg.days
    # sign-ups trickle over 3-8 weeks, mostly before the window, one at a time
    span = rng.uniform(21, 56) * DAY
    end = WINDOW_START_S + rng.uniform(0, 0.5) * days * DAY
    b["created"][:] = (end - span + np.sort(rng.random(n)) * span).astype(np.int64)
    b["email"][:] = _emails(w, n, "diverse")
    _names(w, b, 0.3)
    w.own_cards(idx, b["country"], E.PREPAID_BINS if rng.random() < 0.3 else E.REGULAR_BINS)
    w.personal_devices(b, 0.4)
    # each account sends its own part (25-60% by default: --template-share) of the ring's
    # private set, evenly
    ring_set = w.tpl.sets[-1]
    low, high = w.cfg.template_share
    k = np.maximum(3, (len(ring_set) * rng.uniform(low, high, n)).astype(np.int64))
    for i in range(n):
        off, ln = w.tpl.add_set(rng.choice(ring_set, size=int(k[i]), replace=False))
        b["grp_off"][i], b["grp_len"][i] = off, ln
    # camouflage: 10-25% of exchanges are the account's unique prompts or popular public ones
    b["p_sys"][:] = rng.uniform(0.75, 0.9, n)
    b["p_pub"][:] = 0.4
    b["n_own"][:] = rng.integers(2, 8, n)
    # a few exchanges per template over the window, at a person's hours and days
    b["p_active"][:] = rng.uniform(0.35, 0.9, n)
    b["day_sigma"][:] = 0.5
    b["prof_ord"][:] = rng.choice([E.P_PERSONAL, E.P_OFFICE, E.P_NIGHT], size=n, p=[.5, .35, .15])
    b["human"][:] = 1
    total = k * rng.uniform(2, 5, n) / b["p_sys"]
    active_span = np.maximum(days - np.maximum(b["created"] - WINDOW_START_S, 0) / DAY, 1)
    b["rate"][:] = total / (b["p_active"] * active_span)
    b["rate_norm"][:] = 2
    # every request through another exit of a large residential-proxy pool; half of
    # its exits are addresses legitimate households of this world also use
    b["slot_pool"][:, 0] = w.net.resi_proxy_pool(int(np.clip(n * 25, 800, 5000)), reuse=0.5)
    b["slot_w"][:, 0] = 1.0


def _front_org(w: World, b: dict, cidx: np.ndarray) -> None:
    """Hub-and-spoke behind a front org (issue 11, failure 3): the org is declared on
    part of the ring, cards are shared in pairs, every account reaches one hosting
    address (the hub), and all rotate one template set."""
    rng, n = w.rng, b["_n"]
    idx = b["_base"] + np.arange(n)
    hub = np.zeros(n, bool)
    hub[0] = True
    cc, _dom = _behind_an_org(w, b, hub, in_org_share=0.5, other_emails="diverse")
    t0 = WINDOW_START_S - int(rng.integers(20, 90)) * DAY
    b["created"][:] = t0 + rng.integers(0, 60, n) * DAY + rng.integers(0, DAY, n)
    b["created"][hub] = t0
    # cards shared in pairs, like a company's cards issued per team of two
    pairs = rng.permutation(n) // 2
    cards = w.inst.new(int(pairs.max()) + 1, "card", E.CORPORATE_BINS, cc)
    w.inst.link(idx, cards[pairs])
    w.personal_devices(b, 0.3)
    # one hosting address every account goes through (the hub); otherwise each account's
    # own cloud VM and its operator's home line: no proxy list ties the spokes together
    b["slot_pool"][:, 0] = w.net.cloud_dedicated(1, 1)[0]
    b["slot_w"][:, 0] = 0.3
    b["slot_pool"][:, 1] = w.net.cloud_dedicated(n, 1)
    b["slot_w"][:, 1] = 0.5
    b["slot_pool"][:, 2] = w.net.homes(np.full(n, cidx[0]), np.ones(n, np.int64))
    b["slot_w"][:, 2] = 0.2
