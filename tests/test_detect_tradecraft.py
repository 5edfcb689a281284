"""Issue 11's failure kinds and the legitimate confounders, each on a hand-built graph:
rings that look human, rings tied only by a private template set and a proxy pool,
a hub-and-spoke network that must come back whole, and the households, teams,
classes, carrier and VPN pools, cloud egress and heavy users that must never
become rings."""
from __future__ import annotations

import datetime as dt
import random

from ringscope.detection.pipeline import detect
from test_detect_support import PERSON, SCRIPT, T0, World, usage


SURNAMES = ["adams", "baker", "clark", "davis", "evans", "frank", "green", "hill", "irwin", "jones", "king",
            "lewis", "moore", "nolan", "owens", "price", "quinn", "reed", "scott", "turner", "usher", "vance",
            "walsh", "young", "zane", "bell", "cole", "dunn", "ellis", "ford", "gray", "hart", "ives", "james",
            "kerr", "lane", "mann", "nash", "olsen", "page"]


def human_ring(w: World, n: int = 24) -> list[str]:
    """Failure kind 1: ordinary-looking traffic, but prepaid cards of one BIN shared six
    by six, VM fingerprints shared eight by eight, sign-ups minutes apart and numbered
    addresses on one stem."""
    out = []
    start = T0 - dt.timedelta(days=30)
    for i in range(n):
        a = w.account(f"pp{i:02d}", created=start + dt.timedelta(minutes=5 * i), email=f"jdoe.work{i:03d}@mailbox.com",
                      use=usage(**PERSON))
        w.card(a, f"pre-{i // 6}", bin="400000")
        w.device(a, f"vm-{i // 8}")
        w.ip(a, f"31.{i}.1.1", kind="residential", asn=66000 + i)
        w.template(a, f"public-{i % 3}", 2, output_per_exchange=700)
        out.append(a)
    return out


