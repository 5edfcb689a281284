"""Writes the hand-made multi-day world the cycle tests replay, one set of split files
per day (interchange contract: shared/spec/interchange.md). Deterministic; re-run it
after changing the story below and commit the CSVs it writes beside it.

    python tests/worlds/multiday/make_world.py

The story (ground truth in labels.csv):

- day 1, 2026-03-01: the first export, a week of history (2026-02-23 .. 03-01).
  40 ordinary people (own card, own laptop, home address, a few public templates,
  evening traffic) and ring A: 6 accounts signed up within 30 minutes, paying with
  two prepaid cards, logging in from two VM images through residential-proxy exits,
  rotating five private prompt templates around the clock with long outputs.
- day 2, 2026-03-02: the same people and ring A go on as before. Nothing new.
- day 3, 2026-03-03: ring A adds two accounts on its cards, VM image, exits and templates.
- day 4, 2026-03-04: ring A was enforced; one of its accounts (opA2) keeps going anyway,
  and its operator comes back with three fresh accounts (retB*): a new prepaid card and
  new exits, but an old VM image and the same prompt set.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAY1, DAY2, DAY3, DAY4 = (dt.date(2026, 3, d) for d in (1, 2, 3, 4))
HISTORY_START = dt.date(2026, 2, 23)

PEOPLE = [f"p{i:03d}" for i in range(40)]
RING_A = [f"opA{i}" for i in range(6)]
GROWN = ["opA6", "opA7"]
RETURNING = ["retB0", "retB1", "retB2"]
STILL_ACTIVE = "opA2"

PUBLIC_TEMPLATES = [f"tpl-public-{i}" for i in range(6)]
RING_TEMPLATES = [f"tpl-a-{i}" for i in range(5)]
PROXY_A = [(f"185.{40 + k}.7.{20 + k}", 64700 + k % 3) for k in range(6)]
PROXY_B = [(f"193.{60 + k}.9.{30 + k}", 64800 + k % 3) for k in range(4)]
#: people's evening-heavy hour weights
DIURNAL = [0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 3, 2, 2, 2, 2, 3, 3, 4, 4, 3, 2, 1]


def ts(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}Z"


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


class Files:
    """Rows per file name, written as CSV at the end."""

    HEADERS = {
        "accounts": ["account_id", "created_at", "email", "display_name", "country", "tier"],
        "payment_instruments": ["account_id", "instrument_id", "kind", "bin", "issuer_country", "first_seen", "last_seen"],
        "logins": ["account_id", "ts", "ip", "device_id", "user_agent"],
        "exchanges": ["account_id", "ts", "ip", "api_key_id", "model", "input_tokens", "output_tokens", "prompt_fingerprint"],
    }

    def __init__(self) -> None:
        self.rows: dict[str, list[list]] = {}

    def add(self, kind: str, day: dt.date, row: list) -> None:
        self.rows.setdefault(f"{kind}_{day.isoformat()}.csv", []).append(row)

    def write(self) -> None:
        for old in HERE.glob("*.csv"):
            old.unlink()
        for kind in self.HEADERS:  # a day without rows of a kind still delivers its (empty) file
            for day in (DAY1, DAY2, DAY3, DAY4):
                self.rows.setdefault(f"{kind}_{day.isoformat()}.csv", [])
        for name, rows in sorted(self.rows.items()):
            kind = name.rsplit("_", 1)[0]
            with (HERE / name).open("w", newline="") as fh:
                out = csv.writer(fh, lineterminator="\n")
                out.writerow(self.HEADERS[kind])
                out.writerows(sorted(rows, key=lambda r: (str(r[1]), str(r[0]))))


def file_day(day: dt.date) -> dt.date:
    """The export a day's rows arrive in: everything up to day 1 is in day 1's backfill."""
    return max(day, DAY1)


def person(files: Files, rng: random.Random, i: int, account: str) -> None:
    created = dt.date(2026, 1, 5) + dt.timedelta(days=i)
    files.add("accounts", DAY1, [account, ts(created, 9 + i % 10, i % 60), f"{account}.{rng.randint(10, 99)}x@homemail.example",
                                 f"Person {i}", "US", "free"])
    files.add("payment_instruments", DAY1, [account, f"card-{account}", "card", f"4{rng.randint(10000, 99999)}", "US",
                                            ts(created, 10), ts(DAY1, 10)])
    home = f"24.{i // 200}.{i % 200}.{10 + i % 7}"
    templates = rng.sample(PUBLIC_TEMPLATES, 3)
    for day in days(HISTORY_START, DAY4):
        if rng.random() < 0.3:
            continue  # people skip days
        fd = file_day(day)
        files.add("logins", fd, [account, ts(day, 18, i % 60), home, f"laptop-{account}", "Mozilla/5.0 (Macintosh)"])
        for k in range(rng.randint(1, 5)):
            hour = rng.choices(range(24), DIURNAL)[0]
            files.add("exchanges", fd, [account, ts(day, hour, rng.randint(0, 59), k), home, f"key-{account}", "m-large",
                                        rng.randint(200, 900), rng.randint(300, 900), rng.choice(templates)])


def operator_account(files: Files, rng: random.Random, account: str, *, signup: dt.datetime, first: dt.date,
                     last: dt.date, card: str, device: str, exits: list[tuple[str, int]], email: str) -> None:
    """A script: one sign-in a day through a proxy exit, two exchanges an hour round the
    clock, the ring's five templates in rotation, long outputs."""
    fd = file_day(signup.date())
    files.add("accounts", fd, [account, signup.strftime("%Y-%m-%dT%H:%M:%SZ"), email, account.upper(), "US", "pro"])
    files.add("payment_instruments", fd, [account, card, "card", "533248", "PA",
                                          signup.strftime("%Y-%m-%dT%H:%M:%SZ"), ts(last, 23)])
    for day in days(first, last):
        fd = file_day(day)
        ip, _ = exits[rng.randrange(len(exits))]
        files.add("logins", fd, [account, ts(day, rng.randint(0, 3), rng.randint(0, 59)), ip, device, "python-httpx/0.27"])
        for hour in range(24):
            for half in (0, 30):
                ip, _ = exits[(hour + half) % len(exits)]
                files.add("exchanges", fd, [account, ts(day, hour, half + rng.randint(0, 20), rng.randint(0, 59)), ip,
                                            f"key-{account}", "m-large", rng.randint(1200, 1600), rng.randint(2200, 2800),
                                            RING_TEMPLATES[(hour * 2 + half // 30) % len(RING_TEMPLATES)]])


def main() -> None:
    rng = random.Random(16)
    files = Files()
    for i, account in enumerate(PEOPLE):
        person(files, rng, i, account)
    burst = dt.datetime(2026, 2, 23, 2, 0, tzinfo=dt.timezone.utc)
    for i, account in enumerate(RING_A):
        last = DAY4 if account == STILL_ACTIVE else DAY3
        operator_account(files, rng, account, signup=burst + dt.timedelta(minutes=5 * i), first=HISTORY_START, last=last,
                         card=f"prepaid-a-{i % 2}", device=f"vm-img-a-{i % 2}", exits=PROXY_A,
                         email=f"dev.ops{i:03d}@fastmail.example")
    grown_at = dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.timezone.utc)
    for i, account in enumerate(GROWN):
        operator_account(files, rng, account, signup=grown_at + dt.timedelta(minutes=4 * i), first=DAY3, last=DAY3,
                         card=f"prepaid-a-{i % 2}", device="vm-img-a-1", exits=PROXY_A,
                         email=f"dev.ops{6 + i:03d}@fastmail.example")
    back_at = dt.datetime(2026, 3, 4, 0, 10, tzinfo=dt.timezone.utc)
    for i, account in enumerate(RETURNING):
        operator_account(files, rng, account, signup=back_at + dt.timedelta(minutes=3 * i), first=DAY4, last=DAY4,
                         card="prepaid-b-0", device="vm-img-a-0", exits=PROXY_B,
                         email=f"qa.team{i:03d}@inbox.example")
    files.write()
    with (HERE / "ip_intel.csv").open("w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["network", "asn", "as_org", "country", "kind"])
        out.writerow(["24.0.0.0/8", "7922", "Home Cable", "US", "residential"])
        for ip, asn in PROXY_A + PROXY_B:
            out.writerow([f"{ip.rsplit('.', 1)[0]}.0/24", asn, f"Residential ISP {asn}", "US", "residential"])
    with (HERE / "labels.csv").open("w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["account_id", "ring_id", "role"])
        for account in PEOPLE:
            out.writerow([account, "", ""])
        for account in RING_A + GROWN + RETURNING:
            role = "operator" if account == "opA0" else "returning" if account in RETURNING else "member"
            out.writerow([account, "ring-A", role])


if __name__ == "__main__":
    main()
