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
    assert "names are exact" not in message  # no column differs only in case


def test_a_required_column_named_in_another_case_is_pointed_at(tmp_path):
    """Field report: `Account_ID` in a Parquet export was refused for lacking `account_id`,
    with nothing saying the two differ only in case (columns are read by exact name)."""
    (tmp_path / "logins.csv").write_text("Account_ID,ts,ip\nacc1,2024-01-01,192.0.2.1\n")
    source = discover(tmp_path).files[0]
    with pytest.raises(HeaderRefused) as err:
        check_header(contract.KINDS["logins"], source, header(source))
    assert "lacks required column account_id" in str(err.value)
    assert "names are exact: rename 'Account_ID'" in str(err.value) and "\n" not in str(err.value)


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
    assert [(r["__row"], r["c0"]) for r in table] == [(1, "a"), (3, "c")]  # columns by position


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


# ---------------------------------------------------------------- canonical values (issue 12)

@pytest.mark.parametrize("raw, expected", [
    ("::ffff:198.51.100.7", "198.51.100.7"), ("::FFFF:C633:6407", "198.51.100.7"), ("[::ffff:10.0.0.1]", "10.0.0.1"),
    ("::ffff:0:0", "0.0.0.0"), ("2001:DB8::FFFF:1", "2001:db8::ffff:1"), ("::1.2.3.4", "::102:304"),
    ("010.1.2.3", None),  # leading zeros: octal or decimal? refused, never guessed
])
def test_ipv4_mapped_addresses_become_ipv4_on_every_python(raw, expected):
    assert normalise(raw) == expected


def test_an_intel_network_in_the_mapped_range_is_its_ipv4_network():
    from ringscope.ingest.ipintel import parse_network

    assert str(parse_network("::ffff:198.51.100.0/120")) == "198.51.100.0/24"
    table = IntelTable.build([{"network": "::ffff:198.51.100.0/120", "kind": "hosting"}])
    assert table.lookup([normalise("::ffff:198.51.100.9")])[0]["kind"] == "hosting"


