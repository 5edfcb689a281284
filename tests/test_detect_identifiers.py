"""Worlds without exchanges (issue 11, failure kind 4): sign-ups, payments and logins
only, or sign-ups alone with IP, e-mail and time. Detection runs on identifiers,
each ring says which evidence it had, and `detect` says what the world lacked."""
from __future__ import annotations

import datetime as dt
import random

from click.testing import CliRunner

from ringscope.cli import cli
from ringscope.detection.pipeline import detect
from test_detect_support import T0, World
from test_detect_tradecraft import SURNAMES


def population(w: World, n: int = 60, *, cards: bool = True) -> None:
    for i in range(n):
        a = w.account(f"person{i:03d}", email=f"{SURNAMES[i % 40]}.{i}x@bigmail.com")
        if cards:
            w.card(a, f"card-person-{i}")
        w.ip(a, f"10.0.{i}.1", kind="residential", asn=64000 + i)


def test_identifier_only_world_finds_the_ring_and_says_what_it_could_not_judge(clean_db):
    w = World()
    population(w)
    ring = []
    start = T0 - dt.timedelta(days=30)
    for i in range(18):  # prepaid cards six by six, VM images, a sign-up burst, numbered mail
        a = w.account(f"pp{i:02d}", created=start + dt.timedelta(minutes=4 * i), email=f"jdoe.work{i:03d}@mailbox.com")
        w.card(a, f"pre-{i // 6}", bin="400000")
        w.device(a, f"vm-{i // 6}")
        w.ip(a, f"31.{i}.1.1", kind="residential", asn=66000 + i)
        ring.append(a)
    for h in range(3):  # households: family card, family PC, home address
        for j in range(3):
            a = w.account(f"fam{h}-{j}", email=f"{SURNAMES[h]}.{SURNAMES[j + 10]}@homemail.net")
            w.card(a, f"family-card-{h}")
            w.device(a, f"family-pc-{h}")
            w.ip(a, f"88.1.{h}.1", kind="residential", asn=65500 + h)
    onboarding = T0 - dt.timedelta(days=40)
    for i in range(12):  # a team: corporate card, office, onboarding burst
        a = w.account(f"acme{i:02d}", created=onboarding + dt.timedelta(minutes=5 * i), email=f"{SURNAMES[i]}@acme.com",
                      org_id="org-acme")
        w.card(a, "acme-corporate-card")
        w.ip(a, "99.9.9.1", kind="corporate", asn=65600)
    w.write(clean_db)

    result = detect(clean_db, write=False)
    assert [sorted(r.members) for r in result.rings] == [ring]
    kinds = result.rings[0].evidence["summary"]["evidence_kinds"]
    assert {"instrument", "device"} <= set(kinds) and "behaviour" not in kinds
    assert "automation_signature" not in result.rings[0].signals
    assert result.stats["data"]["exchanges"] == 0 and result.stats["data"]["payments"] > 0
    reasons = " ".join(result.stats["not_judged"])
    assert "behaviour" in reasons and "template_co_usage" in reasons

    out = CliRunner().invoke(cli, ["detect", "--dry-run", "--no-progress"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "none: exchanges, templates" in out.output
    assert "not judged: behaviour" in out.output
    assert "1 rings" in out.output


def test_signup_only_world_ip_email_and_time(clean_db):
    """No payments, no devices, no exchanges: a batch of sign-ups on one throwaway
    domain with a counted stem, spread over rented exits on ten networks; a class on a
    campus NAT, phones on a CGNAT and households stay out."""
    rng = random.Random(3)
    w = World()
    population(w, cards=False)
    exits = [(f"45.9.{k}.1", 61000 + k) for k in range(10)]
    start = T0 - dt.timedelta(days=10)
    ring = []
    for i in range(12):
        a = w.account(f"su{i:02d}", created=start + dt.timedelta(minutes=3 * i), email=f"promo.bot{i:02d}@tempmail.io")
        for addr, asn in rng.sample(exits, 5):
            w.ip(a, addr, kind="hosting", asn=asn)
        ring.append(a)
    registration = T0 - dt.timedelta(days=20)
    for i in range(30):
        a = w.account(f"stu{i:02d}", created=registration + dt.timedelta(minutes=2 * i), email=f"{SURNAMES[i]}{i + 7}@beacon.edu")
        for k in (i % 4, (i + 1) % 4):
            w.ip(a, f"150.10.0.{k + 1}", kind="education", asn=64600)
    for i in range(20):
        a = w.account(f"mob{i:02d}", email=f"mob{i}@m{i}.example")
        for k in range(3):
            w.ip(a, f"100.64.0.{(i + k) % 6 + 1}", kind="mobile", asn=64700)
    for h in range(3):
        for j in range(3):
            a = w.account(f"fam{h}-{j}", email=f"{SURNAMES[h]}.{SURNAMES[j + 10]}@homemail.net")
            w.ip(a, f"88.1.{h}.1", kind="residential", asn=65500 + h)
    w.write(clean_db)

    result = detect(clean_db, write=False)
    assert [sorted(r.members) for r in result.rings] == [ring]
    assert {"ip", "email"} <= set(result.rings[0].evidence["summary"]["evidence_kinds"])
    # the world can show less, so the ring is asked for less (and told so)
    assert result.stats["threshold"] < 1.75
    assert result.rings[0].evidence["decision"]["threshold"] == result.stats["threshold"]
    skipped = " ".join(result.stats["not_judged"])
    assert "instrument_fanout" in skipped and "device_fanout" in skipped
