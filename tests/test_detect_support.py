"""Hand-built graphs for the detection tests, written the way ingest writes them
(README graph model): accounts with exchange aggregates, and PAID_WITH, USED_DEVICE,
USED_IP, SENT_TEMPLATE, HAS_EMAIL_DOMAIN, IN_ORG relationships with their
first_seen/last_seen. The tests at the bottom check the builder itself."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ringscope import db


T0 = dt.datetime(2025, 3, 3, tzinfo=dt.timezone.utc)

#: a person: busy in the evening, asleep at night
DIURNAL = [0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 3, 2, 2, 2, 2, 3, 3, 4, 4, 3, 2, 1]


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def usage(per_day: int, days: int, *, flat: bool, output_per_exchange: int, start: dt.datetime = T0,
          jitter: list[int] | None = None) -> dict[str, Any]:
    """Exchange aggregates of an account active `days` days in a row."""
    counts = [max(1, per_day + (jitter[i % len(jitter)] if jitter else 0)) for i in range(days)]
    total = sum(counts)
    if flat:
        hours = [total // 24] * 24
        hours[0] += total - sum(hours)
    else:
        weight = sum(DIURNAL)
        hours = [total * w // weight for w in DIURNAL]
        hours[19] += total - sum(hours)
    return {
        "exchanges": total,
        "input_tokens": total * 300,
        "output_tokens": total * output_per_exchange,
        "active_days": days,
        "first_exchange": iso(start),
        "last_exchange": iso(start + dt.timedelta(days=days - 1, hours=20)),
        "hour_profile": hours,
        "daily_dates": [(start + dt.timedelta(days=i)).date().isoformat() for i in range(days)],
        "daily_counts": counts,
    }


SCRIPT = dict(per_day=300, days=14, flat=True, output_per_exchange=2400)
PERSON = dict(per_day=3, days=6, flat=False, output_per_exchange=700, jitter=[-2, 0, 3, -1, 4, 1])


@dataclass
class World:
    """Collects accounts and links, then writes them in a few UNWIND statements."""

    accounts: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {
        "card": [], "device": [], "ip": [], "template": []})

    def account(self, account_id: str, *, created: dt.datetime = T0 - dt.timedelta(days=100), email: str | None = None,
                org_id: str | None = None, use: dict[str, Any] | None = None) -> str:
        email = email or f"{account_id}@{account_id}.example"
        row = {"account_id": account_id, "created_at": iso(created), "email": email,
               "email_domain": email.rsplit("@", 1)[1], "org_id": org_id, "usage": use or {}}
        self.accounts.append(row)
        return account_id

    def card(self, account_id: str, instrument_id: str, *, kind: str = "card", when: dt.datetime = T0,
             bin: str | None = None) -> None:
        self.links["card"].append({"a": account_id, "k": instrument_id, "kind": kind, "bin": bin,
                                   "first": iso(when), "last": iso(when)})

    def device(self, account_id: str, device_id: str, *, when: dt.datetime = T0) -> None:
        self.links["device"].append({"a": account_id, "k": device_id, "first": iso(when), "last": iso(when + dt.timedelta(days=5))})

    def ip(self, account_id: str, address: str, *, kind: str | None = None, asn: int | None = None,
           first: dt.datetime = T0, last: dt.datetime | None = None) -> None:
        self.links["ip"].append({"a": account_id, "k": address, "kind": kind, "asn": asn,
                                 "first": iso(first), "last": iso(last or first + dt.timedelta(days=10))})

    def template(self, account_id: str, fingerprint: str, exchanges: int, *, output_per_exchange: int = 2000) -> None:
        self.links["template"].append({"a": account_id, "k": fingerprint, "x": exchanges,
                                       "o": exchanges * output_per_exchange, "first": iso(T0), "last": iso(T0 + dt.timedelta(days=13))})

    def write(self, settings) -> None:
        db.run_write(
            """
            UNWIND $rows AS row
            MERGE (a:Account {account_id: row.account_id})
            SET a.created_at = datetime(row.created_at), a.email = row.email, a.email_domain = row.email_domain,
                a.org_id = row.org_id, a += row.usage
            SET a.first_exchange = CASE WHEN row.usage.first_exchange IS NULL THEN null ELSE datetime(row.usage.first_exchange) END,
                a.last_exchange = CASE WHEN row.usage.last_exchange IS NULL THEN null ELSE datetime(row.usage.last_exchange) END,
                a.daily_dates = [d IN coalesce(row.usage.daily_dates, []) | date(d)]
            MERGE (d:EmailDomain {domain: row.email_domain})
            MERGE (a)-[:HAS_EMAIL_DOMAIN]->(d)
            FOREACH (o IN CASE WHEN row.org_id IS NULL THEN [] ELSE [row.org_id] END |
              MERGE (org:Org {org_id: o}) MERGE (a)-[:IN_ORG]->(org))
            """,
            {"rows": self.accounts}, settings=settings,
        )
        db.run_write(
            """
            UNWIND $rows AS row MATCH (a:Account {account_id: row.a})
            MERGE (p:PaymentInstrument {instrument_id: row.k}) SET p.kind = row.kind, p.bin = row.bin
            MERGE (a)-[r:PAID_WITH]->(p) SET r.first_seen = datetime(row.first), r.last_seen = datetime(row.last), r.count = 1
            """, {"rows": self.links["card"]}, settings=settings)
        db.run_write(
            """
            UNWIND $rows AS row MATCH (a:Account {account_id: row.a})
            MERGE (d:Device {device_id: row.k})
            MERGE (a)-[r:USED_DEVICE]->(d) SET r.first_seen = datetime(row.first), r.last_seen = datetime(row.last), r.logins = 3
            """, {"rows": self.links["device"]}, settings=settings)
        db.run_write(
            """
            UNWIND $rows AS row MATCH (a:Account {account_id: row.a})
            MERGE (ip:IP {address: row.k}) SET ip.kind = row.kind, ip.asn = row.asn
            MERGE (a)-[r:USED_IP]->(ip) SET r.first_seen = datetime(row.first), r.last_seen = datetime(row.last),
                r.logins = 1, r.exchanges = 10
            """, {"rows": self.links["ip"]}, settings=settings)
        db.run_write(
            """
            UNWIND $rows AS row MATCH (a:Account {account_id: row.a})
            MERGE (t:PromptTemplate {fingerprint: row.k})
            MERGE (a)-[r:SENT_TEMPLATE]->(t) SET r.first_seen = datetime(row.first), r.last_seen = datetime(row.last),
                r.exchanges = row.x, r.input_tokens = row.x * 300, r.output_tokens = row.o
            """, {"rows": self.links["template"]}, settings=settings)
        # the per-template totals ingest refreshes after each load
        db.run_write(
            "MATCH (t:PromptTemplate) "
            "SET t.accounts = COUNT { (t)<-[:SENT_TEMPLATE]-() }, "
            "    t.exchanges = COLLECT { MATCH (t)<-[r:SENT_TEMPLATE]-() RETURN sum(r.exchanges) }[0]",
            settings=settings,
        )


def add_population(w: World, n: int = 60, prefix: str = "person") -> list[str]:
    """Ordinary, unrelated users: each with an own card, a home IP and a few public templates."""
    out = []
    for i in range(n):
        acc = w.account(f"{prefix}{i:03d}", email=f"{prefix}.{i}x@bigmail.com", use=usage(**PERSON))
        w.card(acc, f"card-{prefix}-{i}")
        w.ip(acc, f"10.{i // 250}.{i % 250}.1", kind="residential", asn=64000 + i)
        w.template(acc, f"public-{i % 3}", 2, output_per_exchange=700)
        out.append(acc)
    return out


def test_builder_writes_the_readme_model(clean_db):
    w = World()
    a = w.account("acc1", use=usage(**SCRIPT), org_id="org1")
    w.card(a, "c1")
    w.device(a, "d1")
    w.ip(a, "1.2.3.4", kind="mobile")
    w.template(a, "t1", 10)
    w.write(clean_db)
    row = db.run_read(
        "MATCH (a:Account {account_id: 'acc1'}) RETURN a.exchanges AS x, size(a.hour_profile) AS hours, "
        "a.first_exchange IS :: ZONED DATETIME AS dt, "
        "COUNT { (a)-[:PAID_WITH]->() } + COUNT { (a)-[:USED_DEVICE]->() } + COUNT { (a)-[:USED_IP]->() } "
        "+ COUNT { (a)-[:SENT_TEMPLATE]->() } + COUNT { (a)-[:IN_ORG]->() } + COUNT { (a)-[:HAS_EMAIL_DOMAIN]->() } AS links",
        settings=clean_db)[0]
    assert row == {"x": 300 * 14, "hours": 24, "dt": True, "links": 6}
    t = db.run_read("MATCH (t:PromptTemplate {fingerprint: 't1'}) RETURN t.accounts AS n, t.exchanges AS x", settings=clean_db)[0]
    assert t == {"n": 1, "x": 10}
