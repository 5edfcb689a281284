"""The one runner (db.run and friends) on a live Neo4j: modes, batches with a ledger key,
repeat-until-done, and transaction metadata."""
from __future__ import annotations

import socket
import textwrap
import threading
import time
from dataclasses import replace

import pytest

from ringscope import catalog, db
from ringscope.catalog import CatalogError
from ringscope.config import load_settings


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


def test_run_until_done_pages_each_statement_by_its_cursor(clean_db, stored):
    db.run_write("UNWIND range(10, 34) AS i CREATE (:Account {account_id: toString(i)}) "
                 "CREATE (:Device {device_id: 'd' + toString(i)})")
    stored("mark_pages", """
        MATCH (a:Account) WHERE a.account_id > $after
        WITH a ORDER BY a.account_id LIMIT $limit
        SET a.seen = coalesce(a.seen, 0) + 1
        RETURN max(a.account_id) AS last, count(a) AS n;
        MATCH (d:Device) WHERE d.device_id > $after
        WITH d ORDER BY d.device_id LIMIT $limit
        SET d.seen = coalesce(d.seen, 0) + 1
        RETURN max(d.device_id) AS last, count(d) AS n
    """, extra="// param: after = \"\" -- start after this key\n// param: limit = 10 -- per round\n")
    rounds = []
    assert db.run_until_done("mark_pages", cursor=("after", "last"), progress=rounds.append) == 50
    assert rounds == [10, 10, 5, 10, 10, 5]  # each label paged from the start, in rounds of 10
    seen = db.run_read("MATCH (n) WHERE n:Account OR n:Device RETURN collect(DISTINCT n.seen) AS seen")[0]["seen"]
    assert seen == [1]  # every node once: the cursor moved on, no page was done twice


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nowhere(port: int):
    """Settings for a local server on a loopback port (a fresh driver each time)."""
    db.close_all()
    return replace(load_settings(), uri=f"bolt://127.0.0.1:{port}", uses_local_server=True)


def test_an_interactive_read_of_a_closed_port_fails_fast_in_one_clear_line():
    port = _closed_port()
    began = time.monotonic()
    with pytest.raises(db.DatabaseUnavailable) as failed:
        db.run("admin_account_count", mode=db.READ, settings=_nowhere(port), interactive=True)
    assert time.monotonic() - began < 8
    message = str(failed.value)
    assert message.startswith(f"cannot reach Neo4j at bolt://127.0.0.1:{port}: start it with `ringscope db start`, "
                              "or check NEO4J_URI")
    assert "\n" not in message


def test_an_interactive_read_gives_up_on_a_silent_server_while_a_patient_one_waits():
    """A listener that accepts and never answers (a hung server): the app's read gives up
    after its short connect time-out; the patient path (ingest, detect) is still waiting."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    settings = _nowhere(listener.getsockname()[1])
    patient: list[BaseException | None] = []

    def patient_read():
        try:
            db.run("admin_account_count", mode=db.READ, settings=settings)
            patient.append(None)
        except BaseException as exc:  # recorded for the assertion below
            patient.append(exc)

    try:
        began = time.monotonic()
        with pytest.raises(db.DatabaseUnavailable, match="cannot reach Neo4j at bolt://127.0.0.1"):
            db.run("admin_account_count", mode=db.READ, settings=settings, interactive=True)
        gave_up = time.monotonic() - began
        assert gave_up < db.PATIENT["connection_timeout"] - 2, f"the interactive read took {gave_up:.1f}s"
        waiting = threading.Thread(target=patient_read, daemon=True)
        waiting.start()
        waiting.join(gave_up + 1)
        assert waiting.is_alive() and not patient, "the patient read should still be waiting for the server"
    finally:
        stop.set()
        for conn in held:
            conn.close()
        listener.close()
    waiting.join(db.PATIENT["connection_timeout"] + 5)
    assert patient and isinstance(patient[0], db.DatabaseUnavailable)
    db.close_all()


def test_values_rows_come_back_as_the_same_dicts_without_conversion(clean_db, stored):
    stored("make_account", "CREATE (:Account {account_id: 'a1', created_at: datetime('2026-01-02T03:04:05Z')})")
    db.run("make_account", mode=db.WRITE)
    body = "MATCH (a:Account) RETURN a.account_id AS id, [a.account_id, 'x'] AS ids, {at: a.created_at} AS m, [1, 2] AS n"
    stored("as_graph", body, mode="read", category="detection")
    stored("as_values", body, mode="read", category="detection", extra="// rows: values\n")
    graph_rows = db.run("as_graph", mode=db.READ)
    value_rows = db.run("as_values", mode=db.READ)
    assert value_rows == graph_rows and value_rows[0]["ids"] == ["a1", "x"] and value_rows[0]["n"] == [1, 2]
    assert type(value_rows[0]) is dict


def test_a_rows_header_other_than_graph_or_values_is_refused(stored):
    stored("odd_rows", "RETURN 1 AS x", mode="read", category="detection", extra="// rows: nodes\n")
    with pytest.raises(CatalogError, match="rows must be graph or values"):
        db.run("odd_rows", mode=db.READ)


def test_sign_ins_locked_after_wrong_passwords_say_what_to_do(neo4j_settings):
    """After a few wrong passwords Neo4j refuses the user for a few seconds
    (AuthenticationRateLimit); that surfaced as the server's bare text. It is one line that
    says to check the password and retry."""
    wrong = replace(neo4j_settings, password="not-the-password")
    messages = []
    try:
        for _ in range(5):
            with pytest.raises(db.DatabaseUnavailable) as refused:
                db.run_read("RETURN 1 AS x", settings=wrong)
            messages.append(str(refused.value))
    finally:
        deadline = time.monotonic() + 30  # the lock is the user's: let the other tests sign in again
        while time.monotonic() < deadline:
            try:
                db.close_all()
                db.run_read("RETURN 1 AS x", settings=neo4j_settings)
                break
            except db.DatabaseUnavailable:
                time.sleep(1)
    locked = [m for m in messages if "for a few seconds after several wrong passwords" in m]
    assert locked, messages
    assert all("check NEO4J_USER / NEO4J_PASSWORD in .env" in m and "\n" not in m for m in messages)


def test_a_database_the_server_lacks_says_to_fix_neo4j_database(neo4j_settings):
    """NEO4J_DATABASE naming no database gave the bare "DatabaseNotFound: Graph not found:
    nope"; the line now says what to fix."""
    wrong = replace(neo4j_settings, database="nope")
    for read in (lambda: db.run_read("RETURN 1 AS x", settings=wrong),
                 lambda: catalog.run_query("admin_account_count", {}, settings=wrong)):
        with pytest.raises(db.DatabaseUnavailable, match=r"no such database \(.*nope\): fix NEO4J_DATABASE in \.env"):
            read()
