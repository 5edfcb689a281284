"""Field reports (issue 12): the same fact must become the same value.

Each test loads a hand-made world from `tests/worlds/<case>/` (the issue's inputs)
into a live Neo4j and pins the values the graph must hold.
"""
from __future__ import annotations

import gzip
import io
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringscope import db
from ringscope.errors import RingScopeError
from ringscope.ingest import ingest_world
from ringscope.ingest.report import CHANGED, LOADED, SAME_ROWS, SKIPPED
from ringscope.ingest.rejects import read_rejects

from test_ingest_graph import WORLDS, dump, one


def run(world, settings, tmp_path, name="rejects", **kw):
    return ingest_world(world, settings, rejects_dir=tmp_path / name, **kw)


def rejects(directory) -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted(directory.glob("*.rejects.csv")):
        found += [(r["source_file"], int(r["row"]), r["reason"], r["value"]) for r in read_rejects(path)]
    return sorted(found)


def exchanges_of(settings, account):
    return one(settings, "MATCH (a:Account {account_id: $a}) RETURN a.exchanges AS n, a.input_tokens AS i", a=account)


def ledger(settings):
    return db.run_read("MATCH (f:IngestedFile) RETURN f.path AS path, f.status AS status ORDER BY path, status",
                       settings=settings)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# ---------------------------------------------------------------- a. content counted once

def test_a_gzipped_copy_of_loaded_rows_counts_once(clean_db, tmp_path):
    s = clean_db
    summary = run(WORLDS / "same_rows", s, tmp_path)
    assert (exchanges_of(s, "acc-1")["n"], exchanges_of(s, "acc-1")["i"]) == (2, 200)
    assert (exchanges_of(s, "acc-2")["n"], exchanges_of(s, "acc-2")["i"]) == (1, 200)
    copy = summary.file("exchanges.csv.gz")
    assert copy.status == SAME_ROWS and copy.rows_read == 0
    assert "same 3 rows as exchanges.csv" in copy.note and "\n" not in copy.note
    assert "exchanges.csv.gz: holds the same 3 rows as exchanges.csv" in summary.table()
    assert [(r["path"], r["status"]) for r in ledger(s)] == [
        ("accounts.csv", "done"), ("exchanges.csv", "done"), ("exchanges.csv.gz", "duplicate")]
    graph = dump(s)
    again = run(WORLDS / "same_rows", s, tmp_path, "again")
    assert again.file("exchanges.csv.gz").status == SKIPPED  # known bytes: not even read
    assert again.rows_read == 0 and dump(s) == graph


def test_a_crlf_resave_is_the_same_content_and_force_reloads_it(clean_db, tmp_path):
    s = clean_db
    world = tmp_path / "world"
    world.mkdir()
    for name in ("accounts.csv", "exchanges.csv"):
        shutil.copy(WORLDS / "same_rows" / name, world)
    run(world, s, tmp_path, "r1")
    graph = dump(s)
    text = (world / "exchanges.csv").read_text()
    (world / "exchanges.csv").write_bytes(text.replace("\n", "\r\n").encode())
    resaved = run(world, s, tmp_path, "r2")
    assert resaved.file("exchanges.csv").status == SAME_ROWS
    assert dump(s) == graph
    done = db.run_read("MATCH (f:IngestedFile {path: 'exchanges.csv', status: 'done'}) RETURN count(*) AS n", settings=s)
    assert done == [{"n": 1}]  # one done entry for one path

    forced = run(world, s, tmp_path, "r3", force=True)
    assert forced.file("exchanges.csv").status == LOADED
    assert forced.file("accounts.csv").status == LOADED  # attributes only: the same values again
    assert exchanges_of(s, "acc-1")["n"] == 4  # a deliberate re-load adds again


def test_a_path_loaded_before_with_other_rows_is_refused(clean_db, tmp_path):
    s = clean_db
    world = tmp_path / "world"
    world.mkdir()
    for name in ("accounts.csv", "exchanges.csv"):
        shutil.copy(WORLDS / "same_rows" / name, world)
    run(world, s, tmp_path, "r1")
    with (world / "exchanges.csv").open("a") as fh:  # a re-export with one more row
        fh.write("acc-1,2024-05-02T04:00:00Z,100,50,t1\n")
    again = run(world, s, tmp_path, "r2")
    report = again.file("exchanges.csv")
    assert report.status == CHANGED and "with other rows (3 then, 4 now)" in report.note
    assert exchanges_of(s, "acc-1")["n"] == 2
    run(world, s, tmp_path, "r3", force=True)
    assert exchanges_of(s, "acc-1")["n"] == 5


# ---------------------------------------------------------------- b. numbers

BAD_TOKENS = [
    ("exchanges.{ext}", 2, "unparsable token count: input_tokens", "inf"),
    ("exchanges.{ext}", 3, "unparsable token count: input_tokens", "nan"),
    ("exchanges.{ext}", 4, "unparsable token count: input_tokens", "1e+30"),
    ("exchanges.{ext}", 5, "unparsable token count: input_tokens", "9.223372036854776e+18"),
]


def test_b_non_finite_and_huge_token_counts_are_rejects_and_good_rows_load(clean_db, tmp_path):
    s = clean_db
    summary = run(WORLDS / "bad_numbers", s, tmp_path)
    assert rejects(tmp_path / "rejects") == [
        ("exchanges.csv", 2, "unparsable token count: input_tokens", "inf"),
        ("exchanges.csv", 3, "unparsable token count: input_tokens", "NaN"),
        ("exchanges.csv", 4, "unparsable token count: input_tokens", "1e30"),
        ("exchanges.csv", 5, "unparsable token count: input_tokens", "9223372036854775808"),
    ]
    assert summary.file("exchanges.csv").rows_loaded == 2
    assert (exchanges_of(s, "acc-1")["n"], exchanges_of(s, "acc-1")["i"]) == (1, 100)
    # `1e3` names the whole number 1000: the contract asks for a count, not a spelling
    assert (exchanges_of(s, "acc-2")["n"], exchanges_of(s, "acc-2")["i"]) == (1, 1000)
    graph = dump(s)

    # the same rows with a float64 token column in Parquet (NaN, inf, 1e30, 2^63)
    from conftest import empty_database

    empty_database(s)
    world = tmp_path / "parquet"
    world.mkdir()
    shutil.copy(WORLDS / "bad_numbers" / "accounts.csv", world)
    pq.write_table(pa.table({
        "account_id": ["acc-1", "acc-1", "acc-1", "acc-2", "acc-2", "acc-2"],
        "ts": [f"2024-05-02T0{h}:00:00Z" for h in range(1, 7)],
        "input_tokens": pa.array([100.0, float("inf"), float("nan"), 1e30, 2.0**63, 1e3], pa.float64()),
        "output_tokens": pa.array([50] * 6, pa.int64()),
    }), world / "exchanges.parquet")
    run(world, s, tmp_path, "parquet-rejects")
    assert rejects(tmp_path / "parquet-rejects") == [
        tuple(v.format(ext="parquet") if isinstance(v, str) else v for v in r) for r in BAD_TOKENS]
    assert dump(s) == graph


