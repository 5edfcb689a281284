"""The legitimate population, built cohort by cohort, each cohort carrying one of
the confounders that make naive linking fail:

- households share a home IP and often a card or a family computer;
- company teams share a corporate card, office NAT addresses and internal prompt
  templates, are onboarded in bursts, some run on one managed laptop image, and
  some own very-high-volume, round-the-clock service accounts;
- students share a campus NAT and course templates and sign up in a burst;
- everybody's phone sits behind carrier CGNAT, some use VPNs or cloud egress;
- everybody draws from Zipf-popular public templates;
- power users are single accounts with very high, scripted-looking volume.

All cohorts are vectorised: group-level arrays indexed by a member->group map.
"""
from __future__ import annotations

import numpy as np

from . import entities as E
from .netspace import COUNTRIES, COUNTRY_W, NetSpace
from .util import DAY, FIRST_NAMES, LAST_NAMES, TLDS, WEBMAIL, WINDOW_START_S, WORDS_A, WORDS_B


class World:
    """Everything the generators share while building one world."""

    def __init__(self, cfg, rng: np.random.Generator):
        self.cfg = cfg
        self.rng = rng
        self.acc = E.Accounts()
        self.net = NetSpace(rng, cfg.legit_accounts)
        self.dev = E.Devices(rng)
        self.inst = E.Instruments(rng)
        n_public = int(np.clip(cfg.legit_accounts / 120, 300, 8000))
        self.tpl = E.Templates(rng, n_public)
        self.profiles = E.hour_profiles()
        self.end_s = WINDOW_START_S + cfg.days * DAY
        self.used_domains: set[str] = set()

    # ---- shared helpers ------------------------------------------------------------
    def countries(self, n: int) -> np.ndarray:
        return self.rng.choice(len(COUNTRIES), size=n, p=COUNTRY_W)

    def tz_for(self, cidx: np.ndarray) -> np.ndarray:
        u = self.rng.random(len(cidx))
        out = np.empty(len(cidx), np.int16)
        for i, (_, _, tzs) in enumerate(COUNTRIES):
            m = cidx == i
            out[m] = np.array(tzs)[(u[m] * len(tzs)).astype(int)]
        return out

    def names(self, n: int, last: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
        if last is None:
            last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
        return first, last

    def display_names(self, first, last, p_empty=0.25) -> np.ndarray:
        u = self.rng.random(len(first))
        out = np.empty(len(first), dtype=object)
        for i, (f, l, x) in enumerate(zip(first, last, u.tolist())):
            if x < p_empty:
                out[i] = ""
            elif x < p_empty + 0.55:
                out[i] = f"{f.title()} {l.title()}"
            elif x < p_empty + 0.65:
                out[i] = f.title()
            else:
                out[i] = f"{f}_{l}"
        return out

    def webmail(self, n: int, few: int | None = None) -> np.ndarray:
        doms = np.array([d for d, _ in WEBMAIL], dtype=object)
        w = np.array([x for _, x in WEBMAIL], float)
        if few:  # a ring's handful of providers
            keep = self.rng.choice(len(doms), size=few, replace=False, p=w / w.sum())
            doms, w = doms[keep], w[keep]
        return doms[self.rng.choice(len(doms), size=n, p=w / w.sum())]

    def company_domain(self) -> str:
        rng = self.rng
        while True:
            d = f"{rng.choice(WORDS_A)}{rng.choice(['', '-'])}{rng.choice(WORDS_B)}.{rng.choice(TLDS)}"
            if d not in self.used_domains:
                self.used_domains.add(d)
                return d

    def person_emails(self, first, last, domains, digits_share=0.2) -> np.ndarray:
        """The many shapes of real addresses. A share carry digits, as operators'
        name+digits addresses do, so digits alone prove nothing."""
        rng = self.rng
        n = len(first)
        style = rng.choice(7, size=n, p=[.28, .14, .12, .08, digits_share, .1, .08 - (digits_share - .2)])
        num = rng.integers(1, 10_000, size=n)
        yy = rng.integers(60, 106, size=n) % 100
        word = np.array(WORDS_A, dtype=object)[rng.integers(0, len(WORDS_A), n)]
        out = np.empty(n, dtype=object)
        for i in range(n):
            f, l, s = first[i], last[i], style[i]
            if s == 0:
                loc = f"{f}.{l}"
            elif s == 1:
                loc = f"{f}{l}"
            elif s == 2:
                loc = f"{f[0]}{l}"
            elif s == 3:
                loc = f"{f}_{l}"
            elif s == 4:
                loc = f"{f}{l}{num[i]}"
            elif s == 5:
                loc = f"{word[i]}{f}{num[i] % 100}"
            else:
                loc = f"{f}{yy[i]:02d}"
            out[i] = f"{loc}@{domains[i]}"
        return out

    def created_before(self, n: int, max_days: float = 730, within_share: float = 0.12) -> np.ndarray:
        """Account ages: most accounts predate the window (skewed to recent); some
        sign up during it."""
        rng = self.rng
        before = WINDOW_START_S - (max_days * rng.random(n) ** 1.7 * DAY).astype(np.int64) - rng.integers(0, DAY, n)
        within = WINDOW_START_S + (rng.random(n) * (self.cfg.days - 1) * DAY).astype(np.int64)
        return np.where(rng.random(n) < within_share, within, before)

    def own_cards(self, acct_idx: np.ndarray, cc: np.ndarray, bins=E.REGULAR_BINS) -> None:
        inst = self.inst.new(len(acct_idx), "card", bins, cc)
        self.inst.link(acct_idx, inst)

    def person_common(self, b: dict, cidx: np.ndarray) -> None:
        """Defaults shared by every human legit account."""
        rng, n = self.rng, b["_n"]
        b["country"][:] = np.array(E_CC, dtype=object)[cidx]
        b["tz"][:] = self.tz_for(cidx)
        b["rate"][:] = rng.lognormal(np.log(4), 1.1, n)
        b["p_active"][:] = rng.beta(1.3, 3.0, n) * (rng.random(n) > 0.22)  # ~22% dormant in the window
        b["prof_ord"][:] = rng.choice([E.P_PERSONAL, E.P_OFFICE, E.P_NIGHT], size=n, p=[.6, .3, .1])
        b["p_pub"][:] = rng.beta(3, 3, n)
        b["n_own"][:] = rng.integers(1, 7, n)
        b["model_prof"][:] = rng.choice(3, size=n, p=[.6, .3, .1])
        b["out_factor"][:] = rng.lognormal(0, 0.3, n)
        b["n_keys"][:] = 1 + (rng.random(n) < 0.2)
        b["tier"][:] = np.array(["free", "build", "scale"], dtype=object)[rng.choice(3, size=n, p=[.55, .4, .05])]

    def extra_slots(self, b: dict, cidx: np.ndarray, start_slot: int = 1) -> None:
        """Phones behind CGNAT (half of users), VPN (8%), cloud egress (5%)."""
        rng, n = self.rng, b["_n"]
        s = start_slot
        mob = rng.random(n) < 0.5
        b["slot_pool"][mob, s] = self.net.mobile(cidx[mob])
        b["slot_w"][mob, s] = rng.uniform(0.05, 0.4, int(mob.sum()))
        if s + 1 < 4:
            vpn = rng.random(n) < 0.08
            b["slot_pool"][vpn, s + 1] = self.net.vpn(int(vpn.sum()))
            b["slot_w"][vpn, s + 1] = rng.uniform(0.2, 0.9, int(vpn.sum()))
        if s + 2 < 4:
            cl = rng.random(n) < 0.05
            b["slot_pool"][cl, s + 2] = self.net.cloud_nat(int(cl.sum()))
            b["slot_w"][cl, s + 2] = rng.uniform(0.1, 0.5, int(cl.sum()))

    def personal_devices(self, b: dict, phone_share=0.45) -> None:
        rng, n = self.rng, b["_n"]
        b["dev"][:, 0] = self.dev.new(n, "desktop")
        b["dev_w"][:, 0] = 1.0
        ph = rng.random(n) < phone_share
        b["dev"][ph, 1] = self.dev.new(int(ph.sum()), "mobile")
        b["dev_w"][ph, 1] = rng.uniform(0.1, 0.6, int(ph.sum()))


E_CC = [c for c, _, _ in COUNTRIES]


def build_legit(w: World) -> None:
    cfg, rng = w.cfg, w.rng
    L = cfg.legit_accounts
    n_company = int(L * 0.15)
    n_student = int(L * 0.09)
    n_household = int(L * 0.20)
    n_power = max(5, int(L * 0.003))
    n_service = build_companies(w, n_company)
    build_students(w, n_student)
    n_household = build_households(w, n_household)
    build_power_users(w, n_power)
    build_individuals(w, L - n_company - n_service - n_student - n_household - n_power)


def _sizes(rng, total: int, draw) -> np.ndarray:
    """Group sizes from `draw(k)` that add up exactly to `total`."""
    sizes = []
    left = total
    while left > 0:
        s = draw(max(8, left // 10))
        cs = np.cumsum(s)
        k = np.searchsorted(cs, left)
        if k < len(s):
            s = s[: k + 1].copy()
            s[-1] -= cs[k] - left
            s = s[s > 0]
            sizes.append(s)
            break
        sizes.append(s)
        left -= int(cs[-1])
    return np.concatenate(sizes).astype(np.int64)


def build_companies(w: World, n_emp: int) -> int:
    rng = w.rng
    sizes = _sizes(rng, n_emp, lambda k: np.clip(rng.lognormal(np.log(9), 0.9, k), 2, 90).astype(np.int64))
    C = len(sizes)
    comp = np.repeat(np.arange(C), sizes)
    ccidx = w.countries(C)
    domains = np.array([w.company_domain() for _ in range(C)], dtype=object)
    orgs = unique_org_ids(rng, C)
    office = np.array([w.net.office(E_CC[ccidx[c]], domains[c].split(".")[0]) for c in range(C)], np.int64)
    tz_c = w.tz_for(ccidx)
    # onboarding in bursts: the whole team within a day or two, sometimes a second wave
    burst = w.created_before(C, max_days=500, within_share=0.1)
    wave2 = rng.random(C) < 0.35
    tier_c = np.array(["build", "scale", "enterprise"], dtype=object)[rng.choice(3, size=C, p=[.2, .5, .3])]
    # internal prompt templates, shared by the team
    sets = []
    for c in range(C):
        sets.append(w.tpl.add_set(w.tpl.new_ids(int(rng.integers(3, 30)), E.T_INTERNAL)))
    sets = np.array(sets, np.int64)
    corp_card_c = rng.random(C) < 0.9
    cards = w.inst.new(C, "card", E.CORPORATE_BINS, np.array(E_CC, dtype=object)[ccidx])
    image = rng.random(C) < 0.3  # managed laptop image: one fingerprint for many employees
    image_dev = w.dev.new(C, "desktop")

    b = w.acc.new(n_emp)
    base = b["_base"]
    idx = base + np.arange(n_emp)
    w.person_common(b, ccidx[comp])
    b["cohort"][:] = E.COHORTS.index("company")
    b["tz"][:] = tz_c[comp]
    b["org_id"][:] = orgs[comp]
    b["tier"][:] = tier_c[comp]
    late = wave2[comp] & (rng.random(n_emp) < 0.4)
    b["created"][:] = burst[comp] + rng.exponential(3 * 3600, n_emp).astype(np.int64) + late * rng.integers(20, 90, n_emp) * DAY
    b["rate"][:] = rng.lognormal(np.log(6), 1.0, n_emp)
    b["p_active"][:] = rng.beta(3, 2, n_emp) * (rng.random(n_emp) > 0.1)
    b["weekend"][:] = 0.15
    b["prof_ord"][:] = np.where(rng.random(n_emp) < 0.8, E.P_OFFICE, E.P_PERSONAL)
    b["p_grp"][:] = rng.uniform(0.25, 0.65, n_emp)
    b["p_pub"][:] = rng.uniform(0.2, 0.5, n_emp)
    b["grp_off"][:] = sets[comp, 0]
    b["grp_len"][:] = sets[comp, 1]
    first, last = w.names(n_emp)
    b["email"][:] = [f"{f}.{l}@{d}" if u < .7 else f"{f[0]}{l}@{d}" for f, l, d, u in
                     zip(first, last, domains[comp], rng.random(n_emp))]
    b["display_name"][:] = [f"{f.title()} {l.title()}" for f, l in zip(first, last)]
    b["slot_pool"][:, 0] = office[comp]
    b["slot_w"][:, 0] = rng.uniform(0.4, 0.8, n_emp)
    b["slot_pool"][:, 1] = w.net.homes(ccidx[comp], rng.integers(1, 3, n_emp))
    b["slot_w"][:, 1] = rng.uniform(0.1, 0.4, n_emp)
    mob = rng.random(n_emp) < 0.4
    b["slot_pool"][mob, 2] = w.net.mobile(ccidx[comp][mob])
    b["slot_w"][mob, 2] = 0.1
    dev_ops = rng.random(n_emp) < 0.2  # engineers calling the API from cloud workloads
    b["slot_pool"][dev_ops, 3] = w.net.cloud_nat(int(dev_ops.sum()))
    b["slot_w"][dev_ops, 3] = rng.uniform(0.1, 0.4, int(dev_ops.sum()))
    w.personal_devices(b, 0.4)
    on_image = image[comp] & (rng.random(n_emp) < 0.6)
    b["dev"][on_image, 0] = image_dev[comp[on_image]]
    corp = corp_card_c[comp]
    w.inst.link(idx[corp], cards[comp[corp]])
    w.own_cards(idx[~corp], b["country"][~corp])

    # service accounts: very high volume, around the clock, internal templates, cloud egress
    has_svc = rng.random(C) < 0.12
    has_svc[rng.choice(C, size=min(C, 3), replace=False)] = True  # even a tiny world has some
    n_svc_c = np.where(has_svc, rng.integers(1, 4, C), 0)
    n_svc = int(n_svc_c.sum())
    if n_svc:
        sc = np.repeat(np.arange(C), n_svc_c)
        s = w.acc.new(n_svc)
        sidx = s["_base"] + np.arange(n_svc)
        w.person_common(s, ccidx[sc])
        s["cohort"][:] = E.COHORTS.index("service")
        s["tz"][:] = tz_c[sc]
        s["org_id"][:] = orgs[sc]
        s["tier"][:] = "enterprise"
        s["created"][:] = burst[sc] + rng.integers(1, 120, n_svc) * DAY
        s["rate"][:] = rng.lognormal(np.log(900), 0.7, n_svc)
        s["p_active"][:] = rng.uniform(0.85, 1.0, n_svc)
        s["weekend"][:] = rng.uniform(0.6, 1.0, n_svc)
        s["day_sigma"][:] = 0.25
        s["prof_ord"][:] = E.P_BATCH
        s["p_pub"][:] = 0.03
        s["p_grp"][:] = 0.9
        s["grp_off"][:] = sets[sc, 0]
        s["grp_len"][:] = sets[sc, 1]
        s["grp_skew"][:] = 1.0
        s["n_keys"][:] = rng.integers(2, 6, n_svc)
        s["model_prof"][:] = rng.choice(3, size=n_svc, p=[.3, .6, .1])
        s["login_rate"][:] = 0.02
        jobs = np.array(["pipeline", "batch", "etl", "support-bot", "eval", "indexer", "tagger"], dtype=object)
        job = jobs[rng.integers(0, len(jobs), n_svc)]
        s["email"][:] = [f"svc-{j}{'' if u < .5 else k}@{domains[c]}" for j, c, k, u in
                         zip(job, sc, rng.integers(1, 9, n_svc), rng.random(n_svc))]
        s["display_name"][:] = [f"{j.replace('-', ' ').title()} Service" for j in job]
        s["slot_pool"][:, 0] = w.net.cloud_nat(n_svc)
        s["slot_w"][:, 0] = 0.5
        s["slot_pool"][:, 1] = w.net.cloud_dedicated(n_svc, 2)
        s["slot_w"][:, 1] = 0.5
        s["slot_pool"][:, 2] = office[sc]
        s["slot_w"][:, 2] = 0.05
        # an engineer's laptop sets the service account up
        s["dev"][:, 0] = w.dev.new(n_svc, "desktop")
        s["dev_w"][:, 0] = 1.0
        w.inst.link(sidx, cards[sc])
    return n_svc


def unique_org_ids(rng, n: int) -> np.ndarray:
    from .util import unique_random_ids
    return unique_random_ids(rng, n, 10, "org_").astype(object)


def build_students(w: World, n: int) -> None:
    rng = w.rng
    sizes = _sizes(rng, n, lambda k: np.clip(rng.lognormal(np.log(40), 0.7, k), 8, 300).astype(np.int64))
    K = len(sizes)
    n_campus = max(2, int(np.ceil(K / 6)))
    campus_cc = w.countries(n_campus)
    campus_dom = []
    campus_pool = []
    for u in range(n_campus):
        word = str(rng.choice(WORDS_A))
        dom = f"{word}{rng.choice(['', 'state', 'tech'])}.edu"
        while dom in w.used_domains:
            dom = f"{word}{int(rng.integers(2, 99))}.edu"
        w.used_domains.add(dom)
        campus_dom.append(dom)
        campus_pool.append(w.net.campus(E_CC[campus_cc[u]], f"University of {word.title()}"))
    campus_dom = np.array(campus_dom, dtype=object)
    campus_pool = np.array(campus_pool, np.int64)
    course_campus = rng.integers(0, n_campus, K)
    course_sets = np.array([w.tpl.add_set(w.tpl.new_ids(int(rng.integers(2, 11)), E.T_COURSE)) for _ in range(K)])
    # a course signs up in the first days of term
    course_start = WINDOW_START_S + rng.integers(-60, max(1, w.cfg.days - 3), K) * DAY
    course = np.repeat(np.arange(K), sizes)
    cam = course_campus[course]
    cidx = campus_cc[cam]

    b = w.acc.new(n)
    idx = b["_base"] + np.arange(n)
    w.person_common(b, cidx)
    b["cohort"][:] = E.COHORTS.index("student")
    b["tz"][:] = w.tz_for(cidx)
    b["created"][:] = course_start[course] + rng.exponential(0.8 * DAY, n).astype(np.int64)
    b["tier"][:] = np.where(rng.random(n) < 0.8, "free", "build")
    b["prof_ord"][:] = E.P_STUDENT
    b["weekend"][:] = 0.6
    b["p_active"][:] = rng.beta(2, 3, n)
    b["p_grp"][:] = rng.uniform(0.3, 0.7, n)
    b["p_pub"][:] = rng.uniform(0.3, 0.6, n)
    b["grp_off"][:] = course_sets[course, 0]
    b["grp_len"][:] = course_sets[course, 1]
    b["grp_skew"][:] = 1.5
    first, last = w.names(n)
    nums = rng.integers(1, 1000, n)
    b["email"][:] = [f"{f[0]}{l}{k}@{campus_dom[c]}" if u < .6 else f"{f}.{l}@{campus_dom[c]}"
                     for f, l, k, c, u in zip(first, last, nums, cam, rng.random(n))]
    b["display_name"][:] = w.display_names(first, last, 0.2)
    b["slot_pool"][:, 0] = campus_pool[cam]
    b["slot_w"][:, 0] = rng.uniform(0.4, 0.8, n)
    b["slot_pool"][:, 1] = w.net.homes(cidx, np.ones(n, np.int64))
    b["slot_w"][:, 1] = rng.uniform(0.1, 0.3, n)
    mob = rng.random(n) < 0.6
    b["slot_pool"][mob, 2] = w.net.mobile(cidx[mob])
    b["slot_w"][mob, 2] = rng.uniform(0.1, 0.3, int(mob.sum()))
    nb = rng.random(n) < 0.15  # hosted notebooks: a few egress addresses for every tenant
    b["slot_pool"][nb, 3] = w.net.cloud_nat(int(nb.sum()))
    b["slot_w"][nb, 3] = rng.uniform(0.1, 0.5, int(nb.sum()))
    w.personal_devices(b, 0.6)
    paid = rng.random(n) < 0.3
    w.own_cards(idx[paid], b["country"][paid])


def build_households(w: World, n: int) -> int:
    rng = w.rng
    sizes = _sizes(rng, n, lambda k: rng.choice([2, 3, 4, 5], size=k, p=[.45, .3, .15, .1]))
    H = len(sizes)
    hh = np.repeat(np.arange(H), sizes)
    hcc = w.countries(H)
    home = w.net.homes(hcc, rng.integers(1, 3, H))
    family_dev = w.dev.new(H, "desktop")
    share_dev = rng.random(H) < 0.4
    share_card = rng.random(H) < 0.6
    cards = w.inst.new(H, "card", E.REGULAR_BINS, np.array(E_CC, dtype=object)[hcc])
    hlast = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), H)]

    b = w.acc.new(n)
    idx = b["_base"] + np.arange(n)
    cidx = hcc[hh]
    w.person_common(b, cidx)
    b["cohort"][:] = E.COHORTS.index("household")
    b["created"][:] = w.created_before(n)
    first, last = w.names(n, hlast[hh])
    b["email"][:] = w.person_emails(first, last, w.webmail(n))
    b["display_name"][:] = w.display_names(first, last)
    b["slot_pool"][:, 0] = home[hh]
    b["slot_w"][:, 0] = 1.0
    w.extra_slots(b, cidx)
    w.personal_devices(b, 0.5)
    sd = share_dev[hh]
    b["dev"][sd, 0] = family_dev[hh[sd]]  # the family computer
    sc = share_card[hh]
    w.inst.link(idx[sc], cards[hh[sc]])
    own = ~sc & (rng.random(n) < 0.6)
    w.own_cards(idx[own], b["country"][own])
    return n


