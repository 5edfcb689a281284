"""A small hand-made graph for the app's tests (README model), and one check that it loads
as described (its counts of accounts, rings and the supernode's links).

Two rings and a crowd of ordinary accounts:

* ring-a (score 0.91, new): a-01..a-08 share cards, a device, a prompt template, an
  IP and the e-mail domain evil.io. a-01 is the hostile one: its display name and
  e-mail are HTML/script payloads, as an operator may choose them. a-08 is also on the
  crowd's address below; a-02 alone on 2001:db8::5.
* ring-b (score 0.55, investigating, label proxy): b-01..b-04 share two addresses in
  203.0.113.0/24 and the organisation org-1.
* l-000..l-119: ordinary accounts all seen on 198.51.100.1 (a supernode: 121 links with
  a-08's) and on gmail.com; two of them (l-000, l-001) share a card with b-01 (a link
  outside the ring).
"""
from __future__ import annotations

from ringscope import db

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_EMAIL = '"><script>alert(2)</script>@x.io'
SUPERNODE_IP = "198.51.100.1"
CROWD = 120

_ACCOUNTS = """
UNWIND $rows AS row
CREATE (a:Account {account_id: row.id, created_at: datetime(row.created), email: row.email,
                   email_domain: row.domain, display_name: row.name, country: row.country, tier: 'free',
                   exchanges: row.exchanges, input_tokens: row.exchanges * 300, output_tokens: row.exchanges * 900,
                   active_days: size(row.days), first_exchange: datetime(row.created) + duration('PT1H'),
                   last_exchange: datetime(row.created) + duration('P3D'),
                   hour_profile: row.hours, daily_dates: [d IN row.days | date(d)], daily_counts: row.counts})
MERGE (d:EmailDomain {domain: row.domain})
CREATE (a)-[:HAS_EMAIL_DOMAIN]->(d)
"""

_LINKS = """
UNWIND $rows AS row
MATCH (a:Account {account_id: row.account})
CALL (a, row) {
  WITH a, row WHERE row.kind = 'card'
  MERGE (x:PaymentInstrument {instrument_id: row.key}) ON CREATE SET x.kind = 'card', x.bin = '411111', x.issuer_country = 'US'
  CREATE (a)-[:PAID_WITH {count: 3, first_seen: datetime('2025-03-01T00:00:00Z'), last_seen: datetime('2025-03-04T00:00:00Z')}]->(x)
  RETURN count(*) AS c1
}
CALL (a, row) {
  WITH a, row WHERE row.kind = 'device'
  MERGE (x:Device {device_id: row.key}) ON CREATE SET x.user_agent = 'Mozilla/5.0 (X11; Linux x86_64) <b>vm</b>'
  CREATE (a)-[:USED_DEVICE {logins: 4}]->(x)
  RETURN count(*) AS c2
}
CALL (a, row) {
  WITH a, row WHERE row.kind = 'ip'
  MERGE (x:IP {address: row.key}) ON CREATE SET x.kind = 'proxy', x.asn = 64500, x.as_org = 'Example Proxy Net', x.country = 'NL'
  CREATE (a)-[:USED_IP {logins: 2, exchanges: 40}]->(x)
  RETURN count(*) AS c3
}
CALL (a, row) {
  WITH a, row WHERE row.kind = 'template'
  MERGE (x:PromptTemplate {fingerprint: row.key}) ON CREATE SET x.accounts = 8, x.exchanges = 4000
  CREATE (a)-[:SENT_TEMPLATE {exchanges: 500}]->(x)
  RETURN count(*) AS c4
}
CALL (a, row) {
  WITH a, row WHERE row.kind = 'org'
  MERGE (x:Org {org_id: row.key})
  CREATE (a)-[:IN_ORG]->(x)
  RETURN count(*) AS c5
}
RETURN count(*) AS n
"""

_RINGS = """
UNWIND $rows AS row
CREATE (r:Ring {ring_id: row.id, score: row.score, size: size(row.members), signals: row.signals,
                evidence: row.evidence, detected_at: datetime('2025-03-10T00:00:00Z'), detection_version: 'test',
                status: row.status, labels: row.labels})
WITH r, row
UNWIND range(0, size(row.members) - 1) AS i
MATCH (a:Account {account_id: row.members[i]})
CREATE (r)-[:HAS_MEMBER {score: 1.0 - i * 0.01, added_by: 'detect', removed: false}]->(a)
"""


