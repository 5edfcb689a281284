"""The world generator: determinism, the file contract, the CLI and presets.
Fast (no Neo4j): worlds are generated small into tmp_path."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ringscope.errors import RingScopeError
from ringscope.seed_data import contract
from ringscope.seed_data.cli import seed
from ringscope.seed_data.presets import resolve
from ringscope.seed_data.world import generate

DEMO = Path(__file__).resolve().parents[1] / "seed_data" / "demo"


def digests(world: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(world.iterdir())}


def small(seed: int = 11, **kw):
    kw.setdefault("legit_accounts", 800)
    kw.setdefault("operator_accounts", 120)
    kw.setdefault("exchanges_scale", 0.2)
    return resolve("demo", seed, **kw)


@pytest.fixture(scope="module")
def small_world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(small(), out)
    return out


def test_same_seed_gives_identical_bytes(small_world, tmp_path):
    generate(small(), tmp_path / "again")
    assert digests(small_world) == digests(tmp_path / "again")
    assert set(digests(small_world)) == {"accounts.csv", "payment_instruments.csv", "logins.csv",
                                         "exchanges.parquet", "ip_intel.csv", "labels.csv"}


def test_other_seed_gives_other_world(small_world, tmp_path):
    generate(small(seed=12), tmp_path / "other")
    a, b = digests(small_world), digests(tmp_path / "other")
    assert all(a[k] != b[k] for k in a)


def test_committed_demo_is_what_the_documented_command_writes(tmp_path):
    """seed_data/demo must be regenerated whenever the generator changes:
    `ringscope seed seed_data/demo --preset demo --seed 7`."""
    generate(resolve("demo", 7), tmp_path / "demo")
    assert digests(tmp_path / "demo") == digests(DEMO)


def test_committed_demo_is_small_enough_to_commit():
    assert sum(p.stat().st_size for p in DEMO.iterdir()) < 10_000_000


@pytest.mark.parametrize("world", ["demo", "small"])
def test_every_file_conforms_to_the_contract(world, small_world):
    path = DEMO if world == "demo" else small_world
    assert contract.check_world(path) == []


def test_csv_gz_and_csv_exchanges_conform_and_carry_the_same_rows(tmp_path, small_world):
    cfg = small(exchanges_format="csv", compress_csv=True)
    generate(cfg, tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["accounts.csv.gz", "exchanges.csv.gz", "ip_intel.csv.gz", "labels.csv.gz",
                     "logins.csv.gz", "payment_instruments.csv.gz"]
    assert contract.check_world(tmp_path) == []
    csv = pd.read_csv(tmp_path / "exchanges.csv.gz")
    pq_ = pq.read_table(small_world / "exchanges.parquet").to_pandas()
    assert len(csv) == len(pq_)
    assert csv["ts"].iloc[0].endswith("Z")
    assert (pd.to_datetime(csv["ts"], utc=True, format="ISO8601") == pq_["ts"].dt.floor("ms")).all()


def test_checker_reports_broken_rows(tmp_path, small_world):
    """The contract check is only worth something if it can fail."""
    for p in small_world.iterdir():
        (tmp_path / p.name).write_bytes(p.read_bytes())
    logins = pd.read_csv(tmp_path / "logins.csv", dtype=str, keep_default_na=False)
    logins.loc[0, "ts"] = "yesterday"
    logins.loc[1, "ip"] = "300.1.2.3"
    logins.loc[2, "account_id"] = "acc_nobody"
    logins.to_csv(tmp_path / "logins.csv", index=False)
    (tmp_path / "ip_intel.csv").unlink()
    problems = " | ".join(contract.check_world(tmp_path))
    assert "unparsable timestamps in ts" in problems
    assert "unparsable IPs" in problems
    assert "logins: 1 account_id not in accounts" in problems
    assert "ip_intel: file missing" in problems


def test_parquet_exchanges_have_utc_timestamps_and_plain_strings(small_world):
    schema = pq.read_schema(small_world / "exchanges.parquet")
    assert str(schema.field("ts").type) == "timestamp[us, tz=UTC]"
    for name in ("account_id", "ip", "api_key_id", "model", "prompt_fingerprint"):
        assert str(schema.field(name).type) in ("string", "large_string")
    assert set(schema.names) == {"account_id", "ts", "ip", "api_key_id", "model", "input_tokens",
                                 "output_tokens", "prompt_fingerprint"}


def test_activity_stays_in_the_window_and_after_sign_up(small_world):
    acc = pd.read_csv(small_world / "accounts.csv", keep_default_na=False)
    created = pd.to_datetime(acc.set_index("account_id")["created_at"], utc=True, format="ISO8601")
    ex = pq.read_table(small_world / "exchanges.parquet", columns=["account_id", "ts"]).to_pandas()
    first = ex.groupby("account_id")["ts"].min()
    assert (first >= created[first.index]).all()
    logins = pd.read_csv(small_world / "logins.csv", keep_default_na=False)
    lts = pd.to_datetime(logins["ts"], utc=True, format="ISO8601")
    assert (lts >= created[logins["account_id"]].to_numpy()).all()
    days = ex["ts"].dt.floor("D").nunique()
    assert days == small().days


def test_cli_writes_a_world_and_prints_a_summary(tmp_path):
    result = CliRunner().invoke(seed, [str(tmp_path), "--preset", "demo", "--seed", "3", "--accounts", "500",
                                       "--operator-accounts", "60", "--rings", "6", "--exchanges-scale", "0.1",
                                       "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "rings 6" in result.output and "exchanges.parquet" in result.output
    labels = pd.read_csv(tmp_path / "labels.csv", keep_default_na=False)
    assert len(labels) == 560 and labels.loc[labels.ring_id != "", "ring_id"].nunique() == 6


def test_cli_refuses_to_write_over_an_export_but_writes_over_a_generated_world(tmp_path):
    """Field report (newcomer QA): `ringscope seed DIR` silently overwrote the accounts file
    of an export in DIR. A folder with interchange files and no labels.csv is refused
    (nothing written) unless --force; a generated world (it has labels) is regenerated."""
    args = ["--preset", "demo", "--seed", "3", "--accounts", "300", "--operator-accounts", "30", "--rings", "5",
            "--exchanges-scale", "0.05", "--no-progress"]
    export = tmp_path / "export"
    export.mkdir()
    (export / "accounts.csv").write_text("account_id,created_at\nreal-1,2025-01-01T00:00:00Z\n")
    with pytest.raises(RingScopeError, match="holds accounts.csv and no labels.csv: an export"):
        seed.main([str(export), *args], standalone_mode=False)
    assert (export / "accounts.csv").read_text().startswith("account_id,created_at\nreal-1")
    assert sorted(p.name for p in export.iterdir()) == ["accounts.csv"]
    forced = CliRunner().invoke(seed, [str(export), *args, "--force"])
    assert forced.exit_code == 0, forced.output
    again = CliRunner().invoke(seed, [str(export), *args])
    assert again.exit_code == 0, again.output


def test_seeding_over_a_world_of_the_other_shape_removes_its_files_and_nothing_else(tmp_path):
    """Break-it report: `ringscope seed DIR` (whole) over a `--daily` world kept the daily
    files, so `ringscope ingest DIR` loaded exchanges.parquet and exchanges_2025-03-0*.parquet:
    every row twice. Seeding removes the earlier world's files of either shape, in both
    directions, and leaves files that are not a world's alone."""
    from ringscope.seed_data.daily import TIME_COLUMN, find_files

    args = ["--preset", "demo", "--seed", "3", "--accounts", "300", "--operator-accounts", "30", "--rings", "5",
            "--exchanges-scale", "0.05", "--no-progress"]
    out = tmp_path / "w"
    mine = {"notes.txt": "x", "accounts_backup.txt": "x", "README.md": "x", "exchanges_old.txt": "x"}

    def shapes() -> dict[str, set[str]]:
        """per time-sliced kind: 'whole' and/or 'daily'"""
        return {kind: {"daily" if "_20" in p.name else "whole" for p in find_files(out, kind)} for kind in TIME_COLUMN}

    seed.main([str(out), *args, "--daily"], standalone_mode=False)
    for name, text in mine.items():
        (out / name).write_text(text)
    assert all(s == {"daily"} for s in shapes().values()), shapes()
    seed.main([str(out), *args], standalone_mode=False)  # whole over daily
    assert all(s == {"whole"} for s in shapes().values()), shapes()
    seed.main([str(out), *args, "--daily", "--gzip", "--exchanges-format", "csv"], standalone_mode=False)  # daily over whole
    assert all(s == {"daily"} for s in shapes().values()), shapes()
    assert len(find_files(out, "labels")) == 1 and len(find_files(out, "ip_intel")) == 1
    seed.main([str(out), *args, "--days", "5"], standalone_mode=False)  # whole again: no day of either daily world left
    assert sorted(p.name for p in out.iterdir()) == sorted([*mine, "accounts.csv", "exchanges.parquet", "ip_intel.csv",
                                                            "labels.csv", "logins.csv", "payment_instruments.csv"])
    assert all((out / name).read_text() == text for name, text in mine.items())


