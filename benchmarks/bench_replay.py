"""Time-to-detect: replay a labelled world day by day through `ringscope cycle`.

The world (e.g. from `ringscope seed OUT --preset demo`, or `seed_data/demo`) is cut
into daily export files by timestamp, the way a provider's daily export would deliver
it: accounts by sign-up, payment instruments by first use, logins and exchanges by
their time; everything before the first replayed day arrives with day 1 (the initial
export), ip_intel with day 1, labels never. Each day's files are dropped into an
inbox folder and `ringscope.cycle.run_cycle` runs on it, as cron would. After each
cycle the detected rings are compared with the labels. Prints, per labelled ring:

- the first day it was flagged (a detected ring holding >= min(3, ring size) of its
  accounts, at least half of the detected ring being them),
- hours from the ring's first exchange to the flag (the flag is raised when the
  day's export is processed: the end of that day),
- its accounts that existed by then, and the share of its exchanges made before it,
- whether it flipped (flagged, then not flagged on a later day), and how many detected
  ring ids stood for it over the replay (1: its id stayed stable);

and detection's own count of flips from its (:DetectionRun) history: detected rings it
marked weakened (found with fewer accounts or less evidence), no longer found (kept as
stale) and found again;

and for accounts labelled with --returning-role (operators back with fresh accounts),
how many were alerted before their 100th exchange; and how many alerts named a
legitimate account. Figures, not a test. `--without-operators` replays the same world
with every labelled ring account's rows left out: the legitimate population alone, on
which every alert is a false alarm.

    python benchmarks/bench_replay.py seed_data/demo --yes            # EMPTIES the configured database
    python benchmarks/bench_replay.py /tmp/medium --last-day 2025-03-20 --json out/replay.json --yes
    python benchmarks/bench_replay.py /tmp/rw --without-operators --yes   # the control: no alert expected
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ringscope import schema
from ringscope.catalog import run_query
from ringscope.config import load_settings
from ringscope.cycle import run_cycle
from ringscope.seed_data.daily import find_files, split_daily

UTC = dt.timezone.utc


@dataclass
class Slices:
    days: list[dt.date]
    out: Path
    #: ring id -> account ids; legit accounts
    rings: dict[str, set[str]] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    legit: set[str] = field(default_factory=set)


def slice_world(world: Path, out: Path, *, last_day: dt.date | None = None,
                without_operators: bool = False) -> Slices:
    """Write `<kind>_<day>.<ext>` files into `out`, one set per replayed day
    (`seed_data.daily.split_daily`), and read the labels. `without_operators`: no row of
    a labelled ring account is delivered, and `rings` stays empty."""
    days, con, found = split_daily(world, out, last_day=last_day, without_operators=without_operators)
    for path in found["ip_intel"]:
        shutil.copy(path, out / ("ip_intel" + "".join(path.suffixes)))
    slices = Slices(days=days, out=out)
    if found["labels"]:
        for account_id, ring_id, role in con.execute(
                "SELECT account_id, nullif(trim(CAST(ring_id AS VARCHAR)), ''), CAST(role AS VARCHAR) FROM src_labels").fetchall():
            if ring_id and without_operators:
                continue
            slices.roles[account_id] = role or ""
            if ring_id:
                slices.rings.setdefault(ring_id, set()).add(account_id)
            else:
                slices.legit.add(account_id)
    # per-ring truth from the source: first exchange, exchange times, sign-ups
    con.execute("CREATE TABLE truth (account_id VARCHAR, ring_id VARCHAR)")
    rows = [(a, r) for r, accs in slices.rings.items() for a in accs]
    if rows:
        con.executemany("INSERT INTO truth VALUES (?, ?)", rows)
    slices.con = con  # type: ignore[attr-defined]
    return slices


def ring_facts(con, ring_id: str, flag_at: dt.datetime | None) -> dict:
    at = flag_at or dt.datetime(9999, 1, 1, tzinfo=UTC)
    first, total, before = con.execute(
        "SELECT min(CAST(e.ts AS TIMESTAMPTZ)), count(*), count(*) FILTER (WHERE CAST(e.ts AS TIMESTAMPTZ) < ?) "
        "FROM src_exchanges e JOIN truth t USING (account_id) WHERE t.ring_id = ?", [at, ring_id]).fetchone()
    existing, members = con.execute(
        "SELECT count(*) FILTER (WHERE ad.d < CAST(? AS TIMESTAMPTZ)::DATE + 1 AND ad.d IS NOT NULL), count(*) "
        "FROM truth t LEFT JOIN account_day ad USING (account_id) WHERE t.ring_id = ?", [at, ring_id]).fetchone()
    return {"first_exchange": first, "exchanges": total, "exchanges_before_flag": before,
            "accounts": members, "accounts_by_flag": existing}


def hundredth_exchange(con, accounts: list[str]) -> dict[str, dt.datetime | None]:
    if not accounts:
        return {}
    con.execute("CREATE OR REPLACE TEMP TABLE wanted (account_id VARCHAR)")
    con.executemany("INSERT INTO wanted VALUES (?)", [(a,) for a in accounts])
    rows = con.execute(
        "SELECT account_id, ts FROM (SELECT e.account_id, CAST(e.ts AS TIMESTAMPTZ) AS ts, "
        "row_number() OVER (PARTITION BY e.account_id ORDER BY CAST(e.ts AS TIMESTAMPTZ)) AS n "
        "FROM src_exchanges e JOIN wanted USING (account_id)) WHERE n = 100").fetchall()
    out = {a: None for a in accounts}
    out.update({a: t for a, t in rows})
    return out


def matches(detected: dict[str, set[str]], accounts: set[str]) -> list[str]:
    """Detected rings holding >= min(3, size) of a labelled ring's accounts, at least half them."""
    need = min(3, len(accounts))
    return [rid for rid, members in detected.items()
            if len(members & accounts) >= need and len(members & accounts) * 2 >= len(members)]


