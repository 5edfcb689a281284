"""The bulk path (neo4j-admin import into an empty database) gives the graph the
transactional path gives, files split in several parts included."""
from __future__ import annotations

import shutil

import pytest

from ringscope import db
from ringscope.errors import RingScopeError
from ringscope.ingest import ingest_world
from ringscope.server import local

from conftest import empty_database
from test_ingest_graph import TINY, WORLDS, _split, dump, one


def _split_world(tmp_path):
    """The tiny world with accounts, logins and exchanges each in two files; account a2
    appears in both accounts files (the later e-mail wins)."""
    world = tmp_path / "split"
    world.mkdir()
    for name in ("ip_intel.csv", "payment_instruments.csv", "labels.csv"):
        shutil.copy(TINY / name, world / name)
    _split(TINY / "exchanges.csv", world, "exchanges", 3)
    _split(TINY / "logins.csv", world, "logins", 2)
    lines = (TINY / "accounts.csv").read_text().splitlines(keepends=True)
    (world / "accounts_1.csv").write_text("".join(lines[:3]))
    (world / "accounts_2.csv").write_text(lines[0] + lines[2].replace("bob@example.com", "bob@new.test") + "".join(lines[3:]))
    return world


def test_bulk_import_equals_the_transactional_load(clean_db, tmp_path):
    settings = clean_db
    if not settings.uses_local_server or local.read_pid(local.ServerPaths(settings.local.home)) is None:
        pytest.skip("the bulk path needs the private local test server (it is stopped for the import)")
    world = _split_world(tmp_path)
    tx = ingest_world(world, settings, rejects_dir=tmp_path / "r-tx", bulk="never")
    assert tx.path == "transactional"
    expected = dump(settings)
    assert one(settings, "MATCH (:Account {account_id: 'a2'})-[:HAS_EMAIL_DOMAIN]->(d) RETURN d.domain AS d")["d"] == "new.test"
    empty_database(settings)

    bulk = ingest_world(world, settings, rejects_dir=tmp_path / "r-bulk", bulk="always")
    assert bulk.path == "bulk" and bulk.bulk["rows"] > 0
    assert dump(settings) == expected
    assert (bulk.rows_read, bulk.rows_rejected) == (tx.rows_read, tx.rows_rejected)
    for name in ("exchanges_2.csv", "logins_2.csv", "accounts_2.csv"):
        assert (tmp_path / "r-bulk" / f"{name}.rejects.csv").read_text() == (tmp_path / "r-tx" / f"{name}.rejects.csv").read_text()
    # the ledger came in with the graph: a re-run skips every file
    ledger = db.run_read("MATCH (f:IngestedFile) RETURN f.status AS s, count(*) AS n", settings=settings)
    assert ledger == [{"s": "done", "n": 8}]
    again = ingest_world(world, settings, rejects_dir=tmp_path / "r-again")
    assert again.rows_read == 0 and dump(settings) == expected
    # constraints are back after the import
    names = {r["name"] for r in db.run_read("SHOW CONSTRAINTS YIELD name RETURN name", settings=settings)}
    assert "account_id" in names

    with pytest.raises(RingScopeError, match="not empty"):
        ingest_world(world, settings, rejects_dir=tmp_path / "r-refused", bulk="always")


def _field_reports_world(tmp_path):
    """Every issue-12 case world as parts of one world (`<kind>_<case>.<ext>`): a
    gzipped copy, bad numbers, mapped IPs, null spellings, timestamps, identifiers."""
    world = tmp_path / "field_reports"
    world.mkdir()
    for case in ("same_rows", "bad_numbers", "mapped_ipv4", "null_spellings", "timestamps", "identifiers"):
        for path in sorted((WORLDS / case).iterdir()):
            kind, ext = path.name.split(".", 1)
            shutil.copy(path, world / f"{kind}_{case}.{ext}")
    return world


def test_bulk_import_equals_the_transactional_load_on_the_field_reports(clean_db, tmp_path):
    settings = clean_db
    if not settings.uses_local_server or local.read_pid(local.ServerPaths(settings.local.home)) is None:
        pytest.skip("the bulk path needs the private local test server (it is stopped for the import)")
    world = _field_reports_world(tmp_path)
    tx = ingest_world(world, settings, rejects_dir=tmp_path / "r-tx", bulk="never")
    expected = dump(settings)
    ledger_query = "MATCH (f:IngestedFile) RETURN f.path AS path, f.status AS status, f.content AS content ORDER BY path"
    expected_ledger = db.run_read(ledger_query, settings=settings)
    assert tx.file("exchanges_same_rows.csv.gz").status.startswith("skipped: same rows")
    # two accounts files with identical bytes: one loads, one ledger entry
    assert "same bytes as accounts_bad_numbers.csv" in tx.file("accounts_same_rows.csv").note
    assert [r["status"] for r in expected_ledger if r["path"].startswith("accounts_")].count("done") == 5
    assert one(settings, "MATCH (a:Account {account_id: 'id-2'}) RETURN a.email_mailbox AS m")["m"] == "john@gmail.com"
    empty_database(settings)

    bulk = ingest_world(world, settings, rejects_dir=tmp_path / "r-bulk", bulk="always")
    assert bulk.path == "bulk"
    assert dump(settings) == expected
    assert db.run_read(ledger_query, settings=settings) == expected_ledger
    assert [(f.name, f.status, f.rows_read, f.rows_rejected, f.null_spellings, f.placeholders) for f in bulk.files] == [
        (f.name, f.status, f.rows_read, f.rows_rejected, f.null_spellings, f.placeholders) for f in tx.files]
    for path in sorted((tmp_path / "r-tx").glob("*.rejects.csv")):
        assert (tmp_path / "r-bulk" / path.name).read_text() == path.read_text()


def test_a_column_a_later_accounts_file_lacks_is_kept_on_both_paths(clean_db, tmp_path):
    """Field report (ingest strictness pass): a later accounts file without `email` or
    `org_id` erased them and their links; the bulk path took the newer file's row whole.
    Both paths now take each attribute from the newest file that has its column, an empty
    cell included, and give one graph."""
    settings = clean_db
    if not settings.uses_local_server or local.read_pid(local.ServerPaths(settings.local.home)) is None:
        pytest.skip("the bulk path needs the private local test server (it is stopped for the import)")
    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,created_at,email,org_id,tier\n"
                                        "a1,2024-01-01,ann@example.com,org1,pro\na2,2024-01-01,bob@example.com,org1,free\n")
    (world / "accounts_2.csv").write_text("account_id,created_at,country,tier\na1,2024-01-02,GB,\n")
    query = ("MATCH (a:Account) RETURN a.account_id AS a, a.email AS e, a.country AS c, a.tier AS t, "
             "toString(a.created_at) AS at, [(a)-[:HAS_EMAIL_DOMAIN]->(d) | d.domain] AS d, "
             "[(a)-[:IN_ORG]->(o) | o.org_id] AS o ORDER BY a")
    ingest_world(world, settings, rejects_dir=tmp_path / "r-tx", bulk="never")
    expected = db.run_read(query, settings=settings)
    assert expected[0] == {"a": "a1", "e": "ann@example.com", "c": "GB", "t": None, "at": "2024-01-02T00:00:00Z",
                           "d": ["example.com"], "o": ["org1"]}
    empty_database(settings)
    assert ingest_world(world, settings, rejects_dir=tmp_path / "r-bulk", bulk="always").path == "bulk"
    assert db.run_read(query, settings=settings) == expected