# ---------------------------------------------------------------- c. IPv4-mapped IPv6

def test_c_an_ipv4_mapped_client_is_its_ipv4_address_with_intel(clean_db, tmp_path):
    s = clean_db
    run(WORLDS / "mapped_ipv4", s, tmp_path)
    ips = db.run_read("MATCH (i:IP) RETURN i {.*} AS i", settings=s)
    assert len(ips) == 1
    ip = ips[0]["i"]
    assert (ip["address"], ip["asn"], ip["as_org"], ip["kind"], ip["network"], ip["accounts"]) == (
        "198.51.100.7", 64500, "Example Hosting", "hosting", "198.51.100.0/24", 3)


# ---------------------------------------------------------------- d. null spellings, placeholders

def test_d_null_spellings_are_missing_values_and_placeholders_are_reported(clean_db, tmp_path):
    s = clean_db
    summary = run(WORLDS / "null_spellings", s, tmp_path)
    devices = db.run_read("MATCH (d:Device) RETURN d.device_id AS id, d.accounts AS n", settings=s)
    assert devices == [{"id": "00000000-0000-0000-0000-000000000000", "n": 4}]  # no Device `NULL`
    instruments = db.run_read("MATCH (p:PaymentInstrument) RETURN p {.*} AS p", settings=s)
    assert instruments == [{"p": {"instrument_id": "card-real", "accounts": 1}}]  # `NULL` kind is no kind
    strangers = one(s, "MATCH (a:Account)-[:USED_DEVICE|PAID_WITH]->()<-[:USED_DEVICE|PAID_WITH]-(b:Account) "
                       "WHERE a.account_id < b.account_id RETURN count(DISTINCT [a, b]) AS n")["n"]
    assert strangers == 6  # the four accounts on the nil UUID device only, which is reported
    countries = {r["a"]: r["c"] for r in db.run_read("MATCH (a:Account) RETURN a.account_id AS a, a.country AS c", settings=s)}
    assert [countries[f"nu-{i}"] for i in range(1, 9)] == ["NL", None, None, "DE", None, None, "FR", "US"]
    # logins load without a device; instrument rows without an instrument are rejects
    assert summary.file("logins.csv").rows_rejected == 0
    assert summary.file("payment_instruments.csv").reject_reasons == {"missing required value: instrument_id": 8}
    assert summary.file("logins.csv").null_spellings == {"device_id": 7}  # the empty cell is simply empty
    assert summary.file("payment_instruments.csv").null_spellings == {"instrument_id": 7, "kind": 1}
    assert summary.file("accounts.csv").null_spellings == {"country": 3}
    assert summary.file("logins.csv").placeholders == [("device_id", "00000000-0000-0000-0000-000000000000", 4)]
    table = summary.table()
    assert "null spellings read as missing" in table and "logins.csv: device_id 7" in table
    assert "possible placeholder: logins.csv device_id '00000000-0000-0000-0000-000000000000' links 4 accounts" in table


# ---------------------------------------------------------------- e. damaged files

def _login_world(path, rows=3000):
    path.mkdir()
    with (path / "accounts.csv").open("w") as fh:
        fh.write("account_id,created_at\n" + "".join(f"acc-{i},2024-05-01T00:00:00Z\n" for i in range(50)))
    body = "account_id,ts,ip,device_id,user_agent\n" + "".join(
        f"acc-{i % 50},2024-05-02T{i % 24:02d}:{i % 60:02d}:00Z,10.{i % 7}.{i % 11}.{i % 13},dev-{i % 97},"
        f"Mozilla/5.0 (X11; Linux x86_64) build {i * 7919 % 100003}\n" for i in range(rows))
    full = gzip.compress(body.encode(), mtime=0)
    return full


def test_e_a_cut_gzip_gives_one_line_wherever_it_is_cut_and_a_rerun_finishes(clean_db, tmp_path):
    s = clean_db
    world = tmp_path / "world"
    full = _login_world(world)
    messages = set()
    for fraction in (0.002, 0.3, 0.6, 0.95):
        (world / "logins.csv.gz").write_bytes(full[: max(4, int(len(full) * fraction))])
        with pytest.raises(RingScopeError) as err:
            run(world, s, tmp_path, f"r{fraction}")
        messages.add(str(err.value))
        entries = db.run_read("MATCH (f:IngestedFile {path: 'logins.csv.gz'}) RETURN f.status AS s", settings=s)
        assert entries == []  # nothing half-open: a re-run starts the file afresh
    (world / "logins.csv.gz").write_bytes(full[:-3])  # the gzip trailer gone
    with pytest.raises(RingScopeError) as err:
        run(world, s, tmp_path, "trailer")
    messages.add(str(err.value))
    assert len(messages) == 1, messages
    message = messages.pop()
    assert message.startswith("logins.csv.gz: the gzip stream is cut short or damaged") and "\n" not in message
    assert "export it again" in message
    assert one(s, "MATCH ()-[r:USED_DEVICE]->() RETURN count(r) AS n")["n"] == 0

    (world / "logins.csv.gz").write_bytes(full)
    summary = run(world, s, tmp_path, "whole")
    assert summary.file("logins.csv.gz").status == LOADED and summary.file("logins.csv.gz").rows_loaded == 3000
    assert summary.file("accounts.csv").status == SKIPPED  # loaded by the first attempt
    assert [r["status"] for r in ledger(s)] == ["done", "done"]