def test_every_cli_option_has_help():
    assert all(p.help for p in seed.params if p.param_type_name == "option")


@pytest.mark.parametrize("kw, message", [
    ({"operator_accounts": 10, "rings": 5}, "cannot fill 5 rings"),
    ({"exchanges_scale": 0}, "--exchanges-scale"),
    ({"legit_accounts": 10}, "too small"),
])
def test_impossible_knobs_are_user_errors(kw, message):
    with pytest.raises(RingScopeError, match=message):
        resolve("demo", 1, **kw)


def test_presets_match_the_issue():
    demo, medium, incident = (resolve(p, 1) for p in ("demo", "medium", "incident"))
    assert 3_000 <= demo.legit_accounts + demo.operator_accounts <= 5_000
    assert 90_000 <= medium.legit_accounts + medium.operator_accounts <= 110_000
    assert incident.legit_accounts == 1_000_000 and incident.operator_accounts == 25_000
    assert incident.operator_exchanges >= 28_800_000
    assert incident.exchanges_format == "parquet"


def test_operator_volume_reaches_the_preset_target(tmp_path):
    cfg = small()
    summary = generate(cfg, tmp_path)
    assert summary["operator_exchanges"] >= cfg.operator_exchanges
    assert summary["operator_exchanges"] <= cfg.operator_exchanges * 1.10