def build_power_users(w: World, n: int) -> None:
    """Single legitimate accounts of very high volume: researchers running eval
    harnesses overnight from cloud machines. The hardest false positives."""
    rng = w.rng
    b = w.acc.new(n)
    idx = b["_base"] + np.arange(n)
    cidx = w.countries(n)
    w.person_common(b, cidx)
    b["cohort"][:] = E.COHORTS.index("power_user")
    b["created"][:] = w.created_before(n, within_share=0.03)
    b["rate"][:] = rng.lognormal(np.log(250), 0.6, n)
    b["p_active"][:] = rng.uniform(0.6, 1.0, n)
    b["day_sigma"][:] = 0.4
    b["prof_ord"][:] = rng.choice([E.P_NIGHT, E.P_BATCH], size=n)
    b["p_pub"][:] = 0.1
    b["n_own"][:] = rng.integers(6, 16, n)
    b["model_prof"][:] = 2
    b["out_factor"][:] = rng.lognormal(0.6, 0.3, n)  # eval harnesses ask for long answers
    b["tier"][:] = "scale"
    first, last = w.names(n)
    b["email"][:] = w.person_emails(first, last, w.webmail(n))
    b["display_name"][:] = w.display_names(first, last)
    b["slot_pool"][:, 0] = w.net.homes(cidx, np.ones(n, np.int64))
    b["slot_w"][:, 0] = 0.4
    b["slot_pool"][:, 1] = w.net.cloud_dedicated(n, 2)
    b["slot_w"][:, 1] = 0.6
    w.personal_devices(b)
    w.own_cards(idx, b["country"])


