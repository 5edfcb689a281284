"""The one runner (db.run and friends) on a live Neo4j: modes, batches with a ledger key,
repeat-until-done, and transaction metadata."""
from __future__ import annotations

import textwrap

import pytest

from ringscope import catalog, db
from ringscope.catalog import CatalogError

pytestmark = pytest.mark.integration


@pytest.fixture
def stored(tmp_path, monkeypatch):
    """Write stored queries into a private catalog folder and make the runner use it."""
    folder = tmp_path / "cypher"
    folder.mkdir()
    header = "// name: {name}\n// title: {name} for the runner tests\n// description: A query the runner tests run.\n" \
             "// category: {category}\n// mode: {mode}\n// version: 1\n{extra}"

    def add(name, body, *, mode="write", category="ingest", extra=""):
        (folder / f"{name}.cypher").write_text(
            header.format(name=name, mode=mode, category=category, extra=extra) + textwrap.dedent(body).strip() + "\n")
        catalog._load.cache_clear()

    real = catalog.get_query
    monkeypatch.setattr(db, "get_query", lambda name: real(name, folder))
    yield add
    catalog._load.cache_clear()


def test_the_mode_must_match_the_declared_one(clean_db, stored):
    stored("make_account", "CREATE (:Account {account_id: $id})", extra="// param: id -- the account\n")
    stored("count_accounts", "MATCH (a:Account) RETURN count(a) AS n", mode="read", category="triage")
    with pytest.raises(CatalogError, match="declared write but was run as read"):
        db.run("make_account", {"id": "x"}, mode=db.READ)
    with pytest.raises(CatalogError, match="declared read but was run as write"):
        db.run("count_accounts", mode=db.WRITE)
    with pytest.raises(CatalogError, match="needs --param id"):
        db.run("make_account", mode=db.WRITE)
    db.run("make_account", {"id": "x"}, mode=db.WRITE)
    assert db.run("count_accounts", mode=db.READ) == [{"n": 1}]


def test_a_read_query_cannot_write_even_if_its_header_lies(clean_db, stored):
    stored("sneaky", "CREATE (:Account {account_id: 'x'}) RETURN 1 AS one", mode="read", category="triage")
    with pytest.raises(db.QueryFailed, match="read-only"):
        db.run("sneaky", mode=db.READ)


def test_batches_carry_their_ledger_key_and_a_rerun_skips_recorded_ones(clean_db, stored):
    stored("ledgered", """
        MERGE (f:IngestedFile {sha256: $sha})
        WITH f WHERE NOT $batch IN coalesce(f.batches, [])
        SET f.batches = coalesce(f.batches, []) + $batch
        WITH f UNWIND $rows AS row
        MERGE (a:Account {account_id: row.id}) ON CREATE SET a.loads = 0 SET a.loads = a.loads + 1
    """, extra="// param: sha -- the file\n// param: batch -- ledger key\n// param: rows -- the batch\n")
    rows = [{"id": f"a{i}"} for i in range(7)]
    seen = []
    written = db.run_batched("ledgered", db.batched(rows, 3), params={"sha": "f1"}, ledger_key="accounts",
                             progress=seen.append)
    assert written == 7 and seen == [3, 3, 1]
    [f] = db.run_read("MATCH (f:IngestedFile) RETURN f.batches AS b")
    assert f["b"] == ["accounts:0", "accounts:1", "accounts:2"]
    db.run_batched("ledgered", db.batched(rows, 3), params={"sha": "f1"}, ledger_key="accounts")
    assert db.run_read("MATCH (a:Account) RETURN sum(a.loads) AS loads")[0]["loads"] == 7


def test_run_until_done_repeats_small_rounds(clean_db, stored):
    db.run_write("UNWIND range(1, 25) AS i CREATE (:Account {account_id: toString(i)})")
    stored("delete_some", "MATCH (a:Account) WITH a LIMIT $limit DETACH DELETE a RETURN count(*) AS n",
           extra="// param: limit = 10 -- accounts per round\n")
    rounds = []
    assert db.run_until_done("delete_some", progress=rounds.append) == 25
    assert rounds == [10, 10, 5]
    assert db.run_read("MATCH (a:Account) RETURN count(a) AS n")[0]["n"] == 0


def test_auto_commit_files_run_outside_transaction_functions(clean_db, stored):
    db.run_write("UNWIND range(1, 5) AS i CREATE (:Account {account_id: toString(i)})")
    stored("delete_in_tx", "MATCH (a:Account) CALL (a) { DETACH DELETE a } IN TRANSACTIONS OF 2 ROWS RETURN count(*) AS n",
           extra="// transaction: auto\n")
    assert db.run("delete_in_tx", mode=db.WRITE) == [{"n": 5}]


def test_transactions_carry_the_query_name(clean_db, stored):
    stored("who_runs", "SHOW TRANSACTIONS YIELD metaData, currentQuery WHERE currentQuery STARTS WITH 'SHOW' RETURN metaData",
           mode="read", category="triage")
    [row] = db.run("who_runs", mode=db.READ)
    assert row["metaData"] == {"app": "ringscope", "query": "who_runs", "version": 1}