def exchanges_before(con, when: dict[str, dt.datetime]) -> dict[str, int]:
    """Per account, its exchanges made before the given time (the alert)."""
    if not when:
        return {}
    con.execute("CREATE OR REPLACE TEMP TABLE alerted (account_id VARCHAR, alerted_at TIMESTAMPTZ)")
    con.executemany("INSERT INTO alerted VALUES (?, ?)", list(when.items()))
    rows = con.execute("SELECT a.account_id, count(e.account_id) FROM alerted a LEFT JOIN src_exchanges e "
                       "ON e.account_id = a.account_id AND CAST(e.ts AS TIMESTAMPTZ) < a.alerted_at GROUP BY ALL").fetchall()
    return {a: n for a, n in rows}


def flagged(detected: dict[str, set[str]], accounts: set[str]) -> bool:
    return bool(matches(detected, accounts))


def enforce(settings, detected: dict[str, set[str]], slices: Slices, out: Path) -> None:
    """Confirm and export every detected ring that is mostly one labelled ring (an
    investigator who is right and quick): the same functions the app and CLI call."""
    from ringscope import tagging
    from ringscope.auth import cli_identity
    from ringscope.export.bundle import export_rings

    me = cli_identity("replay-bench", settings)

    for ring_id, members in detected.items():
        if not any(flagged({ring_id: members}, accounts) for accounts in slices.rings.values()):
            continue
        if tagging.ring_tags(ring_id, settings).status == "confirmed":
            continue
        tagging.set_status(ring_id, "confirmed", by=me, settings=settings)
        export_rings(out / ring_id, ring_id=ring_id, by=me, settings=settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("world", type=Path, help="a labelled world folder (labels.csv gives the rings)")
    parser.add_argument("--yes", action="store_true", help="empty the configured database first (required)")
    parser.add_argument("--last-day", type=dt.date.fromisoformat, help="stop after this day (YYYY-MM-DD)")
    parser.add_argument("--returning-role", default="returning",
                        help="labels role of operators' fresh accounts after enforcement (default: returning)")
    parser.add_argument("--enforce", action="store_true",
                        help="act as an investigator: the day a labelled ring is flagged, confirm the detected ring "
                             "and export it (so recidivism and actioned-account alerts can fire)")
    parser.add_argument("--without-operators", action="store_true",
                        help="leave out every row of a labelled ring account: the same legitimate population "
                             "alone, on which no alert should name anyone")
    parser.add_argument("--keep", type=Path, help="keep the sliced daily files in this folder")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if not args.yes:
        raise SystemExit("the replay empties the configured database (NEO4J_URI): add --yes")
    # refused before anything is cut or reset: without labels every figure would be a zero
    if not args.world.is_dir():
        raise SystemExit(f"{args.world}: no such folder: give a world folder (ringscope seed OUT writes one)")
    if not find_files(args.world, "labels"):
        raise SystemExit(f"{args.world}: no labels.csv (which accounts are in which ring), so the replay has nothing to "
                         "measure; nothing was reset: give a labelled world (ringscope seed OUT writes one)")

    settings = load_settings()
    work = Path(tempfile.mkdtemp(prefix="ringscope-replay-"))
    daily = args.keep or work / "daily"
    inbox = work / "inbox"
    inbox.mkdir()
    t0 = time.perf_counter()
    slices = slice_world(args.world, daily, last_day=args.last_day, without_operators=args.without_operators)
    slice_s = time.perf_counter() - t0
    con = slices.con  # type: ignore[attr-defined]
    schema.reset(settings)

    first_flag: dict[str, dt.date] = {}
    flips: dict[str, int] = {r: 0 for r in slices.rings}
    was: dict[str, bool] = {r: False for r in slices.rings}
    #: every detected ring id that stood for a labelled ring: 1 when ids stayed stable
    ids_seen: dict[str, set[str]] = {r: set() for r in slices.rings}
    alerted_at: dict[str, dt.datetime] = {}
    legit_alerted: set[str] = set()
    alert_kinds: dict[str, int] = {}
    per_day = []
    for day in slices.days:
        for path in daily.glob(f"*_{day.isoformat()}.*"):
            shutil.copy(path, inbox / path.name)
        if day == slices.days[0]:
            for path in daily.glob("ip_intel*"):
                shutil.copy(path, inbox / path.name)
        report = run_cycle(inbox, settings, jsonl="", webhook_url="", bulk="never")
        end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), UTC)
        detected: dict[str, set[str]] = {}
        for row in run_query("detected_ring_members", {}, settings=settings):
            detected.setdefault(row["ring_id"], set()).add(row["account_id"])
        if args.enforce:
            enforce(settings, detected, slices, work / "bundles")
        for ring_id, accounts in slices.rings.items():
            matched = matches(detected, accounts)
            ids_seen[ring_id].update(matched)
            now = bool(matched)
            if now and ring_id not in first_flag:
                first_flag[ring_id] = day
            if was[ring_id] and not now:
                flips[ring_id] += 1
            was[ring_id] = now
        for alert in report.raised:
            alert_kinds[alert.kind] = alert_kinds.get(alert.kind, 0) + 1
            for account in alert.account_ids:
                alerted_at.setdefault(account, end_of_day)
                if account in slices.legit:
                    legit_alerted.add(account)
        ch = report.ring_changes
        weakened_today = {k: int(ch.get(k, 0)) for k in ("weakened", "no_longer_found", "found_again")}
        per_day.append({"day": day.isoformat(), "rows_loaded": report.rows_loaded, "rings": report.rings,
                        "alerts": len(report.raised), **weakened_today, "seconds": round(sum(report.seconds.values()), 1),
                        "detect_s": round(report.seconds.get("detect", 0), 1), "ingest_s": round(report.seconds.get("ingest", 0), 1)})
        print(f"{day}  {report.rows_loaded:>9,} rows  {report.rings if report.rings is not None else '-':>4} rings  "
              f"{len(report.raised):>3} alerts  {weakened_today['weakened']:>2} weakened  "
              f"{weakened_today['no_longer_found']:>2} gone  {sum(report.seconds.values()):6.1f}s "
              f"(ingest {report.seconds.get('ingest', 0):.1f}, detect {report.seconds.get('detect', 0):.1f})", flush=True)

    rows = []
    for ring_id, accounts in sorted(slices.rings.items(), key=lambda kv: -len(kv[1])):
        day = first_flag.get(ring_id)
        flag_at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), UTC) if day else None
        facts = ring_facts(con, ring_id, flag_at)
        hours = (flag_at - facts["first_exchange"]).total_seconds() / 3600 if flag_at and facts["first_exchange"] else None
        roles = sorted({slices.roles.get(a, "") for a in accounts})
        rows.append({"ring": ring_id, "roles": roles, "accounts": facts["accounts"], "first_flag_day": day.isoformat() if day else None,
                     "hours_to_flag": round(hours, 1) if hours is not None else None,
                     "accounts_by_flag": facts["accounts_by_flag"] if day else None,
                     "share_exchanges_before_flag": round(facts["exchanges_before_flag"] / facts["exchanges"], 3)
                     if day and facts["exchanges"] else None,
                     "exchanges": facts["exchanges"], "flips": flips[ring_id],
                     "detected_ids": len(ids_seen[ring_id])})
    returning = sorted(a for a, role in slices.roles.items() if role == args.returning_role)
    hundredth = hundredth_exchange(con, returning)
    early = sum(1 for a in returning if a in alerted_at and (hundredth[a] is None or alerted_at[a] <= hundredth[a]))
    before_alert = exchanges_before(con, {a: alerted_at[a] for a in returning if a in alerted_at})

    print()
    print(f"{'ring':<18} {'roles':<22} {'accts':>5} {'first flag':>11} {'hours':>7} {'accts by flag':>13} "
          f"{'exch. before flag':>17} {'flips':>5} {'ids':>4}")
    for r in rows:
        print(f"{r['ring'][:18]:<18} {','.join(r['roles'])[:22]:<22} {r['accounts']:>5} {r['first_flag_day'] or 'never':>11} "
              f"{r['hours_to_flag'] if r['hours_to_flag'] is not None else '-':>7} "
              f"{(str(r['accounts_by_flag']) + '/' + str(r['accounts'])) if r['first_flag_day'] else '-':>13} "
              f"{format(r['share_exchanges_before_flag'], '.1%') if r['share_exchanges_before_flag'] is not None else '-':>17} "
              f"{r['flips']:>5} {r['detected_ids']:>4}")
    hours = [r["hours_to_flag"] for r in rows if r["hours_to_flag"] is not None]
    shares = [r["share_exchanges_before_flag"] for r in rows if r["share_exchanges_before_flag"] is not None]
    # detection's own record of flips: rings it marked weakened (still found with less) or no
    # longer found, from the (:DetectionRun) history
    weakened_rings = run_query("weakened_ring_history", {}, settings=settings)
    summary = {
        "world": str(args.world), "days": len(slices.days), "rings": len(rows),
        "flagged": len(hours), "never": len(rows) - len(hours),
        "median_hours_to_flag": statistics.median(hours) if hours else None,
        "median_share_before_flag": statistics.median(shares) if shares else None,
        "rings_flipped": sum(1 for r in rows if r["flips"]),
        "detected_rings_weakened": sum(1 for w in weakened_rings if w["weakened"]),
        "detected_rings_no_longer_found": sum(1 for w in weakened_rings if w["no_longer_found"]),
        "detected_rings_found_again": sum(1 for w in weakened_rings if w["found_again"]),
        "weakenings": sum(d["weakened"] + d["no_longer_found"] for d in per_day),
        "rings_with_changing_ids": sum(1 for r in rows if r["detected_ids"] > 1),
        "returning_accounts": len(returning), "returning_alerted_before_100th": early,
        "returning_alerted": len(before_alert),
        "returning_median_exchanges_before_alert": statistics.median(before_alert.values()) if before_alert else None,
        "alerts_by_kind": alert_kinds,
        "legit_accounts_alerted": len(legit_alerted), "legit_accounts": len(slices.legit),
        "slice_s": round(slice_s, 1), "replay_s": round(sum(d["seconds"] for d in per_day), 1),
        "machine": f"{platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
    }
    print()
    for k, v in summary.items():
        print(f"{k}: {v}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"summary": summary, "rings": rows, "days": per_day}, indent=2, default=str))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
