"""The held-out generator (benchmarks/heldout/generate.py) writes worlds that keep the input contract.

No Neo4j needed: the generator is run as a user runs it (a subprocess), and its files
are read back with pandas/pyarrow and checked against shared/spec/interchange.md,
for determinism by seed, and for the confounders and ring tradecraft it promises.
"""
from __future__ import annotations

import hashlib
import ipaddress
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "benchmarks" / "heldout" / "generate.py"

REQUIRED = {
    "accounts": {"account_id", "created_at"},
    "payment_instruments": {"account_id", "instrument_id"},
    "logins": {"account_id", "ts", "ip"},
    "exchanges": {"account_id", "ts"},
    "ip_intel": {"network"},
    "labels": {"account_id"},
}
OPTIONAL = {
    "accounts": {"email", "display_name", "country", "org_id", "tier"},
    "payment_instruments": {"kind", "bin", "issuer_country", "first_seen", "last_seen"},
    "logins": {"device_id", "user_agent"},
    "exchanges": {"ip", "api_key_id", "model", "input_tokens", "output_tokens", "prompt_fingerprint"},
    "ip_intel": {"asn", "as_org", "country", "kind"},
    "labels": {"ring_id", "role"},
}
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def generate(out: Path, *args: str) -> None:
    subprocess.run([sys.executable, str(GENERATOR), str(out), *args], check=True, capture_output=True, text=True)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def read(folder: Path, kind: str) -> pd.DataFrame:
    if kind == "exchanges":
        return pd.read_parquet(folder / "exchanges.parquet")
    return pd.read_csv(folder / f"{kind}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("heldout") / "small-2"
    generate(out, "--seed", "2", "--size", "small")
    return out


def test_files_and_columns_follow_the_contract(world):
    assert {p.name for p in world.iterdir()} == {
        "accounts.csv", "payment_instruments.csv", "logins.csv", "exchanges.parquet", "ip_intel.csv", "labels.csv",
        "heldout_manifest.json"}
    for kind, required in REQUIRED.items():
        columns = set(read(world, kind).columns)
        assert required <= columns, (kind, required - columns)
        assert columns <= required | OPTIONAL[kind], (kind, columns - required - OPTIONAL[kind])


def test_values_have_the_contract_types(world):
    accounts = read(world, "accounts")
    assert accounts["account_id"].is_unique and (accounts["account_id"] != "").all()
    pd.to_datetime(accounts["created_at"], format=ISO_UTC, utc=True)  # raises on a bad timestamp
    logins = read(world, "logins")
    pd.to_datetime(logins["ts"], format=ISO_UTC, utc=True)
    instruments = read(world, "payment_instruments")
    assert not instruments.duplicated(["account_id", "instrument_id"]).any()
    assert set(instruments["kind"]) <= {"card", "bank", "wallet", "crypto"}
    cards = instruments[instruments["kind"] == "card"]
    assert cards["bin"].str.fullmatch(r"\d{6}").all()
    for col in ("first_seen", "last_seen"):
        pd.to_datetime(instruments[col], format=ISO_UTC, utc=True)

    schema = pq.read_schema(world / "exchanges.parquet")
    assert str(schema.field("ts").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("input_tokens").type) == "int64"
    exchanges = read(world, "exchanges")
    assert (exchanges["input_tokens"] >= 1).all() and (exchanges["output_tokens"] >= 1).all()
    assert exchanges["prompt_fingerprint"].str.fullmatch(r"[0-9a-f]{16}").all()
    for ip in pd.concat([logins["ip"], exchanges["ip"]]).unique():
        ipaddress.ip_address(ip)
    intel = read(world, "ip_intel")
    assert intel["network"].is_unique
    for network in intel["network"]:
        ipaddress.ip_network(network)
    assert set(intel["kind"]) <= {"residential", "mobile", "hosting", "vpn", "proxy", "corporate", "education"}


def test_links_point_at_known_accounts_and_activity_follows_sign_up(world):
    accounts = read(world, "accounts")
    known = set(accounts["account_id"])
    for kind in ("payment_instruments", "logins", "exchanges", "labels"):
        assert set(read(world, kind)["account_id"]) <= known, kind
    created = pd.to_datetime(accounts.set_index("account_id")["created_at"], format=ISO_UTC, utc=True)
    exchanges = read(world, "exchanges")
    assert (exchanges["ts"] >= exchanges["account_id"].map(created)).all()


def test_labels_cover_every_account_with_eight_rings(world):
    accounts, labels = read(world, "accounts"), read(world, "labels")
    assert sorted(labels["account_id"]) == sorted(accounts["account_id"])
    rings = labels.loc[labels["ring_id"] != "", "ring_id"].value_counts()
    assert len(rings) == 8
    assert rings.between(20, 200).all(), rings.to_dict()
    assert 4_500 <= len(accounts) <= 5_500


def test_same_seed_same_bytes_other_seed_other_world(world, tmp_path):
    again = tmp_path / "again"
    generate(again, "--seed", "2", "--size", "small")
    assert digest(again) == digest(world)
    other = tmp_path / "other"
    generate(other, "--seed", "3", "--size", "small")
    assert digest(other)["accounts.csv"] != digest(world)["accounts.csv"]


def test_identifier_only_variant_is_the_same_world_without_activity(world, tmp_path):
    bare = tmp_path / "bare"
    generate(bare, "--seed", "2", "--size", "small", "--no-exchanges", "--no-logins")
    files = digest(bare)
    assert "exchanges.parquet" not in files and "logins.csv" not in files
    full = digest(world)
    for name in ("accounts.csv", "payment_instruments.csv", "ip_intel.csv", "labels.csv"):
        assert files[name] == full[name], name


def _accounts_per(frame: pd.DataFrame, column: str, labels: pd.DataFrame) -> pd.DataFrame:
    """Per value of `column`: how many legitimate and how many ring accounts use it."""
    m = frame[["account_id", column]].drop_duplicates().merge(labels, on="account_id")
    return m.groupby(column).agg(legit=("ring_id", lambda s: int((s == "").sum())),
                                 ring=("ring_id", lambda s: int((s != "").sum())))


def test_legitimate_confounders_are_present(world):
    labels = read(world, "labels")
    cards = _accounts_per(read(world, "payment_instruments"), "instrument_id", labels)
    assert (cards["legit"] >= 20).any(), "a company card shared by a large team"
    assert (cards["legit"].between(2, 5)).sum() >= 30, "family cards"
    logins = read(world, "logins")
    ips = _accounts_per(logins, "ip", labels)
    assert (ips["legit"] >= 80).any(), "a campus or carrier NAT address"
    attendees = logins.merge(labels, on="account_id").query("role == 'hackathon'")
    assert attendees.groupby("ip")["account_id"].nunique().max() >= 30, "a hackathon venue address"
    templates = _accounts_per(read(world, "exchanges"), "prompt_fingerprint", labels)
    assert (templates["legit"] >= 100).any(), "popular public templates"
    assert (templates["legit"].between(5, 40)).sum() >= 50, "company and course templates"
    emails = read(world, "accounts").merge(labels, on="account_id")
    honest = emails[emails["ring_id"] == ""]
    assert honest["email"].str.contains(r"\d").mean() > 0.15, "honest e-mails with numbers"
    volume = read(world, "exchanges")["account_id"].value_counts()
    assert volume.reindex(honest["account_id"]).max() > 2_000, "heavy single legitimate accounts"
    assert volume.reindex(honest["account_id"]).isna().mean() > 0.15, "dormant legitimate accounts"


def test_rings_keep_their_tradecraft(world):
    labels = read(world, "labels")
    instruments = read(world, "payment_instruments").merge(labels, on="account_id")
    prepaid = instruments[instruments["ring_id"].str.endswith("prepaid-vm")]
    members = labels["ring_id"].str.endswith("prepaid-vm").sum()
    assert prepaid["bin"].nunique() == 1 and prepaid["instrument_id"].nunique() <= members / 6
    # The template-only ring shares no card and no device between its accounts ...
    proxy = instruments[instruments["ring_id"].str.endswith("template-proxy")]
    assert proxy["instrument_id"].is_unique
    logins = read(world, "logins").merge(labels, on="account_id")
    ring2 = logins[logins["ring_id"].str.endswith("template-proxy")]
    assert (ring2.groupby("device_id")["account_id"].nunique() == 1).all()
    # ... but its accounts densely share a private template set at a few exchanges per template.
    exchanges = read(world, "exchanges").merge(labels, on="account_id")
    ring2_ex = exchanges[exchanges["ring_id"].str.endswith("template-proxy")]
    per_template = ring2_ex.groupby("prompt_fingerprint")["account_id"].nunique()
    assert (per_template >= 5).sum() >= 30
    assert ring2_ex.groupby(["account_id", "prompt_fingerprint"]).size().median() <= 4
    # The split ring's two sides share no card, device or address; bridges touch both.
    split = logins[logins["ring_id"].str.endswith("split-infra")]
    side_ips = split.groupby("role")["ip"].agg(set)
    assert not side_ips["side_a"] & side_ips["side_b"]
    assert side_ips["bridge"] & side_ips["side_a"] and side_ips["bridge"] & side_ips["side_b"]
