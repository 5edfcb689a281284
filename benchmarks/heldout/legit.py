"""The legitimate population of a held-out world, confounders included.

Honest customers who share what rings share: families (one card, one home address,
a family tablet), company teams (a corporate card, an office address, internal prompt
templates, onboarding bursts), students behind a campus NAT (numbered university
e-mails, course templates, a semester-start burst), mobile users behind carrier-grade
NAT, VPN users, people whose home address is an exit of a residential proxy pool,
script and power users with huge volume, a reseller running many customers' templates
from cloud addresses, hackathon attendees (a sign-up burst on one venue address with
the event's starter templates), popular public templates, prepaid cards, and dormant
accounts.

`build_infrastructure` makes the shared networks (also used by rings, which live in the
same internet); `build_population` adds the accounts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from world import (BANK_BINS, COUNTRY_CODES, COUNTRY_WEIGHTS, DAY, FIRST_NAMES, FREE_MAIL, FREE_MAIL_W, LAST_NAMES,
                   PREPAID_BINS,
                   USER_AGENT_W, USER_AGENTS, WINDOW_DAYS, WINDOW_END, WINDOW_START, World,
                   active_day_weights, component_rng, fingerprint, flat_hours, human_hours, lognormal_int,
                   make_traffic, mixed_fingerprints, person_name, personal_email_local, sample_times,
                   zipf_weights)


@dataclass
class Infrastructure:
    """Networks and shared things of the world, keyed by what they are."""
    isps: dict                 # country -> list of (asn, name, block)
    mobile_pools: list         # list of (name, np.ndarray of CGNAT addresses, v6 prefix or None)
    hosting: list              # list of (asn, name, block)
    vpn_exits: np.ndarray      # commercial VPN exits (all providers)
    proxy_pool: np.ndarray     # residential proxy exits (real home addresses)
    ci_egress: np.ndarray      # a CI provider's shared egress addresses
    public_templates: np.ndarray
    public_weights: np.ndarray


# Activity in the window: (median exchanges, sigma, active days low, high, share of one-off prompts)
ACTIVITY = {
    "light": (8, 0.9, 1, 5, 0.35),
    "regular": (50, 0.7, 5, 18, 0.25),
    "power": (350, 0.6, 16, 28, 0.15),
    "script": (900, 0.8, 28, 28, 0.02),
}


def build_infrastructure(world: World) -> Infrastructure:
    rng = component_rng(world.seed, "infrastructure")
    net = world.net
    scale = 1 if world.size == "small" else 5
    isps: dict = {}
    asn = 7000
    for country in COUNTRY_CODES:
        isps[country] = []
        for k in range(2):
            asn += 1
            name = f"{country} Broadband {k + 1}"
            # Intel feeds miss some smaller ISPs: their addresses carry no intel at all.
            block = net.block(asn, name, country, "residential", known=rng.random() > 0.15)
            isps[country].append((asn, name, block))
    mobile_pools = []
    for k, (country, name) in enumerate([("US", "Wavelink Mobile"), ("US", "Cellora"), ("IN", "Jio-like Mobile"),
                                          ("BR", "Vivo-like Movel"), ("DE", "Funknetz"), ("PH", "Islacell")]):
        asn += 1
        block = net.block(asn, name, country, "mobile")
        # Carrier-grade NAT: a few hundred public addresses for a whole country's phones.
        pool = net.addresses(block, int(rng.integers(40, 90)) * scale)
        v6 = net.v6_block(asn, name, country, "mobile") if k % 2 == 0 else None
        mobile_pools.append((name, pool, v6))
    hosting = []
    for name in ["Stratus Cloud", "Nimbus Compute", "Hetzvault", "OVHlike", "Digital Harbor", "Linode-ish",
                 "Vultrix", "Contabo-like"]:
        asn += 1
        hosting.append((asn, name, net.block(asn, name, "US" if rng.random() < 0.5 else "DE", "hosting")))
    vpn = []
    for name in ["NordicShield VPN", "ExpressTunnel", "Mullvad-like"]:
        asn += 1
        block = net.block(asn, name, "NL", "vpn")
        vpn.append(net.addresses(block, int(rng.integers(25, 60)) * scale))
    # The residential proxy pool: exits are real home addresses of people whose devices run a
    # proxy SDK. Intel flags about a quarter of them.
    pool_parts = []
    # Big enough that two accounts drawing exits at random rarely meet on one.
    n_pool = 20000 * scale
    countries = rng.choice(COUNTRY_CODES, size=n_pool, p=COUNTRY_WEIGHTS)
    for country in COUNTRY_CODES:
        k = int((countries == country).sum())
        for (a, name, block) in isps[country]:
            addrs = net.addresses(block, k // 2 + 1)
            pool_parts.append(addrs)
            for ip in addrs[rng.random(len(addrs)) < 0.25]:
                net.note(f"{ip}/32", 64500, "residential proxy network", country, "proxy")
    proxy_pool = np.unique(np.concatenate(pool_parts))
    ci = hosting[0][2]
    ci_egress = net.addresses(ci, 30 * scale)
    public = np.array([fingerprint(f"public-template-{world.seed}-{i}") for i in range(300)], dtype=object)
    return Infrastructure(isps=isps, mobile_pools=mobile_pools, hosting=hosting, vpn_exits=np.concatenate(vpn),
                          proxy_pool=proxy_pool, ci_egress=ci_egress, public_templates=public,
                          public_weights=zipf_weights(len(public), 1.05))


def home_addresses(world: World, rng: np.random.Generator, infra: Infrastructure, country: str, n: int = 1) -> np.ndarray:
    """A household's addresses over the window (the ISP re-assigns now and then); 15% of homes
    are exits of the residential proxy pool (a device at home runs the pool's SDK)."""
    if rng.random() < 0.15:
        return rng.choice(infra.proxy_pool, size=n, replace=False)
    isp = infra.isps[country][rng.integers(0, len(infra.isps[country]))]
    return world.net.addresses(isp[2], n)


def pick_activity(rng: np.random.Generator, p_dormant: float, weights=(0.5, 0.38, 0.09, 0.03)) -> str:
    if rng.random() < p_dormant:
        return "dormant"
    return str(rng.choice(list(ACTIVITY), p=np.array(weights) / sum(weights)))


def run_account(world: World, rng: np.random.Generator, infra: Infrastructure, account_id: str, *, created_at: int,
                activity: str, country: str, places: list[tuple[np.ndarray, float]], devices: list[str],
                template_parts: list[tuple[np.ndarray, np.ndarray, float]] | None = None,
                public_share: float | None = None) -> None:
    """Logins and exchanges of one honest account.

    `places` are (addresses, weight) the person works from; `template_parts` are shared
    template sets (company, course) mixed with the person's own templates, public
    templates and one-off prompts.
    """
    dev = np.array(devices, dtype=object)
    all_ips = np.concatenate([p for p, _ in places])
    # The sign-up session.
    world.add_logins(account_id, np.array([created_at]), places[0][0][:1], dev[:1])
    if activity == "dormant":
        return
    median, sigma, d_lo, d_hi, unique = ACTIVITY[activity]
    first_day = max(0, (created_at - WINDOW_START) // DAY + 1)
    if first_day >= WINDOW_DAYS:
        return
    n = lognormal_int(rng, median, sigma)
    day_w = active_day_weights(rng, int(rng.integers(d_lo, d_hi + 1)), first_day,
                               weekday_bias=1.0 if activity == "script" else 1.6)
    hours = flat_hours(rng) if activity == "script" else human_hours(rng, country)
    ts = np.sort(sample_times(rng, n, day_w, hours, created_at))
    own = np.array([fingerprint(f"own-{account_id}-{i}") for i in range(int(rng.integers(1, 12)))], dtype=object)
    parts = [(own, zipf_weights(len(own)), 0.35)]
    if public_share is None:
        public_share = rng.uniform(0.05, 0.35) if rng.random() < 0.4 else 0.0
    if public_share > 0:
        picks = rng.choice(len(infra.public_templates), size=int(rng.integers(1, 5)), replace=False,
                           p=infra.public_weights)
        parts.append((infra.public_templates[picks], np.ones(len(picks)), public_share))
    parts.extend(template_parts or [])
    fps = mixed_fingerprints(rng, n, parts, unique)
    ip_w = np.concatenate([np.full(len(p), w / len(p)) for p, w in places])
    traffic = make_traffic(rng, ts, fps, all_ips, ip_w, in_median=rng.lognormal(np.log(350), 0.5),
                           out_median=rng.lognormal(np.log(380), 0.45), n_keys=int(rng.integers(1, 4)),
                           key_prefix=account_id[-6:])
    world.add_exchanges(account_id, traffic)
    # Console sessions: people sign in on some of the days they work; scripts rarely do.
    n_logins = rng.poisson(1 + (day_w > 0).sum() * (0.1 if activity == "script" else 0.6))
    if n_logins:
        lts = np.sort(sample_times(rng, n_logins, day_w, hours, created_at))
        world.add_logins(account_id, lts, all_ips[rng.choice(len(all_ips), n_logins, p=ip_w / ip_w.sum())],
                         dev[rng.integers(0, len(dev), n_logins)])


def pay(world: World, rng: np.random.Generator, account_id: str, country: str, created_at: int,
        instrument: tuple | None = None) -> None:
    """Attach a payment instrument: `instrument` (id, kind, bin, issuer) when shared, else the
    person's own (a bank card mostly; some prepaid, wallet or crypto)."""
    if instrument is None:
        r = rng.random()
        if r < 0.86:
            instrument = (world.new_instrument_id(), "card", str(rng.choice(BANK_BINS[country])), country)
        elif r < 0.92:
            b, c = PREPAID_BINS[rng.integers(0, len(PREPAID_BINS))]
            instrument = (world.new_instrument_id(), "card", b, c)
        elif r < 0.99:
            instrument = (world.new_instrument_id(), "wallet", "", country)
        else:
            instrument = (world.new_instrument_id(), "crypto", "", "")
    iid, kind, bin_, issuer = instrument
    world.add_instrument(account_id, iid, kind, bin_, issuer, created_at + int(rng.integers(0, 3 * DAY)),
                         WINDOW_END - int(rng.integers(0, 20 * DAY)))


def new_devices(world: World, rng: np.random.Generator, n: int, agent: str | None = None) -> list[str]:
    return [world.new_device(agent or USER_AGENTS[rng.choice(len(USER_AGENTS), p=USER_AGENT_W / USER_AGENT_W.sum())])
            for _ in range(n)]


def mobile_place(rng: np.random.Generator, infra: Infrastructure, world: World) -> np.ndarray:
    name, pool, v6 = infra.mobile_pools[rng.integers(0, len(infra.mobile_pools))]
    addrs = rng.choice(pool, size=int(rng.integers(2, 8)))
    if v6 is not None and rng.random() < 0.5:
        addrs = np.concatenate([addrs, world.net.v6_addresses(v6, 2)])
    return addrs


def created_before(rng: np.random.Generator, max_days: int = 720) -> int:
    """A sign-up time before the window: most within the last year, some far older."""
    return WINDOW_START - int(rng.exponential(160 * DAY)) % (max_days * DAY) - int(rng.integers(3600, DAY))


def individuals(world: World, rng: np.random.Generator, infra: Infrastructure, n: int) -> None:
    for i in range(n):
        country = str(rng.choice(COUNTRY_CODES, p=COUNTRY_WEIGHTS))
        first, last = person_name(rng)
        if rng.random() < 0.05:  # the launch-day spike: many honest sign-ups in two days
            created = WINDOW_START - 20 * DAY + int(rng.integers(0, 2 * DAY))
        elif rng.random() < 0.12:
            created = WINDOW_START + int(rng.integers(0, (WINDOW_DAYS - 2) * DAY))
        else:
            created = created_before(rng)
        heavy = rng.random()
        activity = "reseller" if heavy < 0.002 or i == 0 else pick_activity(rng, 0.30)
        email = world.unique_email(rng, personal_email_local(rng, first, last),
                                   str(rng.choice(FREE_MAIL, p=FREE_MAIL_W)))
        tier = "free"
        if activity in ("power", "script", "reseller") or rng.random() < 0.6:
            tier = "pay_as_you_go" if activity != "reseller" else "scale"
        account = world.add_account(created, email, country, display_name=f"{first.title()} {last.title()}"
                                    if rng.random() < 0.7 else "", tier=tier, role=f"individual-{activity}")
        if tier != "free":
            pay(world, rng, account, country, created)
        if activity == "reseller":
            reseller(world, rng, infra, account, created, country)
            continue
        home = home_addresses(world, rng, infra, country, int(rng.integers(1, 4)))
        places = [(home, 0.7)]
        if rng.random() < 0.3:
            places.append((mobile_place(rng, infra, world), 0.25))
        if rng.random() < 0.07:
            places.append((rng.choice(infra.vpn_exits, size=int(rng.integers(1, 6))), 0.4))
        if rng.random() < 0.03:  # privacy or geo-unblocking through the residential proxy service
            places.append((rng.choice(infra.proxy_pool, size=int(rng.integers(5, 16)), replace=False), 0.5))
        if activity == "script":
            # A script runs on the person's own VM or on a CI provider's shared egress.
            if rng.random() < 0.5:
                host = infra.hosting[rng.integers(0, len(infra.hosting))][2]
                places = [(world.net.addresses(host, 1), 1.0), (home, 0.05)]
            else:
                places = [(rng.choice(infra.ci_egress, size=int(rng.integers(3, 12))), 1.0), (home, 0.05)]
        devices = new_devices(world, rng, int(rng.integers(1, 4)))
        run_account(world, rng, infra, account, created_at=created, activity=activity, country=country,
                    places=places, devices=devices)


def reseller(world: World, rng: np.random.Generator, infra: Infrastructure, account: str, created: int,
             country: str) -> None:
    """One account that serves many customers: many templates, many cloud addresses, huge volume."""
    host = infra.hosting[rng.integers(0, len(infra.hosting))][2]
    ips = world.net.addresses(host, int(rng.integers(8, 30)))
    world.add_logins(account, np.array([created]), ips[:1], np.array(new_devices(world, rng, 1), dtype=object))
    n = lognormal_int(rng, 4000, 0.4)
    ts = np.sort(sample_times(rng, n, np.ones(WINDOW_DAYS), flat_hours(rng), created))
    customer = np.array([fingerprint(f"customer-{account}-{i}") for i in range(int(rng.integers(200, 700)))],
                        dtype=object)
    fps = mixed_fingerprints(rng, n, [(customer, zipf_weights(len(customer), 0.9), 0.8),
                                      (infra.public_templates, infra.public_weights, 0.1)], 0.1)
    world.add_exchanges(account, make_traffic(rng, ts, fps, ips, None, in_median=700, out_median=500, n_keys=12,
                                              key_prefix=account[-6:]))


def families(world: World, rng: np.random.Generator, infra: Infrastructure, n_accounts: int) -> None:
    done = 0
    while done < n_accounts:
        size = int(rng.integers(2, 6))
        country = str(rng.choice(COUNTRY_CODES, p=COUNTRY_WEIGHTS))
        last = str(rng.choice(LAST_NAMES))
        home = home_addresses(world, rng, infra, country, int(rng.integers(1, 3)))
        tablet = new_devices(world, rng, 1)[0]
        card = (world.new_instrument_id(), "card", str(rng.choice(BANK_BINS[country])), country)
        share_card = rng.random() < 0.75
        for j in range(size):
            first = str(rng.choice(FIRST_NAMES))
            created = created_before(rng) if rng.random() < 0.85 else WINDOW_START + int(rng.integers(0, 20 * DAY))
            email = world.unique_email(rng, personal_email_local(rng, first, last),
                                       str(rng.choice(FREE_MAIL, p=FREE_MAIL_W)))
            activity = pick_activity(rng, 0.3, (0.6, 0.35, 0.04, 0.01))
            account = world.add_account(created, email, country, display_name=f"{first.title()} {last.title()}",
                                        tier="pay_as_you_go" if share_card or rng.random() < 0.4 else "free",
                                        role="family")
            if share_card:
                pay(world, rng, account, country, created, card)
            elif rng.random() < 0.4:
                pay(world, rng, account, country, created)
            devices = new_devices(world, rng, int(rng.integers(1, 3)))
            if j < 2 or rng.random() < 0.3:
                devices.append(tablet)
            places = [(home, 0.8)]
            if rng.random() < 0.4:
                places.append((mobile_place(rng, infra, world), 0.2))
            run_account(world, rng, infra, account, created_at=created, activity=activity, country=country,
                        places=places, devices=devices)
        done += size


COMPANY_WORDS = ("acme blue north quant lumen vector atlas cedar orbit pixel harbor delta nova summit "
                 "prism ember forge beacon cobalt tandem").split()


def companies(world: World, rng: np.random.Generator, infra: Infrastructure, n_accounts: int) -> None:
    done = 0
    k = 0
    while done < n_accounts:
        k += 1
        size = int(np.clip(lognormal_int(rng, 7, 0.9), 3, 90))
        country = str(rng.choice(COUNTRY_CODES, p=COUNTRY_WEIGHTS))
        words = rng.choice(COMPANY_WORDS, size=2, replace=False)
        domain = f"{words[0]}{words[1]}{k}.{rng.choice(['com', 'io', 'ai', 'co'])}"
        org_id = world.new_id("org_")
        isp = infra.isps[country][rng.integers(0, 2)]
        office = world.net.addresses(isp[2], int(rng.integers(1, 3)))
        if rng.random() < 0.6:
            for ip in office:
                world.net.note(f"{ip}/32", 65000 + k, f"{words[0].title()} {words[1].title()} Inc", country, "corporate")
        bank = rng.random() < 0.15
        cards = [(world.new_instrument_id(), "bank" if bank else "card",
                  "" if bank else str(rng.choice(BANK_BINS[country])), country) for _ in range(1 + size // 40)]
        internal = np.array([fingerprint(f"internal-{org_id}-{i}") for i in range(int(rng.integers(5, 40)))],
                            dtype=object)
        laptop_agent = USER_AGENTS[int(rng.choice([0, 1, 2]))]
        build_box = world.new_device(USER_AGENTS[9]) if rng.random() < 0.25 else None
        founded = created_before(rng, 900)
        burst = rng.random() < 0.6
        for j in range(size):
            first, last = person_name(rng)
            if burst and j < int(size * 0.7):  # onboarding day: most of the team at once
                created = founded + int(rng.integers(0, 6 * 3600))
            else:
                created = int(rng.integers(founded, WINDOW_END - 3 * DAY))
            email = world.unique_email(rng, f"{first}.{last}", domain)
            activity = pick_activity(rng, 0.15, (0.4, 0.45, 0.1, 0.05))
            account = world.add_account(created, email, country, display_name=f"{first.title()} {last.title()}",
                                        org_id=org_id, tier="enterprise" if size >= 20 else "team", role="company")
            pay(world, rng, account, country, created, cards[j % len(cards)])
            devices = [world.new_device(laptop_agent)]
            places = [(office, 0.6), (home_addresses(world, rng, infra, country, 1), 0.3)]
            if rng.random() < 0.3:
                places.append((mobile_place(rng, infra, world), 0.1))
            if build_box is not None and j < 3:
                devices.append(build_box)
            if activity == "script":
                places = [(world.net.addresses(infra.hosting[k % len(infra.hosting)][2], 1), 1.0), (office, 0.1)]
            take = rng.choice(len(internal), size=min(len(internal), int(rng.integers(3, 16))), replace=False)
            run_account(world, rng, infra, account, created_at=created, activity=activity, country=country,
                        places=places, devices=devices,
                        template_parts=[(internal[take], zipf_weights(len(take), 0.8), rng.uniform(0.3, 0.9))])
        done += size


def campuses(world: World, rng: np.random.Generator, infra: Infrastructure, n_accounts: int, n_campus: int) -> None:
    sizes = rng.dirichlet(np.ones(n_campus) * 2) * n_accounts
    for c in range(n_campus):
        country = str(rng.choice(["US", "GB", "DE", "IN", "KR", "BR"]))
        name = f"University {c + 1}"
        block = world.net.block(61000 + c, name, country, "education")
        nat = world.net.addresses(block, int(rng.integers(1, 4)))
        domain = f"uni{c + 1}-{rng.choice(['state', 'tech', 'poly', 'city'])}.edu"
        courses = [np.array([fingerprint(f"course-{world.seed}-{c}-{k}-{i}") for i in range(int(rng.integers(4, 11)))],
                            dtype=object) for k in range(int(rng.integers(2, 5)))]
        student_no = int(rng.integers(1_000_000, 9_000_000))
        for j in range(max(20, int(sizes[c]))):
            first, last = person_name(rng)
            student_no += int(rng.integers(1, 40))
            if rng.random() < 0.6:  # semester start
                created = WINDOW_START - 7 * DAY + int(rng.integers(0, 14 * DAY))
            else:
                created = created_before(rng, 1200)
            local = f"s{student_no}" if rng.random() < 0.7 else f"{first}.{last}"
            email = world.unique_email(rng, local, domain)
            activity = pick_activity(rng, 0.25, (0.55, 0.4, 0.05, 0.0))
            paid = rng.random() < 0.3
            account = world.add_account(created, email, country, display_name=f"{first.title()} {last.title()}",
                                        tier="pay_as_you_go" if paid else "free", role="student")
            if paid:
                pay(world, rng, account, country, created)
            places = [(nat, 0.7)]
            if rng.random() < 0.5:
                places.append((mobile_place(rng, infra, world), 0.2))
            if rng.random() < 0.3:
                places.append((home_addresses(world, rng, infra, country, 1), 0.2))
            parts = []
            if rng.random() < 0.5:
                course = courses[rng.integers(0, len(courses))]
                parts.append((course, np.ones(len(course)), rng.uniform(0.2, 0.5)))
            run_account(world, rng, infra, account, created_at=created, activity=activity, country=country,
                        places=places, devices=new_devices(world, rng, int(rng.integers(1, 3))), template_parts=parts)


def hackathons(world: World, rng: np.random.Generator, infra: Infrastructure, n_events: int) -> None:
    """An event: attendees sign up within hours on the venue's Wi-Fi and try the event's starter
    templates, then go home. A sign-up burst, one address and shared templates, all honest."""
    for e in range(n_events):
        country = str(rng.choice(["US", "GB", "DE", "IN"]))
        isp = infra.isps[country][rng.integers(0, 2)]
        venue = world.net.addresses(isp[2], int(rng.integers(1, 3)))
        starter = np.array([fingerprint(f"starter-{world.seed}-{e}-{i}") for i in range(int(rng.integers(3, 6)))],
                           dtype=object)
        day = WINDOW_START + int(rng.integers(2, WINDOW_DAYS - 6)) * DAY + 9 * 3600
        for j in range(int(rng.integers(40, 121))):
            first, last = person_name(rng)
            created = day + int(rng.integers(0, 3 * 3600))
            email = world.unique_email(rng, personal_email_local(rng, first, last),
                                       str(rng.choice(FREE_MAIL, p=FREE_MAIL_W)))
            account = world.add_account(created, email, country, display_name=f"{first.title()} {last.title()}",
                                        role="hackathon")
            home = home_addresses(world, rng, infra, country, 1)
            run_account(world, rng, infra, account, created_at=created, activity=pick_activity(rng, 0.2, (0.7, 0.3, 0, 0)),
                        country=country, places=[(venue, 0.6), (home, 0.4)],
                        devices=new_devices(world, rng, 1),
                        template_parts=[(starter, np.ones(len(starter)), rng.uniform(0.3, 0.7))])


def build_population(world: World, infra: Infrastructure, n_legit: int) -> None:
    """About 12% families, 15% company teams, 9% students, one to three hackathons, the rest individuals."""
    n_campus = 3 if world.size == "small" else 8
    hackathons(world, component_rng(world.seed, "hackathons"), infra, 1 if world.size == "small" else 3)
    families(world, component_rng(world.seed, "families"), infra, int(n_legit * 0.12))
    companies(world, component_rng(world.seed, "companies"), infra, int(n_legit * 0.15))
    campuses(world, component_rng(world.seed, "campuses"), infra, int(n_legit * 0.09), n_campus)
    individuals(world, component_rng(world.seed, "individuals"), infra, n_legit - len(world.accounts))