def _account(aid: str, created: str, *, name: str | None = None, email: str | None = None,
             exchanges: int = 100, hour: int = 3) -> dict:
    email = email or f"{aid}@{'evil.io' if aid.startswith('a-') else 'gmail.com'}"
    domain = email.rsplit("@", 1)[-1] if "@" in email else "x.io"
    hours = [0] * 24
    hours[hour] = exchanges
    return {"id": aid, "created": created, "email": email, "domain": domain, "name": name or f"User {aid}",
            "country": "US", "exchanges": exchanges, "hours": hours,
            "days": ["2025-03-02", "2025-03-03"], "counts": [exchanges // 2, exchanges - exchanges // 2]}


def build_world(settings) -> dict:
    """Load the world into an empty database; returns what the tests look for."""
    ring_a = [f"a-{i:02d}" for i in range(1, 9)]
    ring_b = [f"b-{i:02d}" for i in range(1, 5)]
    crowd = [f"l-{i:03d}" for i in range(CROWD)]
    accounts = [
        _account("a-01", "2025-03-01T02:00:00Z", name=XSS_NAME, email=XSS_EMAIL, exchanges=900),
        *[_account(a, f"2025-03-01T02:{i:02d}:00Z", exchanges=800 - i) for i, a in enumerate(ring_a[1:], 1)],
        *[_account(b, f"2025-03-05T10:{i:02d}:00Z", exchanges=300, hour=14) for i, b in enumerate(ring_b)],
        *[_account(c, f"2024-{1 + i % 12:02d}-{1 + i % 27:02d}T12:00:00Z", exchanges=20, hour=12 + i % 8)
          for i, c in enumerate(crowd)],
    ]
    links = (
        [{"account": a, "kind": "card", "key": "pi-A1"} for a in ring_a[:5]]
        + [{"account": a, "kind": "card", "key": "pi-A2"} for a in ring_a[4:]]
        + [{"account": a, "kind": "device", "key": "dev-A1"} for a in ring_a]
        + [{"account": a, "kind": "template", "key": "tpl-a1b2c3d4e5f6"} for a in ring_a]
        + [{"account": a, "kind": "ip", "key": "10.1.2.3"} for a in ring_a[:4]]
        + [{"account": "a-02", "kind": "ip", "key": "2001:db8::5"}]
        + [{"account": a, "kind": "ip", "key": "203.0.113.7"} for a in ring_b]
        + [{"account": a, "kind": "ip", "key": "203.0.113.9"} for a in ring_b[:3]]
        + [{"account": a, "kind": "ip", "key": SUPERNODE_IP} for a in crowd + ["a-08"]]
        + [{"account": a, "kind": "card", "key": "pi-B1"} for a in ["b-01", "l-000", "l-001"]]
        + [{"account": a, "kind": "org", "key": "org-1"} for a in ring_b]
    )
    evidence_a = ('{"summary": "8 accounts share 2 prepaid cards, 1 VM device and 1 prompt template", '
                  '"shared": [{"kind": "PaymentInstrument", "key": "pi-A1", "accounts": 5}, '
                  '{"kind": "Device", "key": "dev-A1", "accounts": 8}], "burst_minutes": 7, '
                  '"note_from_data": "' + XSS_NAME.replace('"', '\\"') + '"}')
    rings = [
        {"id": "ring-a", "score": 0.91, "signals": ["instrument", "device", "template"], "evidence": evidence_a,
         "status": "new", "labels": [], "members": ring_a},
        {"id": "ring-b", "score": 0.55, "signals": ["ip", "burst"], "evidence": '{"summary": "4 accounts on 2 proxy exits"}',
         "status": "investigating", "labels": ["proxy"], "members": ring_b},
    ]
    db.run_write(_ACCOUNTS, {"rows": accounts}, settings=settings)
    db.run_write(_LINKS, {"rows": links}, settings=settings)
    db.run_write(_RINGS, {"rows": rings}, settings=settings)
    return {"ring_a": ring_a, "ring_b": ring_b, "crowd": crowd}


def test_the_world_loads_as_described(world):
    counts = db.run_read(
        "MATCH (a:Account) WITH count(a) AS accounts "
        "MATCH (r:Ring) WITH accounts, count(r) AS rings "
        "MATCH (:IP {address: $ip})<-[u:USED_IP]-() RETURN accounts, rings, count(u) AS crowd",
        {"ip": SUPERNODE_IP}, settings=world["settings"])[0]
    assert counts == {"accounts": 8 + 4 + CROWD, "rings": 2, "crowd": CROWD + 1}
