"""Ingest pieces that need no database: discovery, headers, IPs, reject files."""
from __future__ import annotations

import gzip

import pytest

from ringscope.errors import RingScopeError
from ringscope.ingest import contract
from ringscope.ingest.aggregate import email_domain, kept_extras
from ringscope.ingest.files import discover, header, is_empty, stage_csv
from ringscope.ingest.ipintel import IntelTable, normalise
from ringscope.ingest.rejects import RejectWriter, read_rejects
from ringscope.ingest.validate import HeaderRefused, check_header


def test_discover_orders_by_kind_then_name_and_lists_the_rest(tmp_path):
    for name in ["exchanges_10.parquet", "exchanges_2.parquet", "accounts.csv", "ip_intel.csv.gz",
                 "notes.txt", "labels.csv", "logins-b.csv", "logins-a.csv"]:
        (tmp_path / name).write_text("x")
    (tmp_path / "exchanges").mkdir()
    (tmp_path / "exchanges" / "part-1.parquet").write_text("x")
    world = discover(tmp_path)
    assert [(f.kind, f.name) for f in world.files] == [
        ("ip_intel", "ip_intel.csv.gz"),
        ("accounts", "accounts.csv"),
        ("logins", "logins-a.csv"),
        ("logins", "logins-b.csv"),
        ("exchanges", "exchanges/part-1.parquet"),
        ("exchanges", "exchanges_2.parquet"),
        ("exchanges", "exchanges_10.parquet"),
        ("labels", "labels.csv"),
    ]
    assert world.missing_kinds == ["payment_instruments"]
    assert [p.name for p in world.ignored] == ["notes.txt"]


def test_discover_refuses_a_missing_directory(tmp_path):
    with pytest.raises(RingScopeError, match="does not exist"):
        discover(tmp_path / "nope")


def test_header_check_names_the_missing_column_in_one_line(tmp_path):
    (tmp_path / "exchanges.csv").write_text("account_id,when\nacc1,2024-01-01\n")
    source = discover(tmp_path).files[0]
    with pytest.raises(HeaderRefused) as err:
        check_header(contract.KINDS["exchanges"], source, header(source))
    message = str(err.value)
    assert "\n" not in message
    assert "exchanges.csv refused" in message and "lacks required column ts" in message


def test_empty_files_are_recognised_plain_and_gzipped(tmp_path):
    (tmp_path / "accounts.csv").write_bytes(b"")
    with gzip.open(tmp_path / "logins.csv.gz", "wb") as fh:
        fh.write(b"")
    files = discover(tmp_path).files
    assert all(is_empty(f) for f in files)
    assert all(header(f) == [] for f in files)


def test_staging_numbers_rows_around_malformed_ones(tmp_path):
    (tmp_path / "logins.csv").write_text(
        "account_id,ts,ip\n"
        "a,2024-01-01,1.1.1.1\n"
        "b,2024-01-01,1.1.1.1,EXTRA\n"
        "c,2024-01-01,1.1.1.1\n"
    )
    source = discover(tmp_path).files[0]
    import pyarrow.parquet as pq

    out = tmp_path / "staged.parquet"
    rows, malformed = stage_csv(source, header(source), out)
    assert rows == 2
    assert [(m.row, m.reason) for m in malformed] == [(2, "expected 3 fields, got 4")]
    table = pq.read_table(out).to_pylist()
    assert [(r["__row"], r["account_id"]) for r in table] == [(1, "a"), (3, "c")]


@pytest.mark.parametrize(
    "raw, expected",
    [("10.0.0.1", "10.0.0.1"), (" 10.0.0.1 ", "10.0.0.1"), ("2001:DB8:0::1", "2001:db8::1"),
     ("[::1]", "::1"), ("999.1.1.1", None), ("10.0.0.1/24", None), ("", None), (None, None), ("fe80::1%eth0", "fe80::1%eth0")],
)
def test_normalise_ip(raw, expected):
    assert normalise(raw) == expected


def test_longest_prefix_match_prefers_the_most_specific_network():
    table = IntelTable.build([
        {"network": "10.0.0.0/8", "asn": "64500", "kind": "corporate"},
        {"network": "10.1.0.0/16", "asn": "AS64501", "kind": "hosting"},
        {"network": "10.1.2.0/24", "asn": "64502", "kind": "proxy"},
        {"network": "10.1.2.3", "asn": "64503", "kind": "vpn"},
        {"network": "0.0.0.0/0", "asn": "1", "kind": "default"},
        {"network": "2001:db8::/32", "asn": "64510", "kind": "residential"},
        {"network": "2001:db8:1::/48", "asn": "64511", "kind": "mobile"},
        {"network": "10.1.2.0/24", "asn": "64599", "kind": "proxy"},  # a later row for the same network wins
        {"network": "not a network"},
    ])
    hits = table.lookup(["10.1.2.3", "10.1.2.4", "10.1.9.9", "10.200.0.1", "11.0.0.1",
                         "2001:db8:1::5", "2001:db8:2::5", "2001:db9::1"])
    assert [(h or {}).get("kind") for h in hits] == [
        "vpn", "proxy", "hosting", "corporate", "default", "mobile", "residential", None]
    assert hits[1]["asn"] == 64599 and hits[1]["network"] == "10.1.2.0/24"
    assert hits[2]["asn"] == 64501
    assert hits[0]["network"] == "10.1.2.3/32"


def test_longest_prefix_match_on_many_addresses_matches_a_brute_force():
    import ipaddress
    import random

    rng = random.Random(7)
    nets = []
    for _ in range(300):
        plen = rng.choice([8, 12, 16, 20, 24, 28, 32])
        addr = ipaddress.ip_address(rng.randrange(1 << 32))
        nets.append(ipaddress.ip_network(f"{addr}/{plen}", strict=False))
    table = IntelTable.build([{"network": str(n), "as_org": str(n)} for n in nets])
    addrs = [str(ipaddress.ip_address(rng.randrange(1 << 32))) for _ in range(2000)]
    addrs += [str(n.network_address + 1) for n in nets[:200]]
    got = [(h or {}).get("network") for h in table.lookup(addrs)]
    for addr, network in zip(addrs, got):
        holding = [n for n in nets if ipaddress.ip_address(addr) in n]
        best = max(holding, key=lambda n: n.prefixlen) if holding else None
        assert network == (str(best) if best else None), addr


def test_email_domain_and_extras():
    assert email_domain("Alice@Example.COM") == "example.com"
    assert email_domain("a@Corp.Test.") == "corp.test"
    assert email_domain("a@b@Corp.Test.") is None  # two @: not one address
    assert email_domain("no-at-sign") is None and email_domain(None) is None
    kind = contract.KINDS["accounts"]
    assert kept_extras(kind, ["account_id", "created_at", "referrer", "exchanges", "bad name", "__x"]) == ["referrer"]
    assert kept_extras(contract.KINDS["exchanges"], ["account_id", "ts", "referrer"]) == []


def test_reject_writer_neutralises_formulas_and_creates_files_only_when_needed(tmp_path):
    with RejectWriter(tmp_path / "r", "sub/logins.csv") as w:
        pass
    assert not (tmp_path / "r").exists()
    with RejectWriter(tmp_path / "r", "sub/logins.csv") as w:
        w.write([(3, "why", "=HYPERLINK(1)"), (4, "why", "-5"), (None, "why", None)])
    rows = read_rejects(w.path)
    assert w.path.name == "sub__logins.csv.rejects.csv"
    assert [(r["row"], r["value"]) for r in rows] == [("3", "'=HYPERLINK(1)"), ("4", "-5"), ("", "")]