def test_e_a_cut_parquet_is_refused_in_one_line(clean_db, tmp_path):
    world = tmp_path / "world"
    world.mkdir()
    shutil.copy(WORLDS / "same_rows" / "accounts.csv", world)
    data = (WORLDS / "tiny_parquet" / "exchanges.parquet").read_bytes()
    (world / "exchanges.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(RingScopeError) as err:
        run(world, clean_db, tmp_path)
    assert str(err.value).startswith("exchanges.parquet: not a readable Parquet file") and "\n" not in str(err.value)


# ---------------------------------------------------------------- timestamps

def test_timestamps_follow_the_contract_and_are_never_guessed(clean_db, tmp_path):
    s = clean_db
    run(WORLDS / "timestamps", s, tmp_path)
    bad = ["2024-05-02T01:00:00 EST", "2024-05-02T01:00:00 America/New_York", "24-05-02T01:00:00Z",
           "2024-05-02T01:00:00+25:00", "2024-05-02T24:00:00Z", "02/05/2024 01:00", "2024-05-02T01:00:00 UTC",
           "2024-02-30T00:00:00Z", "2024-05-02T01:00:00+14:30"]
    assert rejects(tmp_path / "rejects") == sorted(
        [("accounts.csv", 2, "unparsable timestamp: created_at", "2024-05-01 EST")]
        + [("exchanges.csv", 7 + i, "unparsable timestamp: ts", v) for i, v in enumerate(bad)])
    a = one(s, "MATCH (a:Account {account_id: 'ts-1'}) RETURN a {.*} AS a")["a"]
    assert a["exchanges"] == 6
    assert a["created_at"].to_native() == utc(2024, 5, 1)
    assert a["first_exchange"].to_native() == utc(2024, 5, 1, 23)  # 01:00+02
    assert a["last_exchange"].to_native() == utc(2024, 5, 2, 2, 30, 0, 250000)  # 01:00:00.250-0130
    assert a["hour_profile"][0] == 1 and a["hour_profile"][1] == 3 and a["hour_profile"][23] == 1


# ---------------------------------------------------------------- identifiers

def test_identifiers_keep_one_canonical_form(clean_db, tmp_path):
    s = clean_db
    summary = run(WORLDS / "identifiers", s, tmp_path)
    accounts = {r["a"]["account_id"]: r["a"] for r in db.run_read("MATCH (a:Account) RETURN a {.*} AS a", settings=s)}
    assert accounts["id-1"]["email"] == "Ann.Lee@example.com"  # `Name <addr>` parsed, domain canonical
    assert accounts["id-2"]["email_mailbox"] == accounts["id-3"]["email_mailbox"] == "john@gmail.com"
    assert accounts["id-3"]["email"] == "John+2@googlemail.com"
    assert accounts["id-8"]["email_mailbox"] == "mara@outlook.com"
    assert accounts["id-9"]["email_mailbox"] == "mara+promo@example.org"  # unknown provider: the tag may matter
    assert accounts["id-10"]["email"] == "Zo\u00eb@example.org"  # NFC local part, UTS #46 domain
    assert accounts["id-4"]["email_domain"] == accounts["id-5"]["email_domain"] == "xn--bcher-kva.example"
    assert {"id-6", "id-7"}.isdisjoint(accounts)
    domains = db.run_read("MATCH (d:EmailDomain) RETURN d.domain AS d ORDER BY d", settings=s)
    assert [r["d"] for r in domains] == ["example.com", "example.org", "gmail.com", "googlemail.com", "outlook.com",
                                         "xn--bcher-kva.example"]
    assert all(">" not in r["d"] for r in domains)
    assert rejects(tmp_path / "rejects") == sorted([
        ("accounts.csv", 6, "unparsable e-mail: email", "bad <a@b.test"),
        ("accounts.csv", 7, "unparsable e-mail: email", "a@b@c.test"),
        ("logins.csv", 2, "identifier with surrounding whitespace: account_id", "id-1 "),
        ("logins.csv", 3, "identifier with surrounding whitespace: account_id", "id-2\u00a0"),
        ("logins.csv", 4, "identifier with surrounding whitespace: device_id", " dev-1"),
        ("logins.csv", 6, "identifier with surrounding whitespace: device_id", "dev-5\u200b"),
    ])
    devices = db.run_read("MATCH (d:Device) RETURN d.device_id AS d", settings=s)
    assert devices == [{"d": "dev-1"}]  # a NBSP-only device id is a missing one
    assert summary.file("logins.csv").ignored_columns == ["session_color"]
    assert "columns ignored (not in the contract): logins.csv: session_color" in summary.table()


def test_file_names_from_the_world_are_shown_inert_on_the_terminal(clean_db, tmp_path):
    """A file name is the exporter's (or an attacker's) text: in the summary table, the
    ignored-file line and the progress lines an escape sequence or a direction override in it
    must not recolour or reorder the terminal."""
    from click.testing import CliRunner

    from ringscope.cli import cli
    from ringscope.progress import ProgressBars

    hostile = "\x1b[2J\x1b[31mX\u202e"
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at\nacc-1,2025-03-01T00:00:00Z\n")
    (world / f"logins_{hostile}.csv").write_text("account_id,ts,ip\nacc-1,2025-03-01T00:00:00Z,1.2.3.4\nacc-1,bad,1.2.3.4\n")
    (world / f"notes{hostile}.txt").write_text("x")
    result = CliRunner().invoke(cli, ["ingest", str(world), "--rejects-dir", str(tmp_path / "rej")], color=True)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "logins_\\x1b[2J\\x1b[31mX\\u202e.csv" in result.output  # still tells which file
    lines = io.StringIO()
    ProgressBars(stream=lines, interactive=False)(1, 2, f"logins_{hostile}.csv: read")
    assert "\x1b" not in lines.getvalue() and "\u202e" not in lines.getvalue()


def test_a_non_utf8_byte_in_a_data_row_rejects_that_row_not_the_file(clean_db, tmp_path):
    """A Latin-1 `é` in the first data row was reported as "cannot read the CSV header"
    (the text reader decodes a whole block), and then, once that was fixed, refused the
    whole file: the contract wants a row that breaks it rejected with its row number and
    the rest loaded. A header that really is not UTF-8 still refuses the file."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_bytes(b"account_id,created_at,display_name\nacc-1,2025-03-01T00:00:00Z,Ren\xe9e\n"
                                         b"acc-2,2025-03-01T00:00:00Z,Ren\xc3\xa9e\nacc-3,2025-03-01T00:00:00Z,x\n")
    summary = run(world, clean_db, tmp_path)
    assert summary.rows_loaded == 2
    assert rejects(tmp_path / "rejects") == [
        ("accounts.csv", 1, "malformed CSV row: not UTF-8 in column display_name", "acc-1,2025-03-01T00:00:00Z,Ren\\xe9e")]
    assert one(clean_db, "MATCH (a:Account {account_id: 'acc-2'}) RETURN a.display_name AS n")["n"] == "Ren\u00e9e"
    db.run_write("MATCH (n) DETACH DELETE n", settings=clean_db)
    (world / "accounts.csv").write_bytes(b"account_id,created_at,n\xe9\nacc-1,2025-03-01T00:00:00Z,1\n")
    with pytest.raises(RingScopeError, match="cannot read the CSV header"):
        run(world, clean_db, tmp_path, "again")
    assert db.run_read("MATCH (n:Account|IngestedFile) RETURN count(n) AS n", settings=clean_db)[0]["n"] == 0


def test_a_bad_or_too_small_memory_limit_is_one_line_not_a_traceback(clean_db, tmp_path):
    """`ringscope ingest W --memory-limit bogus` (or a limit DuckDB cannot work in) ended in a
    DuckDB traceback; both are one-line RingScopeErrors."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at\nacc-1,2025-03-01T00:00:00Z\n")
    with pytest.raises(RingScopeError, match="--memory-limit 'bogus' is not a size"):
        run(world, clean_db, tmp_path, memory_limit="bogus")
    with pytest.raises(RingScopeError, match=r"ran out of memory \(--memory-limit 1KB\): raise --memory-limit"):
        run(world, clean_db, tmp_path, "small", memory_limit="1KB")
    assert run(world, clean_db, tmp_path, "fine").rows_loaded == 1  # nothing half-done in the way


