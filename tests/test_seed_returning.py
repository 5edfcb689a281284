"""Returning operators and daily files in the generator (issue 16): operators enforced
against during the window come back with fresh accounts on some of the old ring's
identifiers, and a world can be written as the daily export a scheduler receives.
Fast (no Neo4j)."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from click.testing import CliRunner

from ringscope.errors import RingScopeError
from ringscope.seed_data.cli import seed
from ringscope.seed_data.presets import resolve
from ringscope.seed_data.world import generate


def cfg(**kw):
    kw = {"legit_accounts": 800, "operator_accounts": 160, "rings": 5, "exchanges_scale": 0.2, "returning_rings": 2, **kw}
    return resolve("demo", 11, **kw)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("returning")
    summary = generate(cfg(), out)
    return out, summary


def q(sql: str):
    return duckdb.sql(sql).fetchall()


def test_returning_operators_come_back_after_enforcement_on_old_identifiers(world):
    out, summary = world
    assert len(summary["returning"]) == 2
    labels = f"read_csv('{out}/labels.csv', all_varchar=true)"
    ex = f"read_parquet('{out}/exchanges.parquet')"
    for r in summary["returning"]:
        old, new = r["ring_id"], r["returning_ring_id"]
        assert new == old + "_r" and r["reuses"]
        [(n, roles, ops)] = q(f"SELECT count(*), list(DISTINCT role), count(DISTINCT operator_id) FROM {labels} "
                              f"WHERE ring_id = '{new}'")
        assert n == r["accounts"] >= 5 and roles == ["returning"]
        # the same operator runs both
        [(same,)] = q(f"SELECT count(DISTINCT operator_id) FROM {labels} WHERE ring_id IN ('{old}', '{new}')")
        assert ops == 1 and same == 1
        # the old ring stops when enforced; the fresh accounts start days later
        [(old_last,)] = q(f"SELECT max(ts) FROM {ex} JOIN {labels} USING (account_id) WHERE ring_id = '{old}'")
        [(new_first,)] = q(f"SELECT min(ts) FROM {ex} JOIN {labels} USING (account_id) WHERE ring_id = '{new}'")
        start = dt.datetime(2025, 3, 3, tzinfo=dt.timezone.utc)
        # (the last active day is the one before enforcement, in the accounts' local time)
        assert old_last < start + dt.timedelta(days=r["enforced_day"], hours=14)
        assert new_first >= start + dt.timedelta(days=r["back_day"]) and new_first > old_last + dt.timedelta(days=1)
        # and they reuse what the comeback says they reuse
        shared = {}
        for kind, src, col in (("cards", f"read_csv('{out}/payment_instruments.csv', all_varchar=true)", "instrument_id"),
                               ("devices", f"read_csv('{out}/logins.csv', all_varchar=true)", "device_id"),
                               ("templates", ex, "prompt_fingerprint")):
            [(k,)] = q(f"SELECT count(DISTINCT a.{col}) FROM {src} a JOIN {labels} la USING (account_id) "
                       f"JOIN {src} b ON a.{col} = b.{col} JOIN {labels} lb ON lb.account_id = b.account_id "
                       f"WHERE la.ring_id = '{new}' AND lb.ring_id = '{old}'")
            shared[kind] = k
        for kind in r["reuses"]:
            assert shared[kind] > 0, (kind, shared)
        for kind in {"cards", "devices"} - set(r["reuses"]):
            assert shared[kind] == 0, (kind, shared)


def test_comebacks_that_reuse_nothing_share_no_card_or_device_with_their_old_ring(tmp_path):
    """`--returning-reuse none` (issue 16: operators who come back reusing nothing): the same
    world and comebacks, but fresh cards, devices and templates."""
    some = generate(cfg(), tmp_path / "some")
    none = generate(cfg(returning_reuse="none"), tmp_path / "none")
    assert [r["reuses"] for r in none["returning"]] == [[], []]
    # the same rings come back (later comebacks' sizes follow draws the reuse took)
    assert [r["ring_id"] for r in none["returning"]] == [r["ring_id"] for r in some["returning"]]
    out = tmp_path / "none"
    labels = f"read_csv('{out}/labels.csv', all_varchar=true)"
    for r in none["returning"]:
        old, new = r["ring_id"], r["returning_ring_id"]
        # cards and devices: none in common; templates: a fresh private set (what is left in
        # common are popular public templates, which a small world's honest accounts may
        # not happen to send, so templates are not counted here)
        for src, col in ((f"read_csv('{out}/payment_instruments.csv', all_varchar=true)", "instrument_id"),
                         (f"read_csv('{out}/logins.csv', all_varchar=true)", "device_id")):
            [(k,)] = q(f"SELECT count(DISTINCT a.{col}) FROM {src} a JOIN {labels} la USING (account_id) "
                       f"JOIN {src} b ON a.{col} = b.{col} JOIN {labels} lb ON lb.account_id = b.account_id "
                       f"WHERE la.ring_id = '{new}' AND lb.ring_id = '{old}'")
            assert k == 0, (col, k)
    result = CliRunner().invoke(seed, [str(tmp_path / "cli"), "--accounts", "800", "--operator-accounts", "160", "--rings",
                                       "5", "--exchanges-scale", "0.2", "--returning-rings", "1", "--returning-reuse",
                                       "none", "--seed", "11", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "accounts reusing nothing)" in result.output and "reusing nothing of the old ring" in result.output


def test_without_returning_rings_the_world_is_the_same_one(tmp_path):
    # the comebacks are drawn after everything else: the rest of the world is untouched
    base = generate(cfg(returning_rings=0), tmp_path / "base")
    assert "returning" not in base
    labels = lambda d: q(f"SELECT ring_id, count(*) FROM read_csv('{tmp_path / d}/labels.csv', all_varchar=true) "  # noqa: E731
                         f"WHERE ring_id <> '' GROUP BY ALL ORDER BY ALL")
    generate(cfg(returning_rings=1), tmp_path / "back")
    back = dict(labels("back"))
    assert {k: v for k, v in back.items() if not k.endswith("_r")} == dict(labels("base"))


def test_daily_files_carry_every_row_once_by_day(tmp_path):
    whole, daily = tmp_path / "whole", tmp_path / "daily"
    generate(cfg(), whole)
    summary = generate(cfg(daily=True), daily)
    assert summary["daily"]["days"] == 14 and not (daily / ".whole").exists()
    assert (daily / "labels.csv").exists() and (daily / "ip_intel.csv").exists()
    assert not (daily / "exchanges.parquet").exists() and not (daily / "accounts.csv").exists()
    days = sorted(p.name for p in daily.glob("exchanges_*.parquet"))
    assert days[0] == "exchanges_2025-03-03.parquet" and len(days) == 14
    for kind, read in (("exchanges", "read_parquet('{}')"), ("accounts", "read_csv('{}', all_varchar=true)"),
                       ("logins", "read_csv('{}', all_varchar=true)"),
                       ("payment_instruments", "read_csv('{}', all_varchar=true)")):
        ext = "parquet" if kind == "exchanges" else "csv"
        [(a,)] = q(f"SELECT count(*) FROM (SELECT DISTINCT * FROM {read.format(f'{whole}/{kind}.{ext}')})")
        [(b,)] = q(f"SELECT count(*) FROM (SELECT DISTINCT * FROM {read.format(f'{daily}/{kind}_*.{ext}')})")
        assert a == b, kind
    # an exchange arrives in the file of its own day
    [(wrong,)] = q(f"SELECT count(*) FROM read_parquet('{daily}/exchanges_*.parquet', filename=true) "
                   f"WHERE NOT filename LIKE '%exchanges_' || strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d') || '.parquet'")
    assert wrong == 0


def test_daily_files_honour_gzip_and_the_summary_lists_what_was_written(tmp_path):
    """Break-it report: `seed DIR --daily --gzip --exchanges-format csv` wrote the daily files
    as plain .csv and its summary listed logins.csv.gz and exchanges.csv.gz, which did not
    exist. Every daily CSV is gzipped now (the same bytes on a second run), and each summary
    line names files that are there, with their rows."""
    args = ["--seed", "4", "--accounts", "300", "--operator-accounts", "30", "--rings", "5", "--exchanges-scale", "0.05",
            "--daily", "--gzip", "--exchanges-format", "csv", "--no-progress"]
    out = CliRunner().invoke(seed, [str(tmp_path / "a"), *args])
    assert out.exit_code == 0, out.output
    a = tmp_path / "a"
    names = sorted(p.name for p in a.iterdir())
    assert names and all(n.endswith(".csv.gz") for n in names), [n for n in names if not n.endswith(".csv.gz")]
    assert all((a / n).read_bytes()[:2] == b"\x1f\x8b" for n in names)
    listed = [line.split()[0] for line in out.output.splitlines()[-6:]]
    assert listed == ["accounts_<day>.csv.gz", "payment_instruments_<day>.csv.gz", "logins_<day>.csv.gz",
                      "exchanges_<day>.csv.gz", "ip_intel.csv.gz", "labels.csv.gz"], out.output
    for line in out.output.splitlines()[-6:]:
        name, rows = line.split()[0], int(line.split(" rows")[0].split()[-1].replace(",", ""))
        files = sorted(a.glob(name.replace("<day>", "2025-03-[0-3][0-9]")))
        assert len(files) == (14 if "<day>" in name else 1), (name, files)
        [(n,)] = q(f"SELECT count(*) FROM read_csv({[str(f) for f in files]}, all_varchar=true)")
        assert n == rows, (name, n, rows)
    again = CliRunner().invoke(seed, [str(tmp_path / "b"), *args])
    assert again.exit_code == 0, again.output
    assert all((a / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in names)


def test_cli_options_and_their_limits(tmp_path):
    out = CliRunner().invoke(seed, [str(tmp_path / "w"), "--accounts", "800", "--operator-accounts", "160", "--rings", "5",
                                    "--exchanges-scale", "0.1", "--returning-rings", "1", "--daily", "--no-progress"])
    assert out.exit_code == 0, out.output
    assert "returning: ring_" in out.output and "written as daily export files: 14 days" in out.output
    with pytest.raises(RingScopeError, match="--returning-rings must be between 0"):
        resolve("demo", 1, rings=3, returning_rings=4)
    with pytest.raises(RingScopeError, match="at least 10 days"):
        resolve("demo", 1, days=7, returning_rings=1)
