"""Eight distillation rings, each with its own tradecraft.

A ring is one operator (or one job split between contractors) harvesting model answers
through many accounts. What ties a ring's accounts together differs by design:

1. prepaid-vm      prepaid cards of one BIN shared across accounts, a handful of VM
                   fingerprints, sign-up bursts, numbered e-mails; traffic copied from
                   honest users' habits (volume, hours, lengths, one-off prompts).
2. template-proxy  nothing shared but a private template set (each account sends part
                   of it, a few exchanges per template) and exits of the big residential
                   proxy pool honest people live in; own card and device per account,
                   sign-ups trickled over weeks, camouflage prompts.
3. template-mobile a private template set worked through in overlapping slices, from
                   mobile carrier NAT addresses; mostly free accounts, own devices.
4. front-org       hub and spoke: a front organisation on part of the accounts, cards
                   shared in pairs, one hosting hub address every account uses, a shared
                   template set, each spoke with its own home address.
5. loud            the classic: few cards, few VM devices, datacenter addresses, one-day
                   sign-up burst, throwaway e-mails, round-the-clock volume, long answers.
6. returning       an operator back after a pause: an old wave (mostly dormant) and a new
                   wave tied by reused devices, one prepaid BIN, one e-mail stem, a
                   template set carried over and one control address.
7. split-infra     one job split over two contractors' infrastructure (cards, devices,
                   addresses disjoint), joined by a shared template set and a few bridge
                   accounts that use both.
8. lockstep        shared crypto wallets, commercial VPN exits, a fresh device per
                   session; accounts fire the same template within the same minutes.

Each `ring_*` function adds its accounts with `labels.ring_id` set and a `role`.
"""
from __future__ import annotations

import numpy as np

from legit import Infrastructure, created_before, mobile_place, new_devices, run_account
from world import (BANK_BINS, COUNTRY_CODES, COUNTRY_WEIGHTS, DAY, EMULATOR_AGENTS, FREE_MAIL, FREE_MAIL_W,
                   PREPAID_BINS, USER_AGENTS, VM_AGENTS, WINDOW_DAYS, WINDOW_END, WINDOW_START, World,
                   active_day_weights, fingerprint, flat_hours, human_hours, lognormal_int, make_traffic,
                   person_name, personal_email_local, random_hex, sample_times, zipf_weights)


def _country(rng) -> str:
    return str(rng.choice(COUNTRY_CODES, p=COUNTRY_WEIGHTS))


def _template_set(ring_id: str, n: int) -> np.ndarray:
    return np.array([fingerprint(f"{ring_id}-template-{i}") for i in range(n)], dtype=object)