def test_a_rejects_dir_that_cannot_be_written_is_one_line(clean_db, tmp_path):
    """`ringscope ingest W --rejects-dir FILE/sub` ended in a NotADirectoryError traceback
    when the first reject was written; it is a one-line error and the re-run loads the file."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at\nacc-1,2025-03-01T00:00:00Z\nacc-2,bad\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(RingScopeError, match=r"cannot write rejected rows to .*a-file/rejects \(Not a directory\)"):
        ingest_world(world, clean_db, rejects_dir=blocker / "rejects")
    again = run(world, clean_db, tmp_path)
    assert (again.rows_loaded, again.rows_rejected) == (1, 1)


def test_an_account_declared_on_several_rows_of_one_file_is_named_in_the_summary(clean_db, tmp_path):
    """Two rows for one account_id in an accounts file: the last row's values are kept and
    both rows counted as loaded, and the first row's e-mail vanished without a word. The
    summary now says which ids repeat and which row won."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text(
        "account_id,created_at,email\nacc-1,2025-03-01T00:00:00Z,first@example.com\n"
        "acc-2,2025-03-01T00:00:00Z,b@example.com\nacc-1,2025-03-02T00:00:00Z,last@example.com\n")
    summary = run(world, clean_db, tmp_path)
    assert summary.rows_loaded == 3
    note = summary.file("accounts.csv").note
    assert note == "1 account id(s) appear on more than one row (2 rows, e.g. 'acc-1'): the last row of each gives the account's values"
    assert f"accounts.csv: {note}" in summary.table()
    assert one(clean_db, "MATCH (a:Account {account_id: 'acc-1'}) RETURN a.email AS e")["e"] == "last@example.com"


def test_an_extra_column_named_twice_is_ignored_a_contract_column_twice_is_refused(clean_db, tmp_path):
    """Field report (newcomer QA): `comment,comment` in a header refused the whole file,
    though the contract says columns beyond its own are never an error. Which of two
    values is meant is unknown, so a repeated extra column is ignored (and said so); a
    repeated contract column (which account_id?) still refuses the file."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text(
        "account_id,created_at,comment,comment,team\nacc-1,2025-03-01T00:00:00Z,a,b,red\n")
    summary = run(world, clean_db, tmp_path)
    assert summary.rows_loaded == 1
    assert summary.file("accounts.csv").note == "column(s) 'comment' appear more than once in the header: ignored"
    props = one(clean_db, "MATCH (a:Account {account_id: 'acc-1'}) RETURN a.comment AS c, a.team AS t")
    assert props == {"c": None, "t": "red"}
    twice = tmp_path / "twice"
    twice.mkdir()
    (twice / "accounts.csv").write_text("account_id,created_at,email,email\nacc-2,2025-03-01T00:00:00Z,a@x.org,b@x.org\n")
    with pytest.raises(RingScopeError, match="column 'email' appears more than once in the header"):
        run(twice, clean_db, tmp_path, name="r2")
    assert one(clean_db, "MATCH (a:Account {account_id: 'acc-2'}) RETURN count(a) AS n")["n"] == 0


def test_links_to_an_account_whose_own_row_was_rejected_say_so(clean_db, tmp_path):
    """Field report (newcomer QA): one bad created_at rejected the account, and then each of
    its logins and exchanges as "link to unknown account", which sent the reader looking
    for an account missing from the export rather than the one row to fix."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text(
        "account_id,created_at\nacc-1,2025-03-01T00:00:00Z\nacc-2,last tuesday\n")
    (world / "logins.csv").write_text(
        "account_id,ts,ip\nacc-1,2025-03-02T00:00:00Z,192.0.2.1\nacc-2,2025-03-02T00:00:00Z,192.0.2.2\n"
        "acc-9,2025-03-02T00:00:00Z,192.0.2.3\n")
    run(world, clean_db, tmp_path)
    assert rejects(tmp_path / "rejects") == [
        ("accounts.csv", 2, "unparsable timestamp: created_at", "last tuesday"),
        ("logins.csv", 2, "link to an account whose own row was rejected", "acc-2"),
        ("logins.csv", 3, "link to unknown account", "acc-9"),
    ]


