"""Ingest against a live Neo4j: exact aggregates, variants, idempotence, new files,
rejects, refused and empty files, the demo world."""
from __future__ import annotations

import gzip
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ringscope import db
from ringscope.config import PROJECT_ROOT
from ringscope.errors import RingScopeError
from ringscope.ingest import ingest_world
from ringscope.ingest.rejects import read_rejects


WORLDS = Path(__file__).resolve().parent / "worlds"
TINY = WORLDS / "tiny"


# ---------------------------------------------------------------- helpers

def _plain(value):
    """Driver values as comparable Python (temporal types as ISO text)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def dump(settings) -> tuple[list, list]:
    """Every node and relationship with all properties, sorted: two loads gave the
    same graph exactly when their dumps are equal. The ledger is left out (it
    records when and how often files were loaded)."""
    nodes = db.run_read(
        "MATCH (n) WHERE NOT n:IngestedFile AND NOT n:SchemaMigration "
        "RETURN labels(n) AS labels, properties(n) AS props",
        settings=settings,
    )
    rels = db.run_read(
        "MATCH (a)-[r]->(b) WHERE NOT a:IngestedFile "
        "RETURN type(r) AS type, properties(a) AS a, properties(b) AS b, properties(r) AS props",
        settings=settings,
    )

    def key(props):
        for k in ("account_id", "address", "fingerprint", "device_id", "instrument_id", "domain", "org_id"):
            if k in props:
                return f"{k}={props[k]}"
        raise AssertionError(f"node without a key: {props}")

    node_rows = sorted(repr((sorted(r["labels"]), sorted((k, _plain(v)) for k, v in r["props"].items()))) for r in nodes)
    rel_rows = sorted(
        repr((r["type"], key(r["a"]), key(r["b"]), sorted((k, _plain(v)) for k, v in r["props"].items()))) for r in rels
    )
    return node_rows, rel_rows


def one(settings, cypher, **params):
    rows = db.run_read(cypher, params, settings=settings)
    assert len(rows) == 1, rows
    return rows[0]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def run(world, settings, tmp_path, **kw):
    return ingest_world(world, settings, rejects_dir=tmp_path / "rejects", **kw)


# ---------------------------------------------------------------- exact answers

def test_tiny_world_aggregates_are_exact(clean_db, tmp_path):
    s = clean_db
    summary = run(TINY, s, tmp_path)
    a1 = one(s, "MATCH (a:Account {account_id: 'a1'}) RETURN a {.*} AS a")["a"]
    assert (a1["exchanges"], a1["input_tokens"], a1["output_tokens"], a1["active_days"]) == (3, 160, 280, 2)
    assert a1["first_exchange"].to_native() == utc(2024, 1, 1, 10)
    assert a1["last_exchange"].to_native() == utc(2024, 1, 3, 10, 15)
    assert [d.to_native() for d in a1["daily_dates"]] == [date(2024, 1, 1), date(2024, 1, 3)]
    assert a1["daily_counts"] == [2, 1]
    assert a1["hour_profile"] == [0] * 10 + [2, 1] + [0] * 12
    # the domain in its canonical (lower-case ASCII) form, the local part as written
    assert a1["email"] == "Alice@example.com" and a1["email_domain"] == "example.com"
    assert a1["email_mailbox"] == "alice@example.com"
    assert a1["referrer"] == "web"  # an extra accounts column kept as a property
    assert a1["created_at"].to_native() == utc(2024, 1, 1)
    # a2: +02:00 offsets converted to UTC, which moves one exchange to the previous day
    a2 = one(s, "MATCH (a:Account {account_id: 'a2'}) RETURN a {.*} AS a")["a"]
    assert a2["created_at"].to_native() == utc(2024, 1, 2, 8)
    assert (a2["exchanges"], a2["active_days"], a2["daily_counts"]) == (2, 1, [2])
    assert a2["hour_profile"][22:] == [1, 1] and sum(a2["hour_profile"]) == 2
    assert (a2["input_tokens"], a2["output_tokens"]) == (1, 2)  # empty token cells count 0
    assert "org_id" not in a2 and "referrer" not in a2
    a3 = one(s, "MATCH (a:Account {account_id: 'a3'}) RETURN a.display_name AS n, a.created_at AS c")
    assert a3["n"] == 'Carol, "the" 3rd' and a3["c"].to_native() == utc(2024, 1, 3, 5)
    assert one(s, "MATCH (a:Account) RETURN count(a) AS n")["n"] == 3

    t = one(s, "MATCH (:Account {account_id: 'a1'})-[r:SENT_TEMPLATE]->(:PromptTemplate {fingerprint: 'tplA'}) RETURN r {.*} AS r")["r"]
    assert (t["exchanges"], t["input_tokens"], t["output_tokens"]) == (2, 150, 260)
    assert (t["first_seen"].to_native(), t["last_seen"].to_native()) == (utc(2024, 1, 1, 10), utc(2024, 1, 1, 11, 30))
    tpl = one(s, "MATCH (t:PromptTemplate {fingerprint: 'tplA'}) RETURN t.accounts AS a, t.exchanges AS e")
    assert (tpl["a"], tpl["e"]) == (2, 3)

    ips = {r["ip"]: r for r in db.run_read(
        "MATCH (:Account {account_id: 'a1'})-[r:USED_IP]->(i:IP) RETURN i.address AS ip, r.logins AS logins, r.exchanges AS ex",
        settings=s)}
    assert {k: (v["logins"], v["ex"]) for k, v in ips.items()} == {
        "10.1.2.3": (1, 2), "10.1.2.4": (1, None), "10.9.9.9": (None, 1)}
    used = one(s, "MATCH (:Account {account_id: 'a2'})-[r:USED_IP]->(:IP {address: '10.1.2.3'}) RETURN r {.*} AS r")["r"]
    assert (used["logins"], used["exchanges"]) == (1, 1)
    assert used["first_seen"].to_native() == utc(2024, 1, 2, 3) and used["last_seen"].to_native() == utc(2024, 1, 2, 23, 59, 59)

    dev = one(s, "MATCH (d:Device {device_id: 'dev-1'}) RETURN d {.*} AS d")["d"]
    assert dev["user_agent"] == "UA-b" and dev["accounts"] == 2  # the latest login's agent
    ud = one(s, "MATCH (:Account {account_id: 'a1'})-[r:USED_DEVICE]->(:Device {device_id: 'dev-1'}) RETURN r.logins AS n")
    assert ud["n"] == 2

    paid = one(s, "MATCH (:Account {account_id: 'a1'})-[r:PAID_WITH]->(p:PaymentInstrument) RETURN r {.*} AS r, p {.*} AS p")
    assert paid["r"]["count"] == 1 and paid["r"]["first_seen"].to_native() == utc(2024, 1, 1)
    assert paid["p"] == {"instrument_id": "card-1", "kind": "card", "bin": "411111", "issuer_country": "US", "accounts": 2}

    orgs = db.run_read("MATCH (a:Account)-[:IN_ORG]->(o:Org) RETURN a.account_id AS a, o.org_id AS o ORDER BY a", settings=s)
    assert [(r["a"], r["o"]) for r in orgs] == [("a1", "org1"), ("a3", "org1")]
    domains = db.run_read("MATCH (a:Account)-[:HAS_EMAIL_DOMAIN]->(d) RETURN a.account_id AS a, d.domain AS d ORDER BY a", settings=s)
    assert [(r["a"], r["d"]) for r in domains] == [("a1", "example.com"), ("a2", "example.com"), ("a3", "mail.test")]

    assert summary.rows_read == 5 + 6 + 5 + 6 + 11 and summary.rows_rejected == 2 + 1 + 2 + 2 + 5
    assert summary.rows_loaded == summary.rows_read - summary.rows_rejected
    assert summary.file("labels.csv").status.startswith("not loaded")
    assert summary.nodes_created["Account"] == 3 and summary.relationships_created["USED_IP"] == 6
    text = summary.table()
    assert "exchanges.csv" in text and "relationships created:" in text and "time per stage:" in text


def test_ip_intel_is_joined_by_longest_prefix(clean_db, tmp_path):
    run(TINY, clean_db, tmp_path)
    rows = db.run_read("MATCH (i:IP) RETURN i {.*} AS i ORDER BY i.address", settings=clean_db)
    got = {r["i"]["address"]: (r["i"].get("kind"), r["i"].get("asn"), r["i"].get("network")) for r in rows}
    assert got == {
        "10.1.2.3": ("vpn", 64503, "10.1.2.3/32"),
        "10.1.2.4": ("proxy", 64502, "10.1.2.0/24"),
        "10.9.9.9": ("corporate", 64500, "10.0.0.0/8"),
        "192.0.2.1": (None, None, None),
        "2001:db8::1": ("residential", 64510, "2001:db8::/32"),  # IPv6, spelled 2001:DB8:0::1 in logins
    }


def test_each_reject_reason_lands_with_file_and_row(clean_db, tmp_path):
    summary = run(TINY, clean_db, tmp_path)
    found = []
    for path in sorted((tmp_path / "rejects").glob("*.rejects.csv")):
        found += [(r["source_file"], int(r["row"]), r["reason"], r["value"]) for r in read_rejects(path)]
    assert sorted(found) == sorted([
        ("accounts.csv", 4, "missing required value: account_id", ""),
        ("accounts.csv", 5, "unparsable timestamp: created_at", "not-a-date"),
        ("ip_intel.csv", 6, "unparsable network: network", "bogus/99"),
        ("payment_instruments.csv", 4, "link to unknown account", "zz"),
        ("payment_instruments.csv", 5, "missing required value: instrument_id", ""),
        ("logins.csv", 5, "unparsable IP: ip", "not-an-ip"),
        ("logins.csv", 6, "missing required value: ip", ""),
        ("exchanges.csv", 7, "negative token count: input_tokens", "-5"),
        ("exchanges.csv", 8, "link to unknown account", "a9"),
        ("exchanges.csv", 9, "unparsable timestamp: ts", "yesterday"),
        ("exchanges.csv", 10, "unparsable IP: ip", "999.1.1.1"),
        ("exchanges.csv", 11, "unparsable token count: input_tokens", "abc"),
    ])
    assert summary.file("exchanges.csv").reject_reasons["link to unknown account"] == 1
    assert summary.file("exchanges.csv").rejects_file == tmp_path / "rejects" / "exchanges.csv.rejects.csv"
    assert summary.rows_rejected == len(found)


def test_gzip_and_parquet_variants_give_the_same_graph_and_rejects(clean_db, tmp_path):
    from conftest import empty_database

    results = {}
    for name in ("tiny", "tiny_gz", "tiny_parquet"):
        empty_database(clean_db)
        summary = run(WORLDS / name, clean_db, tmp_path / name)
        rejects = []
        for path in sorted((tmp_path / name / "rejects").glob("*.rejects.csv")):
            rejects += [(r["source_file"].split(".")[0], r["row"], r["reason"]) for r in read_rejects(path)]
        results[name] = (dump(clean_db), sorted(rejects), summary.rows_read, summary.rows_rejected)
    assert results["tiny"][0][0], "the tiny world loaded nothing"
    assert results["tiny_gz"] == results["tiny"]
    assert results["tiny_parquet"] == results["tiny"]


def test_typed_parquet_exchanges_match_the_csv(clean_db, tmp_path):
    """Real Parquet types (timestamp with zone, int32 tokens) aggregate like CSV text."""
    from conftest import empty_database

    world = tmp_path / "typed"
    world.mkdir()
    for name in ("accounts.csv", "ip_intel.csv"):
        shutil.copy(TINY / name, world / name)
    text = pacsv.read_csv(TINY / "exchanges.csv", convert_options=pacsv.ConvertOptions(
        column_types={"ts": pa.string(), "input_tokens": pa.string(), "output_tokens": pa.string()})).to_pylist()[:6]
    ts = [datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).astimezone(timezone.utc) for r in text]
    table = pa.table({
        "account_id": [r["account_id"] for r in text],
        "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
        "ip": [r["ip"] for r in text],
        "input_tokens": pa.array([int(r["input_tokens"]) if r["input_tokens"] else None for r in text], pa.int32()),
        "output_tokens": pa.array([int(r["output_tokens"]) if r["output_tokens"] else None for r in text], pa.int32()),
        "prompt_fingerprint": [r["prompt_fingerprint"] for r in text],
    })
    pq.write_table(table, world / "exchanges.parquet")
    csv_world = tmp_path / "csv"
    csv_world.mkdir()
    for name in ("accounts.csv", "ip_intel.csv", "exchanges.csv"):
        shutil.copy(TINY / name, csv_world / name)
    run(csv_world, clean_db, tmp_path / "a")
    expected = dump(clean_db)
    empty_database(clean_db)
    summary = run(world, clean_db, tmp_path / "b")
    assert summary.file("exchanges.parquet").rows_rejected == 0
    assert dump(clean_db) == expected


# ---------------------------------------------------------------- safe to re-run

def test_rerun_changes_nothing(clean_db, tmp_path):
    run(TINY, clean_db, tmp_path / "1")
    first = dump(clean_db)
    ledger = db.run_read("MATCH (f:IngestedFile) RETURN f.sha256 AS sha, f.status AS status, f.batches_done AS b ORDER BY sha", settings=clean_db)
    again = run(TINY, clean_db, tmp_path / "2")
    assert dump(clean_db) == first
    assert db.run_read("MATCH (f:IngestedFile) RETURN f.sha256 AS sha, f.status AS status, f.batches_done AS b ORDER BY sha", settings=clean_db) == ledger
    assert {f.status for f in again.files if f.kind != "labels" and "_waiting-" not in f.name} == \
        {"skipped: already in the ledger"}
    # the rows for accounts in no file wait, unread and unrecorded (tests/test_ingest_landing.py)
    assert {f.status for f in again.files if "_waiting-" in f.name} == {"waiting: accounts not loaded"}
    assert again.rows_read == 0 and sum(again.nodes_created.values()) == 0 and sum(again.relationships_created.values()) == 0
    assert len(ledger) == 5 and {r["status"] for r in ledger} == {"done"}


def _split(src: Path, out: Path, name: str, head: int) -> None:
    lines = src.read_text().splitlines(keepends=True)
    (out / f"{name}_1.csv").write_text("".join(lines[: head + 1]))
    (out / f"{name}_2.csv").write_text(lines[0] + "".join(lines[head + 1:]))


def test_a_new_file_adds_to_the_aggregates(clean_db, tmp_path):
    """Exchanges and logins split over two files, the second arriving later, give the
    graph one file gives: counts add, first/last widen, daily profiles merge."""
    from conftest import empty_database

    run(TINY, clean_db, tmp_path / "whole")
    whole = dump(clean_db)
    empty_database(clean_db)

    world = tmp_path / "world"
    world.mkdir()
    for name in ("accounts.csv", "ip_intel.csv", "payment_instruments.csv"):
        shutil.copy(TINY / name, world / name)
    parts = tmp_path / "parts"
    parts.mkdir()
    _split(TINY / "exchanges.csv", parts, "exchanges", 2)  # a1's day 1 in one file, its day 3 in the other
    _split(TINY / "logins.csv", parts, "logins", 1)
    shutil.copy(parts / "exchanges_1.csv", world)
    shutil.copy(parts / "logins_1.csv", world)
    run(world, clean_db, tmp_path / "r1")
    assert one(clean_db, "MATCH (a:Account {account_id: 'a1'}) RETURN a.exchanges AS n")["n"] == 2
    shutil.copy(parts / "exchanges_2.csv", world)
    shutil.copy(parts / "logins_2.csv", world)
    second = run(world, clean_db, tmp_path / "r2")
    assert [f.name for f in second.files if f.status == "loaded"] == ["logins_2.csv", "exchanges_2.csv"]
    assert dump(clean_db) == whole
    # and a third run with all four files adds nothing
    run(world, clean_db, tmp_path / "r3")
    assert dump(clean_db) == whole


def test_intel_arriving_later_enriches_existing_ips(clean_db, tmp_path):
    from conftest import empty_database

    run(TINY, clean_db, tmp_path / "whole")
    whole = dump(clean_db)
    empty_database(clean_db)
    world = tmp_path / "world"
    shutil.copytree(TINY, world)
    (world / "ip_intel.csv").unlink()
    run(world, clean_db, tmp_path / "r1")
    assert one(clean_db, "MATCH (i:IP {address: '10.1.2.3'}) RETURN i.kind AS k")["k"] is None
    shutil.copy(TINY / "ip_intel.csv", world)
    run(world, clean_db, tmp_path / "r2")
    assert dump(clean_db) == whole


# ---------------------------------------------------------------- bad and odd input

def test_header_missing_a_required_column_refuses_with_one_line_and_writes_nothing(clean_db, tmp_path):
    world = tmp_path / "world"
    shutil.copytree(TINY, world)
    (world / "logins.csv").write_text("account_id,ip,device_id\na1,10.0.0.1,d\n")
    with pytest.raises(RingScopeError) as err:
        run(world, clean_db, tmp_path)
    assert str(err.value).startswith("logins.csv refused: header lacks required column ts")
    assert "\n" not in str(err.value)
    assert one(clean_db, "MATCH (n) WHERE NOT n:SchemaMigration RETURN count(n) AS n")["n"] == 0

    from ringscope.cli import cli

    result = CliRunner().invoke(cli, ["ingest", str(world), "--quiet"], standalone_mode=False, catch_exceptions=True)
    assert isinstance(result.exception, RingScopeError) and "lacks required column ts" in str(result.exception)


def test_empty_files_are_fine_and_missing_files_are_reported(clean_db, tmp_path):
    world = tmp_path / "world"
    world.mkdir()
    shutil.copy(TINY / "accounts.csv", world)
    (world / "logins.csv").write_bytes(b"")                       # no bytes at all
    (world / "exchanges.csv").write_text("account_id,ts\n")       # a header and no rows
    with gzip.open(world / "payment_instruments.csv.gz", "wb") as fh:
        fh.write(b"")
    summary = run(world, clean_db, tmp_path)
    assert summary.missing == ["ip_intel", "labels"]
    assert summary.file("logins.csv").status == "empty"
    assert summary.file("payment_instruments.csv.gz").status == "empty"
    assert summary.file("exchanges.csv").rows_read == 0
    assert one(clean_db, "MATCH (a:Account) RETURN count(a) AS n")["n"] == 3
    assert "missing (no file found): ip_intel, labels" in summary.table()


def test_cli_prints_the_summary(clean_db, tmp_path):
    from ringscope.cli import cli

    result = CliRunner().invoke(cli, ["ingest", str(TINY), "--quiet", "--rejects-dir", str(tmp_path / "rej")])
    assert result.exit_code == 0, result.output
    assert "exchanges.csv" in result.output and "nodes created: Account 3" in result.output
    assert str(tmp_path / "rej") in result.output


def test_no_world_no_files(clean_db, tmp_path):
    with pytest.raises(RingScopeError, match="no interchange files"):
        run(tmp_path, clean_db, tmp_path)


# ---------------------------------------------------------------- the demo world

DEMO = PROJECT_ROOT / "seed_data" / "demo"


@pytest.mark.skipif(not (DEMO / "accounts.csv").exists(), reason="no committed demo world")
def test_demo_world_loads_without_rejects(clean_db, tmp_path):
    summary = run(DEMO, clean_db, tmp_path, batch_size=20000)
    loaded = [f for f in summary.files if f.status == "loaded"]
    assert {f.kind for f in loaded} == {"accounts", "payment_instruments", "logins", "exchanges", "ip_intel"}
    assert summary.rows_rejected == 0, summary.table()
    accounts = one(clean_db, "MATCH (a:Account) RETURN count(a) AS n, sum(a.exchanges) AS ex")
    assert accounts["n"] == summary.file("accounts.csv").rows_read
    assert accounts["ex"] == summary.file("exchanges.parquet").rows_read