def template_proxy_ring(w: World, n: int = 20) -> tuple[list[str], list[str]]:
    """Failure kind 2: own card, device and mailbox each, sign-ups weeks apart; tied
    only by a 40-exit residential-proxy pool (20 ISPs) whose exits are also some
    residents' homes, and by a private set of 15 templates, each account sending 6 of
    them three times, plus public templates and unique prompts as camouflage."""
    rng = random.Random(11)
    exits = [(f"45.{k}.7.{k + 1}", 65000 + k // 2) for k in range(40)]
    ring = []
    for i in range(n):
        a = w.account(f"tp{i:02d}", created=T0 - dt.timedelta(days=90 - 4 * i), email=f"{SURNAMES[i]}.{i}x@mail{i}.net",
                      use=usage(**PERSON))
        w.card(a, f"tp-card-{i}")
        w.device(a, f"tp-dev-{i}")
        for addr, asn in rng.sample(exits, 12):
            w.ip(a, addr, kind="residential", asn=asn)
        for t in rng.sample(range(15), 6):
            w.template(a, f"priv-{t}", 3, output_per_exchange=900)
        for t in (0, 1):
            w.template(a, f"public-{t}", 2, output_per_exchange=700)
        for u in range(2):
            w.template(a, f"uniq-{i}-{u}", 1, output_per_exchange=700)
        ring.append(a)
    residents = []
    for k, (addr, asn) in enumerate(exits[:20]):
        r = w.account(f"res{k:02d}", email=f"res{k}@home{k}.org", use=usage(**PERSON))
        w.card(r, f"res-card-{k}")
        w.ip(r, addr, kind="residential", asn=asn)
        w.template(r, f"public-{k % 3}", 2, output_per_exchange=700)
        residents.append(r)
    return ring, residents


def hub_and_spoke(w: World, n: int = 80) -> list[str]:
    """Failure kind 3: a front org on half the accounts, cards shared in pairs, one
    hosting hub address, each account sending half of a 10-template set. With 80
    accounts the hub address is sampled like any busy address and every template is
    sent by ~40 accounts (too many to pair them all): what ties the pairs together is
    the dense account x template block."""
    rng = random.Random(5)
    out = []
    for i in range(n):
        front = i < n // 2
        a = w.account(f"hs{i:02d}", created=T0 - dt.timedelta(days=90 - i),
                      email=f"{SURNAMES[i % 40]}{i}@front-labs.io" if front else f"{SURNAMES[i % 40]}.hs{i}x@mail{i}.com",
                      org_id="org-front" if front else None, use=usage(**(SCRIPT if i % 2 else PERSON)))
        w.card(a, f"hs-card-{i // 2}")
        w.ip(a, "203.0.113.5", kind="hosting", asn=64999)
        for t in rng.sample(range(10), 5):
            w.template(a, f"front-{t}", 4)
        out.append(a)
    return out


def confounders(w: World) -> None:
    """Everything ordinary that shares identifiers."""
    # households: a family card, the family PC, the home address
    for h in range(3):
        for j in range(3 + h % 2):
            a = w.account(f"fam{h}-{j}", email=f"{SURNAMES[h]}.{SURNAMES[j + 10]}@homemail.net", use=usage(**PERSON))
            w.card(a, f"family-card-{h}")
            w.device(a, f"family-pc-{h}")
            w.ip(a, f"88.1.{h}.1", kind="residential", asn=65500 + h)
    # a company team: corporate card, office NAT, internal templates, one onboarding burst,
    # and two service accounts running scripts on the same card, office and templates
    onboarding = T0 - dt.timedelta(days=40)
    for i in range(14):
        service = i >= 12
        a = w.account(f"acme{i:02d}", created=onboarding + dt.timedelta(minutes=5 * i), email=f"{SURNAMES[i]}@acme-analytics.com",
                      org_id="org-acme", use=usage(**(SCRIPT if service else PERSON)))
        w.card(a, "acme-corporate-card")
        w.ip(a, "99.9.9.1", kind="corporate", asn=65600)
        w.ip(a, "99.9.9.2", kind="corporate", asn=65600)
        for t in range(6):
            w.template(a, f"acme-internal-{t}", 300 if service else 3, output_per_exchange=700)
    # a class on a campus NAT with the course's templates, registered in one sitting
    registration = T0 - dt.timedelta(days=20)
    for i in range(40):
        a = w.account(f"stu{i:02d}", created=registration + dt.timedelta(minutes=2 * i), email=f"{SURNAMES[i]}{i + 7}@beacon.edu",
                      use=usage(**PERSON))
        w.card(a, f"stu-card-{i}")
        for k in (i % 4, (i + 1) % 4):
            w.ip(a, f"150.10.0.{k + 1}", kind="education", asn=64600)
        for t in range(4):
            w.template(a, f"course-{(i + t) % 8}", 2, output_per_exchange=700)
    # phones behind a carrier's CGNAT
    for i in range(30):
        a = w.account(f"mob{i:02d}", email=f"mob{i}@m{i}.example", use=usage(**PERSON))
        w.card(a, f"mob-card-{i}")
        for k in range(3):
            w.ip(a, f"100.64.0.{(i + k) % 6 + 1}", kind="mobile", asn=64700)
    # commercial VPN users: exits on three ASNs, intel knows only some of them
    for i in range(30):
        a = w.account(f"vpn{i:02d}", email=f"vpn{i}@v{i}.example", use=usage(**PERSON))
        w.card(a, f"vpn-card-{i}")
        for k in range(3):
            e = (i + 3 * k) % 10
            w.ip(a, f"185.0.{e}.1", kind="vpn" if e < 6 else None, asn=64800 + e % 3)
    # developers running scripts from one cloud NAT gateway
    for i in range(8):
        a = w.account(f"dev{i}", email=f"dev{i}@d{i}.example", use=usage(**SCRIPT))
        w.card(a, f"dev-card-{i}")
        w.ip(a, f"3.5.{i % 2}.10", kind="hosting", asn=16509)
        w.template(a, f"public-{i % 3}", 50)
    # one heavy single account
    heavy = w.account("heavy", use=usage(**SCRIPT))
    w.card(heavy, "heavy-card")
    w.template(heavy, "heavy-own", 4000)


def test_failure_kinds_are_rings_and_confounders_are_not(tradecraft_world):
    settings, rings = tradecraft_world
    result = detect(settings, write=False)
    found = {frozenset(r.members) for r in result.rings}
    assert found == {frozenset(m) for m in rings.values()}, sorted(sorted(r.members)[:3] for r in result.rings)
    by_first = {r.members[0]: r for r in result.rings}
    human = by_first["pp00"]
    # carried by structure alone: its traffic looks like everyone's
    assert human.evidence["decision"]["behaviour"] == 0.0
    assert {"instrument", "device"} <= set(human.evidence["summary"]["evidence_kinds"])
    proxy = by_first["tp00"]
    assert {"ip", "template"} <= set(proxy.evidence["summary"]["evidence_kinds"])
    assert proxy.evidence["decision"]["behaviour"] == 0.0
    # the hub-and-spoke network is one ring, not pieces
    assert by_first["hs00"].size == 80


def test_every_candidate_group_says_why_it_is_or_is_not_a_ring(tradecraft_world):
    settings, rings = tradecraft_world
    result = detect(settings, write=False)
    team = [j for j in result.judged if "acme00" in j.ids]
    assert team, "the company team is tied together (card, office, templates) and judged"
    [team] = team
    ev = team.evidence
    assert not ev.is_ring
    # one card and one office network are what a team explains: no evidence from them
    assert ev.families["instrument"]["evidence"] == 0.0
    assert ev.families.get("ip", {}).get("evidence", 0.0) == 0.0
    assert ev.total < ev.threshold