def test_rejected_rows_are_kept_whole_so_fixed_they_load_and_nothing_is_lost(clean_db, tmp_path):
    """Field report (newcomer QA): a login left out because its account's own row was
    rejected could never be loaded: after the accounts row was fixed, logins.csv was in the
    ledger (skipped), an edited logins.csv was refused as changed, and the rejects file held
    only the offending value. Rejected rows now go whole into `<kind>_rejected-<file>.csv`
    beside the rejects: fixed and moved into the world, they load as one more part."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text(
        "account_id,created_at,email\nacc-1,2025-03-01T00:00:00Z,a@x.org\nacc-2,yesterday,b@x.org\n")
    (world / "logins.csv").write_text(
        "account_id,ts,ip,device_id\nacc-1,2025-03-02T00:00:00Z,192.0.2.1,d1\n"
        "acc-2,2025-03-02T00:00:00Z,192.0.2.2,d1\nacc-9,2025-03-03T00:00:00Z,192.0.2.3,\n")
    run(world, clean_db, tmp_path)
    kept = tmp_path / "rejects"
    assert (kept / "accounts_rejected-accounts.csv").read_text() == "account_id,created_at,email\nacc-2,yesterday,b@x.org\n"
    assert (kept / "logins_rejected-logins.csv").read_text() == (
        "account_id,ts,ip,device_id\nacc-2,2025-03-02T00:00:00Z,192.0.2.2,d1\n")
    # acc-9 is in no file yet: its row waits for it (tests/test_ingest_landing.py), as CSV
    # the contract reads (an empty cell comes out as "", which it reads as empty too)
    [waiting] = Path(run(world, clean_db, tmp_path, name="unchanged").waiting_dir).glob("logins_waiting-*.csv")
    assert waiting.read_text() == "account_id,ts,ip,device_id\nacc-9,2025-03-03T00:00:00Z,192.0.2.3,\"\"\n"
    # the investigator fixes the two rows and moves the files in
    (world / "accounts_fixed.csv").write_text("account_id,created_at,email\nacc-2,2025-03-01T08:00:00Z,b@x.org\n")
    (world / "logins_fixed.csv").write_text("account_id,ts,ip,device_id\nacc-2,2025-03-02T00:00:00Z,192.0.2.2,d1\n")
    summary = run(world, clean_db, tmp_path, name="again")
    assert summary.rows_rejected == 0 and summary.rows_loaded == 2
    shared = one(clean_db, "MATCH (d:Device {device_id: 'd1'})<-[:USED_DEVICE]-(a:Account) "
                           "RETURN collect(a.account_id) AS ids, d.accounts AS n")
    assert sorted(shared["ids"]) == ["acc-1", "acc-2"] and shared["n"] == 2
    assert not (tmp_path / "again").exists()  # a clean run leaves no reject files


def test_rejected_rows_of_a_parquet_file_are_kept_as_csv_that_loads(clean_db, tmp_path):
    """The same for a typed Parquet export: the rows come out as CSV the contract reads, both
    the kept rejected rows (acc-8, whose own row was rejected) and the rows that wait for their
    account (acc-7, in no file yet), which load by themselves once it comes."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at\nacc-1,2025-03-01T00:00:00Z\nacc-8,someday\n")
    pq.write_table(pa.table({
        "account_id": ["acc-1", "acc-7", "acc-8"],
        "ts": [utc(2025, 3, 2, 10), utc(2025, 3, 2, 11), utc(2025, 3, 2, 12)],
        "ip": ["192.0.2.1", "192.0.2.1", "192.0.2.1"],
        "prompt_fingerprint": ["t1", "t1", "t1"],
        "input_tokens": [10, 20, 30], "output_tokens": [100, 200, 300],
    }), world / "exchanges.parquet")
    first = run(world, clean_db, tmp_path)
    header = "account_id,ts,ip,prompt_fingerprint,input_tokens,output_tokens"
    rows = (tmp_path / "rejects" / "exchanges_rejected-exchanges-parquet.csv").read_text().splitlines()
    assert rows[0] == header and len(rows) == 2 and rows[1].startswith("acc-8,2025-03-02 12:00:00")
    [waiting] = Path(first.waiting_dir).glob("exchanges_waiting-*.csv")
    rows = waiting.read_text().splitlines()
    assert rows[0] == header and len(rows) == 2 and rows[1].startswith("acc-7,2025-03-02 11:00:00")
    (world / "accounts_late.csv").write_text(
        "account_id,created_at\nacc-7,2025-03-01T00:00:00Z\nacc-8,2025-03-01T00:00:00Z\n")
    shutil.copy(tmp_path / "rejects" / "exchanges_rejected-exchanges-parquet.csv", world / "exchanges_late.csv")
    summary = run(world, clean_db, tmp_path, name="again")
    assert summary.rows_rejected == 0
    assert one(clean_db, "MATCH (a:Account {account_id: 'acc-7'}) RETURN a.exchanges AS n, a.output_tokens AS out") == \
        {"n": 1, "out": 200}
    assert one(clean_db, "MATCH (a:Account {account_id: 'acc-8'}) RETURN a.exchanges AS n, a.output_tokens AS out") == \
        {"n": 1, "out": 300}
    assert not waiting.exists() and summary.rows_waiting == 0


# ---------------------------------------------------------------- strictness pass (field reports)