@pytest.mark.parametrize("raw, address, mailbox", [
    ("Alice@Example.COM", "Alice@example.com", "alice@example.com"),
    ('"Lee, Ann" <Ann.Lee+x@GoogleMail.com>', "Ann.Lee+x@googlemail.com", "annlee@gmail.com"),
    ("J.O.H.N@gmail.com", "J.O.H.N@gmail.com", "john@gmail.com"),
    ("mara+promo@hotmail.com", "mara+promo@hotmail.com", "mara@hotmail.com"),
    ("first.last+tag@fastmail.com", "first.last+tag@fastmail.com", "first.last@fastmail.com"),
    ("first.last+tag@corp.example", "first.last+tag@corp.example", "first.last+tag@corp.example"),
    ("x@B\u00dcCHER.example", "x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
    ("\u00a0pat@mail.test.\u00a0", "pat@mail.test", "pat@mail.test"),
    ("Zoe\u0308@x.test", "Zo\u00eb@x.test", "zo\u00eb@x.test"),
])
def test_canonical_email(raw, address, mailbox):
    from ringscope.ingest.canonical import canonical_email

    email = canonical_email(raw)
    assert (email.address, email.mailbox) == (address, mailbox)
    assert email.domain == address.split("@")[1]


@pytest.mark.parametrize("raw", ["Bob <bob@x.test", "bob@x.test>", "a@b@c.test", "no-at-sign", "a b@c.test",
                                 "a@localhost", "a@[192.0.2.1]", "a@under_score.test", "@x.test", "x@", "<a@b.test> <c@d.test>"])
def test_canonical_email_refuses_what_it_would_have_to_guess(raw):
    from ringscope.ingest.canonical import canonical_email

    assert canonical_email(raw) is None


def test_placeholder_identifiers():
    from ringscope.ingest.canonical import looks_like_placeholder

    assert all(looks_like_placeholder(v) for v in (
        "unknown", "UNDEFINED", "n/a", "0", "0000000000", "xxxxxxxx", "-", "?", "00000000-0000-0000-0000-000000000000",
        "0.0.0.0", "127.0.0.1", "::", "Not Available", "default"))
    assert not any(looks_like_placeholder(v) for v in ("dev-1", "card-7f3a", "10.0.0.1", "tpl_0001", "a1b2c3"))


def _engine_over(tmp_path, kind_name, text, name=None):
    """An Engine with the `src` view over one CSV text (staged as ingest stages it)."""
    from ringscope.ingest.engine import Engine

    world = tmp_path / (name or "w")
    world.mkdir()
    path = world / f"{kind_name}.csv"
    path.write_bytes(text.encode())
    source = discover(world).files[0]
    engine = Engine(memory_limit="256MB")
    staged = tmp_path / f"{name or 'w'}.parquet"
    stage_csv(source, header(source), staged)
    engine.open_source(contract.KINDS[kind_name], source, header(source), staged)
    return engine


def test_token_counts_are_whole_finite_and_within_range(tmp_path):
    cells = ["100", "1e3", "12.0", " 7 ", "+5", "inf", "-inf", "NaN", "Infinity", "1e30", "9223372036854775808",
             "4294967295", "4294967296", "12.5", "1_000", "0x10", "-5", "", "NULL"]
    text = "account_id,ts,input_tokens\n" + "".join(f"a,2024-01-01,{c}\n" for c in cells)
    engine = _engine_over(tmp_path, "exchanges", text)
    got = engine.con.execute("SELECT input_tokens, input_tokens__raw FROM src ORDER BY __row").fetchall()
    engine.close()
    assert [g[0] for g in got] == [100, 1000, 12, 7, 5, None, None, None, None, None, None,
                                   4294967295, None, None, None, None, -5, None, None]
    # NULL and empty are missing (count 0); every other None above is a reject
    assert [g[1] is None for g in got][-2:] == [True, True]


def test_timestamps_follow_the_contract_grammar(tmp_path):
    good = {"2024-05-02T01:00:00Z": "2024-05-02 01:00:00", "2024-05-02 01:00:00": "2024-05-02 01:00:00",
            "2024-05-02T03:00:00+02:00": "2024-05-02 01:00:00", "2024-05-02T03:00:00+0200": "2024-05-02 01:00:00",
            "2024-05-02T03:00+02": "2024-05-02 01:00:00", "2024-05-02": "2024-05-02 00:00:00",
            "2024-05-01T12:00:00-14:00": "2024-05-02 02:00:00", "2024-05-02T01:00:00.5Z": "2024-05-02 01:00:00.5"}
    bad = ["2024-05-02T01:00:00 EST", "2024-05-02T01:00:00 Europe/Paris", "2024-05-02T01:00:00UTC", "24-05-02",
           "2024-5-2 1:00:00", "2024-05-02T24:00:00", "2024-05-02T01:00:00+15:00", "2024-05-02T01:00:00+14:30",
           "2024-05-02T01:00:00+02:00:30", "2024-02-30", "02/05/2024", "20240502T010000Z", "2024-05-02t01:00:00z",
           "12024-05-02T01:00:00Z"]
    text = "account_id,ts\n" + "".join(f"a,{t}\n" for t in [*good, *bad])
    engine = _engine_over(tmp_path, "exchanges", text)
    got = engine.con.execute("SELECT strftime(ts, '%Y-%m-%d %H:%M:%S.%f') FROM src ORDER BY __row").fetchall()
    engine.close()
    parsed = [g[0] for g in got]
    expected = [v if "." in v else v + ".000000" for v in good.values()]
    assert parsed[:len(good)] == [v.ljust(26, "0") for v in expected]
    assert parsed[len(good):] == [None] * len(bad)


def test_the_content_fingerprint_sees_rows_not_bytes(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datetime import datetime, timezone

    from ringscope.ingest.engine import Engine
    from ringscope.ingest.files import SourceFile

    rows = "acc-1,2024-05-02T01:00:00Z,100,50,t1\nacc-1,2024-05-02T02:00:00Z,100,50,t1\nacc-2,2024-05-02T03:00:00Z,200,80,t2\n"
    head = "account_id,ts,input_tokens,output_tokens,prompt_fingerprint\n"
    kind = contract.KINDS["exchanges"]

    def csv_print(text, name, gz=False):
        engine = _engine_over(tmp_path, "exchanges", text, name)
        try:
            return engine.content_fingerprint(kind)
        finally:
            engine.close()

    plain = csv_print(head + rows, "plain")
    assert csv_print((head + rows).replace("\n", "\r\n"), "crlf") == plain
    assert csv_print(head + "".join(reversed(rows.splitlines(keepends=True))), "order") == plain  # order is not content
    assert csv_print("account_id,ts,input_tokens,output_tokens,prompt_fingerprint,extra\n"
                     + rows.replace("\n", ",x\n"), "ignored") == plain  # a column ingest ignores
    assert csv_print(head + rows.replace("200,80", "201,80"), "changed") != plain
    assert csv_print(head + rows + rows.splitlines(keepends=True)[0], "repeated") != plain

    world = tmp_path / "pq"
    world.mkdir()
    pq.write_table(pa.table({
        "account_id": ["acc-1", "acc-1", "acc-2"],
        "ts": pa.array([datetime(2024, 5, 2, h, tzinfo=timezone.utc) for h in (1, 2, 3)], pa.timestamp("us", tz="UTC")),
        "input_tokens": pa.array([100, 100, 200], pa.int32()), "output_tokens": pa.array([50, 50, 80], pa.int64()),
        "prompt_fingerprint": ["t1", "t1", "t2"]}), world / "exchanges.parquet")
    engine = Engine(memory_limit="256MB")
    source = SourceFile("exchanges", world / "exchanges.parquet", world)
    engine.open_source(kind, source, header(source), None)
    assert engine.content_fingerprint(kind) == plain
    engine.close()