def build_individuals(w: World, n: int) -> None:
    rng = w.rng
    b = w.acc.new(n)
    idx = b["_base"] + np.arange(n)
    cidx = w.countries(n)
    w.person_common(b, cidx)
    b["cohort"][:] = E.COHORTS.index("individual")
    b["created"][:] = w.created_before(n)
    first, last = w.names(n)
    custom = rng.random(n) < 0.12
    doms = w.webmail(n)
    doms[custom] = [f"{l}{'' if u < .5 else '-' + str(rng.choice(WORDS_A))}.{rng.choice(TLDS)}"
                    for l, u in zip(last[custom], rng.random(int(custom.sum())))]
    b["email"][:] = w.person_emails(first, last, doms)
    b["display_name"][:] = w.display_names(first, last)
    b["slot_pool"][:, 0] = w.net.homes(cidx, rng.integers(1, 3, n))
    b["slot_w"][:, 0] = 1.0
    w.extra_slots(b, cidx)
    w.personal_devices(b)
    paid = rng.random(n) < 0.55
    w.own_cards(idx[paid], b["country"][paid])
    two = paid & (rng.random(n) < 0.1)
    kinds = rng.choice(["wallet", "bank"], size=int(two.sum()))
    for k in ("wallet", "bank"):
        m = kinds == k
        inst = w.inst.new(int(m.sum()), k, None, b["country"][two][m])
        w.inst.link(idx[two][m], inst)