def test_columns_named_like_ingest_s_own_load_and_their_rows_are_kept_under_the_file_s_header(clean_db, tmp_path):
    """Field report: a Parquet export with a column `FILE_ROW_NUMBER` was refused whole as
    "damaged" (DuckDB's row numbering adds a column of that name, in any case); a CSV whose
    header named a column `__row`, or repeated one, had its rejected rows kept under a
    header DuckDB had renamed (`__row_1`, `note_1`); and a non-UTF-8 byte in a row of a
    CSV with a repeated column name stopped the load with a traceback instead of
    rejecting that row. Such a Parquet file is staged, columns by position."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_bytes(
        b"account_id,created_at,__row,note,note\n"
        b"acc-1,2025-03-01T00:00:00Z,x,a,b\n"
        b"acc-2,someday,x,a,b\n"
        b"acc-3,2025-03-01T00:00:00Z,x,Ren\xe9e,b\n")
    pq.write_table(pa.table({
        "account_id": ["acc-1", "acc-1", "acc-1"],
        "ts": [utc(2025, 3, 2, 10), utc(2025, 3, 2, 11), None],
        "ip": ["192.0.2.1", "192.0.2.2", "192.0.2.3"],
        "FILE_ROW_NUMBER": [7, 8, 9],
    }), world / "logins.parquet")
    summary = run(world, clean_db, tmp_path)
    assert summary.file("logins.parquet").status == LOADED
    ips = one(clean_db, "MATCH (:Account {account_id: 'acc-1'})-[:USED_IP]->(i:IP) RETURN collect(i.address) AS a")
    assert sorted(ips["a"]) == ["192.0.2.1", "192.0.2.2"]
    found = rejects(tmp_path / "rejects")
    assert ("accounts.csv", 2, "unparsable timestamp: created_at", "someday") in found
    assert ("accounts.csv", 3, "malformed CSV row: not UTF-8 in column note",
            "acc-3,2025-03-01T00:00:00Z,x,Ren\\xe9e,b") in found
    assert [r[:2] for r in found if r[0] == "logins.parquet"] == [("logins.parquet", 3)]
    kept = tmp_path / "rejects"
    assert (kept / "accounts_rejected-accounts.csv").read_text() == \
        "account_id,created_at,__row,note,note\nacc-2,someday,x,a,b\n"
    rows = (kept / "logins_rejected-logins-parquet.csv").read_text().splitlines()
    assert rows[0] == "account_id,ts,ip,FILE_ROW_NUMBER" and rows[1:] == ["acc-1,,192.0.2.3,9"]


def test_a_list_or_record_in_a_contract_column_rejects_its_row(clean_db, tmp_path):
    """Field report (typed Parquet): `country` written as a list (['DE']) was stored as the
    text "[DE]", and an `org_id` struct as "{'id': o1}". The contract names one value per
    column: such a row is rejected with its value, and the other rows load."""
    world = tmp_path / "world"
    world.mkdir()
    pq.write_table(pa.table({
        "account_id": ["acc-1", "acc-2", "acc-3", "acc-4"],
        "created_at": [utc(2025, 3, 1)] * 4,
        "country": pa.array([["DE"], None, ["FR", "DE"], None], pa.list_(pa.string())),
        "org_id": pa.array([None, {"id": "o1"}, None, None], pa.struct([("id", pa.string())])),
    }), world / "accounts.parquet")
    summary = run(world, clean_db, tmp_path)
    assert summary.rows_loaded == 1 and summary.rows_rejected == 3
    assert rejects(tmp_path / "rejects") == [
        ("accounts.parquet", 1, "a list or record, not one value: country", "[DE]"),
        ("accounts.parquet", 2, "a list or record, not one value: org_id", "{'id': o1}"),
        ("accounts.parquet", 3, "a list or record, not one value: country", "[FR, DE]"),
    ]
    assert one(clean_db, "MATCH (a:Account) RETURN collect(a.account_id) AS ids, collect(a.country) AS c") == \
        {"ids": ["acc-4"], "c": []}


def test_a_column_named_like_a_contract_column_but_for_case_is_ignored_not_read(clean_db, tmp_path):
    """DuckDB matches names without regard to case: `ACCOUNT_ID`, `IP` and `Device_ID` beside
    the contract's columns were read in their place (logins on the wrong account, a wrong
    device and address) while the summary called them ignored; `Tier` beside accounts'
    `tier`, kept as a property, stopped the load."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,Email,created_at,Tier,email\na1,x@evil.test,2024-01-01,gold,"
                                        "a1@example.com\na2,,2024-01-01,gold,\n")
    (world / "logins.csv").write_text("ACCOUNT_ID,account_id,ts,IP,ip,Device_ID,device_id\n"
                                      "a2,a1,2024-03-01T00:00:00Z,9.9.9.9,192.0.2.1,WRONG,d1\n"
                                      "a2,a1,2024-03-01T01:00:00Z,9.9.9.9,192.0.2.1,WRONG,d1\n")
    summary = run(world, clean_db, tmp_path)
    assert summary.rows_rejected == 0
    assert set(summary.file("logins.csv").ignored_columns) == {"ACCOUNT_ID", "IP", "Device_ID"}
    assert set(summary.file("accounts.csv").ignored_columns) >= {"Email", "Tier"}
    assert one(clean_db, "MATCH (a:Account)-[u:USED_DEVICE]->(d:Device) RETURN a.account_id AS a, d.device_id AS d, "
                         "u.logins AS n") == {"a": "a1", "d": "d1", "n": 2}
    assert one(clean_db, "MATCH (:Account)-[:USED_IP]->(i:IP) RETURN collect(i.address) AS ips")["ips"] == ["192.0.2.1"]
    assert one(clean_db, "MATCH (a:Account {account_id: 'a1'}) RETURN a.email AS e, a.Tier AS t") == \
        {"e": "a1@example.com", "t": None}


def test_a_copy_that_grows_is_refused_like_the_file_it_copied(clean_db, tmp_path):
    """A file skipped as a copy of a loaded file (recorded `duplicate`) that later got a row
    loaded whole: its old rows counted twice."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at\na1,2024-01-01\n")
    logins = "account_id,ts,ip,device_id\na1,2024-03-01T00:00:00Z,192.0.2.1,d1\na1,2024-03-02T00:00:00Z,192.0.2.1,d1\n"
    (world / "logins.csv").write_text(logins)
    run(world, clean_db, tmp_path)
    (world / "logins_copy.csv").write_text(logins)
    assert run(world, clean_db, tmp_path, name="r2").file("logins_copy.csv").status == SAME_ROWS
    (world / "logins_gz.csv.gz").write_bytes(gzip.compress(logins.encode()))  # a copy of other bytes: `duplicate`
    run(world, clean_db, tmp_path, name="r2b")
    with (world / "logins_copy.csv").open("a") as fh:
        fh.write("a1,2024-03-05T00:00:00Z,192.0.2.1,d1\n")
    (world / "logins_gz.csv.gz").write_bytes(gzip.compress((logins + "a1,2024-03-06T00:00:00Z,192.0.2.1,d1\n").encode()))
    again = run(world, clean_db, tmp_path, name="r3")
    assert again.file("logins_copy.csv").status == CHANGED and "begins with the" in again.file("logins_copy.csv").note
    assert again.file("logins_gz.csv.gz").status == CHANGED
    assert one(clean_db, "MATCH (:Account)-[u:USED_DEVICE]->() RETURN u.logins AS n")["n"] == 2


def test_a_later_file_without_an_optional_column_keeps_what_the_earlier_one_gave(clean_db, tmp_path):
    """A later accounts (or payment instruments) file without `email`, `org_id` or `kind`
    erased them, and with them the e-mail domain and org links detection reads."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at,email,org_id\na1,2024-01-01,ann@example.com,org1\n")
    (world / "payment_instruments.csv").write_text("account_id,instrument_id,kind,bin,issuer_country\na1,i1,card,411111,US\n")
    run(world, clean_db, tmp_path)
    (world / "accounts_2.csv").write_text("account_id,created_at,country\na1,2024-01-01,GB\n")
    (world / "payment_instruments_2.csv").write_text("account_id,instrument_id\na1,i1\n")
    run(world, clean_db, tmp_path, name="r2")
    assert one(clean_db, "MATCH (a:Account {account_id: 'a1'}) RETURN a.email AS e, a.country AS c, "
                         "[(a)-[:HAS_EMAIL_DOMAIN]->(d) | d.domain] AS d, [(a)-[:IN_ORG]->(o) | o.org_id] AS o") == \
        {"e": "ann@example.com", "c": "GB", "d": ["example.com"], "o": ["org1"]}
    assert one(clean_db, "MATCH (p:PaymentInstrument {instrument_id: 'i1'}) RETURN p.kind AS k, p.bin AS b") == \
        {"k": "card", "b": "411111"}
    # a file that has the column and changes it still moves the link
    (world / "accounts_3.csv").write_text("account_id,created_at,email,org_id\na1,2024-01-01,ann@other.org,\n")
    run(world, clean_db, tmp_path, name="r3")
    assert one(clean_db, "MATCH (a:Account {account_id: 'a1'}) RETURN [(a)-[:HAS_EMAIL_DOMAIN]->(d) | d.domain] AS d, "
                         "[(a)-[:IN_ORG]->(o) | o.org_id] AS o") == {"d": ["other.org"], "o": []}