def _per_template_fps(rng, templates: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Each chosen template sent a few times (`lo`..`hi` exchanges)."""
    counts = rng.integers(lo, hi + 1, len(templates))
    return np.repeat(templates, counts)


def _camouflage(rng, infra: Infrastructure, n_unique: int, n_public: int) -> np.ndarray:
    pub = rng.choice(len(infra.public_templates), size=n_public, replace=False, p=infra.public_weights)
    return np.concatenate([random_hex(rng, n_unique), np.repeat(infra.public_templates[pub], rng.integers(1, 4, n_public))])


def _emit(world: World, rng, account: str, created: int, fps: np.ndarray, ips: np.ndarray, ip_w, *,
          day_w: np.ndarray, hours: np.ndarray, in_median: float, out_median: float, devices: list[str],
          login_rate: float = 0.5, login_ips: np.ndarray | None = None) -> None:
    """Sign-up login, exchanges (one per fingerprint, shuffled over time) and console sessions."""
    dev = np.array(devices, dtype=object)
    lips = ips if login_ips is None else login_ips
    world.add_logins(account, np.array([created]), lips[:1], dev[:1])
    fps = rng.permutation(fps)
    ts = np.sort(sample_times(rng, len(fps), day_w, hours, created))
    world.add_exchanges(account, make_traffic(rng, ts, fps, ips, ip_w, in_median=in_median, out_median=out_median,
                                              n_keys=int(rng.integers(1, 3)), key_prefix=account[-6:]))
    n_logins = rng.poisson(1 + (day_w > 0).sum() * login_rate)
    if n_logins:
        lts = np.sort(sample_times(rng, n_logins, day_w, hours, created))
        world.add_logins(account, lts, lips[rng.integers(0, len(lips), n_logins)], dev[rng.integers(0, len(dev), n_logins)])


def _first_day(created: int) -> int:
    return max(0, (created - WINDOW_START) // DAY + 1)


def _instrument(world: World, kind: str, bin_: str, issuer: str) -> tuple:
    return (world.new_instrument_id(), kind, bin_, issuer)


def _pay(world: World, rng, account: str, created: int, inst: tuple) -> None:
    world.add_instrument(account, inst[0], inst[1], inst[2], inst[3], created + int(rng.integers(0, 6 * 3600)),
                         WINDOW_END - int(rng.integers(0, 10 * DAY)))


def ring_prepaid_vm(world: World, rng, infra: Infrastructure, ring_id: str, n: int) -> None:
    bin_, issuer = PREPAID_BINS[0]  # the popular prepaid brand honest people use too
    cards = [_instrument(world, "card", bin_, issuer) for _ in range(max(4, n // 9))]
    vms = [world.new_device(VM_AGENTS[i % len(VM_AGENTS)]) for i in range(int(rng.integers(4, 9)))]
    n_bursts = int(rng.integers(4, 7))
    burst_at = np.sort(WINDOW_START + rng.integers(-12 * DAY, 20 * DAY, n_bursts))
    stems = [f"{a}.{b}" for a, b in (person_name(rng) for _ in range(2))]
    domain = str(rng.choice(["gmail.com", "outlook.com"]))
    number = int(rng.integers(10, 60))
    for i in range(n):
        burst = i * n_bursts // n
        created = int(burst_at[burst] + rng.integers(0, 40 * 60))
        number += int(rng.integers(1, 3))
        email = world.unique_email(rng, f"{stems[i % 2]}{number}", domain)
        country = _country(rng)
        account = world.add_account(created, email, country, tier="pay_as_you_go", ring_id=ring_id, role="member")
        _pay(world, rng, account, created, cards[(i // 9) % len(cards)])
        if rng.random() < 0.3:
            _pay(world, rng, account, created, cards[rng.integers(0, len(cards))])
        exits = rng.choice(infra.proxy_pool, size=int(rng.integers(3, 9)), replace=False)
        devices = list(rng.choice(vms, size=int(rng.integers(1, 3)), replace=False))
        # Human-looking traffic: the same draw an honest individual gets.
        activity = "dormant" if rng.random() < 0.15 else str(rng.choice(["light", "regular"], p=[0.45, 0.55]))
        run_account(world, rng, infra, account, created_at=created, activity=activity, country=country,
                    places=[(exits, 1.0)], devices=devices)


def ring_template_proxy(world: World, rng, infra: Infrastructure, ring_id: str, n: int) -> None:
    templates = _template_set(ring_id, int(n * rng.uniform(1.3, 1.9)))
    starts = np.sort(WINDOW_START + rng.integers(-14 * DAY, 21 * DAY, n))
    op_country = _country(rng)
    for i in range(n):
        created = int(starts[i])
        country = _country(rng)
        first, last = person_name(rng)
        email = world.unique_email(rng, personal_email_local(rng, first, last), str(rng.choice(FREE_MAIL, p=FREE_MAIL_W)))
        account = world.add_account(created, email, country, display_name=f"{first.title()} {last.title()}"
                                    if rng.random() < 0.6 else "", tier="pay_as_you_go", ring_id=ring_id, role="member")
        _pay(world, rng, account, created, _instrument(world, "card", str(rng.choice(BANK_BINS[country])), country))
        take = rng.choice(templates, size=min(len(templates), int(rng.integers(15, 41))), replace=False)
        fps = np.concatenate([_per_template_fps(rng, take, 1, 4),
                              _camouflage(rng, infra, int(rng.integers(5, 21)), int(rng.integers(1, 4)))])
        exits = rng.choice(infra.proxy_pool, size=int(rng.integers(8, 26)), replace=False)
        first_day = _first_day(created)
        day_w = active_day_weights(rng, int(rng.integers(6, 16)), first_day)
        _emit(world, rng, account, created, fps, exits, None, day_w=day_w, hours=human_hours(rng, op_country),
              in_median=rng.lognormal(np.log(450), 0.3), out_median=rng.lognormal(np.log(650), 0.3),
              devices=new_devices(world, rng, 1))


def ring_template_mobile(world: World, rng, infra: Infrastructure, ring_id: str, n: int) -> None:
    templates = _template_set(ring_id, int(n * rng.uniform(1.0, 1.4)))
    starts = np.sort(WINDOW_START + rng.integers(-5 * DAY, 22 * DAY, n))
    op_country = str(rng.choice(["IN", "PH", "BR"]))
    for i in range(n):
        created = int(starts[i])
        first, last = person_name(rng)
        email = world.unique_email(rng, personal_email_local(rng, first, last), str(rng.choice(FREE_MAIL, p=FREE_MAIL_W)))
        paid = rng.random() < 0.3
        account = world.add_account(created, email, op_country, tier="pay_as_you_go" if paid else "free",
                                    ring_id=ring_id, role="member")
        if paid:
            _pay(world, rng, account, created, _instrument(world, "card", str(rng.choice(BANK_BINS[op_country])),
                                                          op_country))
        start = int(rng.integers(0, len(templates)))
        length = int(rng.integers(10, 31))
        take = templates[(start + np.arange(length)) % len(templates)]
        fps = np.concatenate([_per_template_fps(rng, take, 2, 6),
                              _camouflage(rng, infra, int(rng.integers(8, 30)), int(rng.integers(1, 3)))])
        ips = np.concatenate([mobile_place(rng, infra, world), mobile_place(rng, infra, world)])
        day_w = active_day_weights(rng, int(rng.integers(5, 14)), _first_day(created))
        _emit(world, rng, account, created, fps, ips, None, day_w=day_w, hours=human_hours(rng, op_country),
              in_median=rng.lognormal(np.log(300), 0.3), out_median=rng.lognormal(np.log(500), 0.3),
              devices=new_devices(world, rng, 1, USER_AGENTS[int(rng.choice([5, 6, 7]))]))


def ring_front_org(world: World, rng, infra: Infrastructure, ring_id: str, n: int) -> None:
    org_id = world.new_id("org_")
    domain = f"{rng.choice(['veridian', 'halcyon', 'kestrel'])}-analytics.io"
    host = infra.hosting[int(rng.integers(0, len(infra.hosting)))]
    hub = world.net.addresses(host[2], 1)
    templates = _template_set(ring_id, int(rng.integers(40, 91)))
    country = _country(rng)
    starts = np.sort(WINDOW_START + rng.integers(-3 * DAY, 8 * DAY, n))
    card = None
    for i in range(n):
        created = int(starts[i])
        first, last = person_name(rng)
        front = rng.random() < 0.4
        email = world.unique_email(rng, f"{first}.{last}" if front else personal_email_local(rng, first, last),
                                   domain if front else str(rng.choice(FREE_MAIL, p=FREE_MAIL_W)))
        account = world.add_account(created, email, country, display_name=f"{first.title()} {last.title()}",
                                    org_id=org_id if front else "", tier="team" if front else "pay_as_you_go",
                                    ring_id=ring_id, role="front" if front else "spoke")
        if i % 2 == 0:
            card = _instrument(world, "card", str(rng.choice(BANK_BINS[country])), country)
        _pay(world, rng, account, created, card)
        home = world.net.addresses(infra.isps[country][int(rng.integers(0, 2))][2], 1)
        take = rng.choice(templates, size=int(rng.integers(10, 31)), replace=False)
        n_ex = lognormal_int(rng, 120, 0.6, lo=30)
        fps = np.concatenate([take[rng.choice(len(take), size=n_ex, p=zipf_weights(len(take), 0.7))],
                              random_hex(rng, int(rng.integers(2, 10)))])
        hub_share = rng.uniform(0.3, 0.6)
        ips = np.concatenate([hub, home])
        day_w = active_day_weights(rng, int(rng.integers(8, 20)), _first_day(created))
        _emit(world, rng, account, created, fps, ips, np.array([hub_share, 1 - hub_share]), day_w=day_w,
              hours=human_hours(rng, country), in_median=500, out_median=rng.lognormal(np.log(800), 0.3),
              devices=new_devices(world, rng, 1), login_ips=ips)


def ring_loud(world: World, rng, infra: Infrastructure, ring_id: str, n: int) -> None:
    cards = [_instrument(world, "card", *PREPAID_BINS[int(rng.integers(1, len(PREPAID_BINS)))])
             for _ in range(int(rng.integers(3, 6)))]
    vms = [world.new_device(VM_AGENTS[0]) for _ in range(int(rng.integers(2, 5)))]
    host = infra.hosting[int(rng.integers(0, len(infra.hosting)))]
    ips = world.net.addresses(host[2], int(rng.integers(6, 13)))
    day0 = WINDOW_START + int(rng.integers(0, 6)) * DAY + int(rng.integers(0, 12 * 3600))
    templates = _template_set(ring_id, int(rng.integers(30, 51)))
    for i in range(n):
        created = day0 + int(rng.integers(0, 8 * 3600))
        email = world.unique_email(rng, f"user{rng.integers(10000, 99999)}", "quickinbox.net")
        account = world.add_account(created, email, "US", tier="pay_as_you_go", ring_id=ring_id, role="member")
        _pay(world, rng, account, created, cards[i % len(cards)])
        n_ex = lognormal_int(rng, 1500, 0.5, lo=200)
        fps = np.concatenate([templates[rng.choice(len(templates), size=n_ex, p=zipf_weights(len(templates), 0.5))],
                              random_hex(rng, int(rng.integers(0, 5)))])
        first_day = _first_day(created)
        day_w = active_day_weights(rng, WINDOW_DAYS - first_day, first_day, weekday_bias=1.0)
        _emit(world, rng, account, created, fps, ips, None, day_w=day_w, hours=flat_hours(rng), in_median=900,
              out_median=1800, devices=[vms[i % len(vms)]], login_rate=0.2)


def ring_returning(world: World, rng, infra: Infrastructure, ring_id: str, n: int) -> None:
    bin_, issuer = PREPAID_BINS[1]
    old_host, new_host = rng.choice(len(infra.hosting), size=2, replace=False)
    old_ips = world.net.addresses(infra.hosting[old_host][2], 5)
    new_ips = np.concatenate([world.net.addresses(infra.hosting[new_host][2], 5), old_ips[:1]])
    old_devices = [world.new_device(VM_AGENTS[1]) for _ in range(5)]
    new_devices_ = old_devices[:2] + [world.new_device(VM_AGENTS[1]) for _ in range(3)]
    first, last = person_name(rng)
    stem = f"{first[0]}{last}"
    templates = _template_set(ring_id, 50)
    templates_new = np.concatenate([templates[:35], _template_set(ring_id + "-v2", 15)])
    country = _country(rng)
    hours = human_hours(rng, country)
    n_old = int(n * 0.45)
    old_start = WINDOW_START - int(rng.integers(70, 100)) * DAY
    card = None
    for i in range(n):
        old = i < n_old
        if i % 3 == 0:
            card = _instrument(world, "card", bin_, issuer)
        if old:
            created = old_start + int(rng.integers(0, 5 * DAY))
            email = world.unique_email(rng, f"{stem}{100 + i}", "gmail.com")
        else:
            created = WINDOW_START + (8 + 3 * ((i - n_old) * 4 // (n - n_old))) * DAY + int(rng.integers(0, 3 * 3600))
            email = world.unique_email(rng, f"{stem}{100 + i}", "outlook.com")
        account = world.add_account(created, email, country, tier="pay_as_you_go", ring_id=ring_id,
                                    role="first_wave" if old else "second_wave")
        _pay(world, rng, account, created, card)
        devices = list(rng.choice(old_devices if old else new_devices_, size=2, replace=False))
        ips = old_ips if old else new_ips
        if old and rng.random() < 0.6:
            # Abandoned before the window: the sign-up session and one late check-in.
            world.add_logins(account, np.array([created, WINDOW_START + int(rng.integers(0, 20 * DAY))]),
                             rng.choice(ips, 2), np.array(devices, dtype=object))
            continue
        if old:
            take = rng.choice(templates, size=int(rng.integers(5, 15)), replace=False)
            day_w = active_day_weights(rng, 3, 0, last_day=6)
            n_ex = lognormal_int(rng, 40, 0.5, lo=10)
        else:
            take = rng.choice(templates_new, size=int(rng.integers(15, 35)), replace=False)
            day_w = active_day_weights(rng, int(rng.integers(5, 12)), _first_day(created))
            n_ex = lognormal_int(rng, 300, 0.5, lo=40)
        fps = take[rng.integers(0, len(take), n_ex)]
        _emit(world, rng, account, created, fps, ips, None, day_w=day_w, hours=hours, in_median=600,
              out_median=1100, devices=devices, login_rate=0.3)


def ring_split_infra(world: World, rng, infra: Infrastructure, ring_id: str, n: int) -> None:
    templates = _template_set(ring_id, int(rng.integers(90, 150)))
    n_bridge = max(2, n // 10)
    n_a = (n - n_bridge) // 2
    host = infra.hosting[int(rng.integers(0, len(infra.hosting)))]
    side_a = dict(cards=[_instrument(world, "card", str(rng.choice(BANK_BINS["NG"])), "NG") for _ in range(max(3, n_a // 5))],
                  devices=[world.new_device(VM_AGENTS[2]) for _ in range(4)],
                  ips=world.net.addresses(host[2], 6), country="NG")
    pool = infra.mobile_pools[int(rng.integers(0, len(infra.mobile_pools)))][1]
    side_b = dict(cards=[_instrument(world, "wallet", "", "VN") for _ in range(max(3, (n - n_a) // 6))],
                  devices=[world.new_device(EMULATOR_AGENTS[i % 2]) for i in range(5)],
                  ips=rng.choice(pool, size=8, replace=False), country="VN")
    a_start = WINDOW_START + int(rng.integers(-6, 3)) * DAY
    b_start = a_start + int(rng.integers(4, 10)) * DAY
    for i in range(n):
        role = "side_a" if i < n_a else ("bridge" if i >= n - n_bridge else "side_b")
        sides = [side_a] if role == "side_a" else [side_b] if role == "side_b" else [side_a, side_b]
        base = a_start if sides[0] is side_a else b_start
        created = base + int(rng.integers(0, 4 * DAY))
        country = sides[0]["country"]
        first, last = person_name(rng)
        email = world.unique_email(rng, personal_email_local(rng, first, last), str(rng.choice(FREE_MAIL, p=FREE_MAIL_W)))
        account = world.add_account(created, email, country, tier="pay_as_you_go", ring_id=ring_id, role=role)
        devices: list[str] = []
        ips = []
        for side in sides:
            _pay(world, rng, account, created, side["cards"][int(rng.integers(0, len(side["cards"])))])
            devices += list(rng.choice(side["devices"], size=2, replace=False))
            ips.append(rng.choice(side["ips"], size=3, replace=False))
        take = rng.choice(templates, size=int(rng.integers(20, 51)), replace=False)
        fps = np.concatenate([_per_template_fps(rng, take, 2, 8), random_hex(rng, int(rng.integers(3, 15)))])
        day_w = active_day_weights(rng, int(rng.integers(6, 16)), _first_day(created))
        _emit(world, rng, account, created, fps, np.concatenate(ips), None, day_w=day_w,
              hours=human_hours(rng, country), in_median=550, out_median=900, devices=devices)


def ring_lockstep(world: World, rng, infra: Infrastructure, ring_id: str, n: int) -> None:
    wallets = [_instrument(world, str(rng.choice(["wallet", "crypto"])), "", "") for _ in range(int(rng.integers(4, 9)))]
    templates = _template_set(ring_id, 25)
    bursts = WINDOW_START + np.array([int(rng.integers(-4, 2)), int(rng.integers(6, 12))]) * DAY
    accounts, created_at, exits = [], [], []
    for i in range(n):
        created = int(bursts[i % 2] + rng.integers(0, 3 * 3600))
        first, last = person_name(rng)
        email = world.unique_email(rng, personal_email_local(rng, first, last), str(rng.choice(FREE_MAIL, p=FREE_MAIL_W)))
        account = world.add_account(created, email, _country(rng), tier="pay_as_you_go", ring_id=ring_id, role="member")
        _pay(world, rng, account, created, wallets[i % len(wallets)])
        accounts.append(account)
        created_at.append(created)
        exits.append(rng.choice(infra.vpn_exits, size=int(rng.integers(3, 7)), replace=False))
    created_at = np.array(created_at)
    # The controller fires jobs; each job sends one template from most accounts within two minutes.
    jobs = np.sort(WINDOW_START + rng.integers(2 * DAY, WINDOW_DAYS * DAY - 3600, int(rng.integers(40, 80))))
    job_template = templates[rng.integers(0, len(templates), len(jobs))]
    per_account: list[list] = [[] for _ in range(n)]
    for t, fp in zip(jobs, job_template):
        for a in np.flatnonzero((rng.random(n) < rng.uniform(0.6, 0.9)) & (created_at < t)):
            k = int(rng.integers(1, 4))
            per_account[a].append((t + rng.integers(0, 120, k), np.full(k, fp, dtype=object)))
    for a, account in enumerate(accounts):
        # Anti-detect browser: every session shows a new device fingerprint.
        n_sessions = int(rng.integers(2, 8))
        devices = np.array(new_devices(world, rng, n_sessions + 1), dtype=object)
        lts = np.concatenate([[created_at[a]], np.sort(created_at[a] + rng.integers(3600, 20 * DAY, n_sessions))])
        world.add_logins(account, lts, rng.choice(exits[a], size=len(lts)), devices)
        if per_account[a]:
            ts = np.concatenate([p[0] for p in per_account[a]])
            fps = np.concatenate([p[1] for p in per_account[a]])
            world.add_exchanges(account, make_traffic(rng, ts, fps, exits[a], None, in_median=400, out_median=700,
                                                      key_prefix=account[-6:]))


RINGS = [
    ("prepaid-vm", ring_prepaid_vm),
    ("template-proxy", ring_template_proxy),
    ("template-mobile", ring_template_mobile),
    ("front-org", ring_front_org),
    ("loud", ring_loud),
    ("returning", ring_returning),
    ("split-infra", ring_split_infra),
    ("lockstep", ring_lockstep),
]

# Base ring sizes per world size (each drawn again within +-15% per seed, kept in 20..200).
RING_SIZES = {"small": [120, 60, 40, 80, 50, 60, 70, 30], "medium": [190, 180, 120, 150, 160, 140, 200, 100]}