def test_the_rows_kept_of_two_sources_with_one_stem_stay_apart(clean_db, tmp_path):
    """`logins_2024.03.01.csv` and `logins_2024.03.02.csv` wrote one kept-rows file (named
    by the text before the first dot): the first one's rejected row was lost."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at\na1,2024-01-01\n")
    (world / "logins_2024.03.01.csv").write_text("account_id,ts,ip\na1,2024-03-01T25:00:00Z,192.0.2.1\n")
    (world / "logins_2024.03.02.csv").write_text("account_id,ts,ip\na1,2024-03-02T00:00:00Z,999.1.1.1\n")
    run(world, clean_db, tmp_path)
    kept = sorted(p.name for p in (tmp_path / "rejects").glob("logins_rejected-*.csv"))
    assert kept == ["logins_rejected-logins_2024.03.01.csv", "logins_rejected-logins_2024.03.02.csv"]


def test_an_as_number_out_of_range_is_unset_and_the_load_goes_on(clean_db, tmp_path):
    """`99999999999999999999` in ip_intel's asn stopped every later load (the driver could not
    send it), and `AS-15169` was stored as -15169."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at\na1,2024-01-01\n")
    (world / "logins.csv").write_text("account_id,ts,ip\na1,2024-03-01T00:00:00Z,8.8.8.8\na1,2024-03-01T00:00:00Z,8.8.4.4\n")
    (world / "ip_intel.csv").write_text("network,asn,as_org,country,kind\n8.8.8.8,99999999999999999999,Huge,US,hosting\n"
                                        "8.8.4.4,AS-15169,Neg,US,hosting\n")
    summary = run(world, clean_db, tmp_path)
    assert summary.file("logins.csv").status == LOADED
    rows = db.run_read("MATCH (i:IP) RETURN i.address AS a, i.asn AS asn, i.kind AS kind ORDER BY a", settings=clean_db)
    assert rows == [{"a": "8.8.4.4", "asn": None, "kind": "hosting"}, {"a": "8.8.8.8", "asn": None, "kind": "hosting"}]


@pytest.mark.parametrize("invisible", ["\u2060", "\u200d", "\u200c", "\u00ad", "\u180e"])
def test_an_id_with_an_invisible_character_at_an_end_is_rejected(clean_db, tmp_path, invisible):
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text(f"account_id,created_at\nacc-1,2024-01-01\nacc-1{invisible},2024-01-01\n",
                                        encoding="utf-8")
    summary = run(world, clean_db, tmp_path)
    assert summary.rows_rejected == 1
    assert one(clean_db, "MATCH (a:Account) RETURN collect(a.account_id) AS ids")["ids"] == ["acc-1"]


# ---------------------------------------------------------------- typed Parquet (parquet-types pass)

def test_text_stored_as_parquet_binary_is_the_text_a_csv_gives(clean_db, tmp_path):
    """Field report: an exporter writing strings as plain Parquet BYTE_ARRAY (no UTF-8
    annotation: Impala, older Spark and Hive, some Go writers) got ids, e-mails and names
    stored as DuckDB's escapes: account `josé` became `jos\\xC3\\xA9`, so its logins (a string
    column) waited for an account that never came, its e-mail was an `unparsable e-mail`
    reject, and a name that is not UTF-8 was stored as the text `\\xFF`. Binary text is read as
    UTF-8, the same values as the CSV; a contract column that is not UTF-8 is a reject
    (`not UTF-8: <col>`), the rows kept of a rejected row (and rows that wait) carry the text."""
    world = tmp_path / "world"
    world.mkdir()
    pq.write_table(pa.table({
        "account_id": pa.array([b"jos\xc3\xa9", b"acc-2", b"acc-3"], pa.binary()),
        "created_at": pa.array([utc(2025, 3, 1)] * 3),
        "email": pa.array([b"jos\xc3\xa9@b\xc3\xbccher.example", b"x@example.com", None], pa.binary()),
        "display_name": pa.array([b"Jos\xc3\xa9", b"\xff", b"Ann"], pa.large_binary()),
        "tier": pa.array([b"gold", b"free", b"free"], pa.binary(4)),
    }), world / "accounts.parquet")
    pq.write_table(pa.table({
        "account_id": ["josé", "acc-3", "acc-9"],
        "ts": [utc(2025, 3, 2, 10), utc(2025, 3, 2, 11), utc(2025, 3, 2, 12)],
        "ip": pa.array([b"192.0.2.1", b"192.0.2.1", b"192.0.2.1"], pa.binary()),
        "device_id": pa.array([b"d\xc3\xa9v", b"d\xc3\xa9v", b"dev"], pa.binary()),
    }), world / "logins.parquet")
    summary = run(world, clean_db, tmp_path)
    assert rejects(tmp_path / "rejects") == [
        ("accounts.parquet", 2, "not UTF-8: display_name", "\\xFF"),
        ("logins.parquet", 3, "link to unknown account", "acc-9")]
    assert one(clean_db, "MATCH (a:Account {account_id: 'josé'}) RETURN a.email AS e, a.email_domain AS d, "
                         "a.display_name AS n, a.tier AS t") == \
        {"e": "josé@xn--bcher-kva.example", "d": "xn--bcher-kva.example", "n": "José", "t": "gold"}
    assert one(clean_db, "MATCH (d:Device)<-[:USED_DEVICE]-(a:Account) WITH d, a ORDER BY a.account_id "
                         "RETURN d.device_id AS d, collect(a.account_id) AS a") == {"d": "dév", "a": ["acc-3", "josé"]}
    assert summary.rows_waiting == 1
    kept = (tmp_path / "rejects" / "accounts_rejected-accounts-parquet.csv").read_text(encoding="utf-8").splitlines()
    assert kept[1].startswith("acc-2,") and kept[1].endswith(",x@example.com,\\xFF,free")
    [waiting] = Path(summary.waiting_dir).glob("logins_waiting-*.csv")
    assert waiting.read_text(encoding="utf-8").splitlines()[1].endswith(",192.0.2.1,dev")


def test_timestamps_beyond_what_a_datetime_holds_are_rejects(clean_db, tmp_path):
    """Field report: typed Parquet timestamps at DuckDB's `infinity` (a date32 of 2^31 - 1
    days, a timestamp[us] of 2^63 - 1: "no end" sentinels) failed the load in Neo4j
    (`Cannot construct date time from: NO_VALUE`) and left the file `loading` for good, or,
    as a card's `first_seen`, were dropped without a word; a date32 beyond DuckDB's
    timestamps refused the whole file as damaged; and a year outside 1-9999 (a Parquet year
    10000, a CSV `0000-06-01`, `9999-12-31T23:00:00-05:00`) loaded a datetime the Python
    driver cannot read back, which broke every later read of that account. Each is an
    `unparsable timestamp` reject and the file's other rows load."""
    world = tmp_path / "world"
    world.mkdir()
    days = pa.array([20148, 2**31 - 1, 2**31 - 2, 2932897], pa.int32()).cast(pa.date32())  # 2025-03-01, inf, far, 10000-01-01
    pq.write_table(pa.table({"account_id": ["a1", "a2", "a3", "a4"], "created_at": days}), world / "accounts.parquet")
    pq.write_table(pa.table({
        "account_id": ["a1", "a1"], "instrument_id": ["c1", "c2"],
        "first_seen": pa.array([2**63 - 1, 1740787200000000], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
    }), world / "payment_instruments.parquet")
    pq.write_table(pa.table({
        "account_id": ["a1", "a1"], "ip": ["192.0.2.1", "192.0.2.1"],
        "ts": pa.array([-(2**63) + 1, 1740787200000000], pa.int64()).cast(pa.timestamp("us")),
    }), world / "logins.parquet")
    (world / "exchanges.csv").write_text(
        "account_id,ts\na1,0000-06-01T00:00:00Z\na1,9999-12-31T23:00:00-05:00\na1,2025-03-02T00:00:00Z\n"
        "a1,9999-12-31T23:00:00Z\n")
    summary = run(world, clean_db, tmp_path)
    assert rejects(tmp_path / "rejects") == [
        ("accounts.parquet", 2, "unparsable timestamp: created_at", "infinity"),
        ("accounts.parquet", 3, "unparsable timestamp: created_at", "5881580-07-10"),
        ("accounts.parquet", 4, "unparsable timestamp: created_at", "10000-01-01"),
        ("exchanges.csv", 1, "unparsable timestamp: ts", "0000-06-01T00:00:00Z"),
        ("exchanges.csv", 2, "unparsable timestamp: ts", "9999-12-31T23:00:00-05:00"),
        ("logins.parquet", 1, "unparsable timestamp: ts", "'-infinity"),  # spreadsheet-guarded
        ("payment_instruments.parquet", 1, "unparsable timestamp: first_seen", "infinity"),
    ]
    assert [f.status for f in summary.files] == [LOADED] * 4
    a1 = one(clean_db, "MATCH (a:Account {account_id: 'a1'}) RETURN a.created_at AS c, a.first_exchange AS f, "
                       "a.last_exchange AS l, a.exchanges AS n")
    assert (a1["c"].to_native(), a1["f"].to_native(), a1["l"].to_native(), a1["n"]) == (
        utc(2025, 3, 1), utc(2025, 3, 2), utc(9999, 12, 31, 23), 2)
    assert one(clean_db, "MATCH (:Account)-[r:PAID_WITH]->(p) RETURN p.instrument_id AS p, r.first_seen AS f")["p"] == "c2"
    assert one(clean_db, "MATCH (:Account)-[r:USED_IP]->() RETURN r.logins AS n")["n"] == 1
    assert [r["status"] for r in ledger(clean_db)] == ["done"] * 4
    dump(clean_db)  # every value reads back


def test_parquet_column_names_are_read_like_a_csv_header(clean_db, tmp_path):
    """Field report: a CSV header ` account_id , created_at ,email ` loads (its names are
    taken without surrounding whitespace), but the same columns in a Parquet export (a
    pandas frame read from that CSV keeps the spaces) refused the file for lacking
    `account_id`, and an `email ` column was ignored, its addresses lost. Parquet names are
    read like CSV names; a name that is then a contract column twice refuses the file."""
    world = tmp_path / "world"
    world.mkdir()
    pq.write_table(pa.table({
        " account_id ": ["a1", "a2"], "created_at\t": [utc(2025, 3, 1), utc(2025, 3, 1)],
        "email ": ["ann@example.com", "bob@example.com"], " tier": ["gold", "free"],
    }), world / "accounts.parquet")
    summary = run(world, clean_db, tmp_path)
    assert summary.file("accounts.parquet").status == LOADED and summary.rows_loaded == 2
    assert summary.file("accounts.parquet").ignored_columns == []
    assert one(clean_db, "MATCH (a:Account {account_id: 'a1'}) RETURN a.email AS e, a.tier AS t, "
                         "[(a)-[:HAS_EMAIL_DOMAIN]->(d) | d.domain] AS d") == \
        {"e": "ann@example.com", "t": "gold", "d": ["example.com"]}
    pq.write_table(pa.table({"account_id": ["a1"], "account_id ": ["a9"], "created_at": [utc(2025, 3, 1)]}),
                   world / "accounts_2.parquet")
    with pytest.raises(RingScopeError) as err:
        run(world, clean_db, tmp_path, name="twice")
    assert str(err.value).startswith("accounts_2.parquet refused: column 'account_id' appears more than once")


def test_a_millisecond_timestamp_beyond_microseconds_is_a_reject_not_a_damaged_file(clean_db, tmp_path):
    """Field report: a Parquet timestamp[ms] column holding Long.MAX_VALUE, the "never" a
    Java exporter writes, refused the whole file as damaged (`cannot be read (Conversion
    Error: Could not convert Timestamp(MS) to Timestamp(US))`), since DuckDB reads
    milliseconds as microseconds. Such a file is staged with that value as `infinity`: the row
    is an `unparsable timestamp` reject and the others load."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at\na1,2025-03-01\n")
    pq.write_table(pa.table({
        "account_id": ["a1", "a1", "a1"], "ip": ["192.0.2.1"] * 3,
        "ts": pa.array([2**63 - 1, 1740787200000, -(2**63)], pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
    }), world / "logins.parquet", row_group_size=1)
    summary = run(world, clean_db, tmp_path)
    assert summary.file("logins.parquet").status == LOADED
    assert rejects(tmp_path / "rejects") == [
        ("logins.parquet", 1, "unparsable timestamp: ts", "infinity"),
        ("logins.parquet", 3, "unparsable timestamp: ts", "'-infinity")]  # spreadsheet-guarded
    r = one(clean_db, "MATCH (:Account)-[r:USED_IP]->() RETURN r.logins AS n, r.first_seen AS f")
    assert (r["n"], r["f"].to_native()) == (1, utc(2025, 3, 1))
