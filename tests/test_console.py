"""The analysts' console (ringscope.console): typed Cypher is planned and vetted before it
runs, against the real test Neo4j. A read transaction stops writes but not administration:
a field report (app security pass) ended another session's running write with
`TERMINATE TRANSACTIONS` typed into the console, and read `SHOW TRANSACTIONS` (other
sessions' query text and parameters), `SHOW SETTINGS` and `dbms.listConfig()`."""
from __future__ import annotations

import pytest

from ringscope import console


@pytest.mark.parametrize("cypher, says", [
    ("SHOW TRANSACTIONS", "not administration commands (ShowTransactions)"),
    ("SHOW TRANSACTIONS YIELD * RETURN *", "(ShowTransactions)"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "(TerminateTransactions)"),
    ("/* hidden */ // behind comments\n  terminate transactions 'neo4j-transaction-2'", "(TerminateTransactions)"),
    ("SHOW USERS", "(AdministrationCommand)"),
    ("SHOW SETTINGS", "(ShowSettings)"),
    ("CALL dbms.listConfig()", "does not call dbms.listConfig"),
    ("CALL db.clearQueryCaches()", "does not call db.clearQueryCaches"),
    ("CALL apoc.warmup.run()", "does not call apoc.warmup.run"),
    ("CALL db.resampleOutdatedIndexes()", "does not call db.resampleOutdatedIndexes"),
    ("CYPHER runtime=slotted TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "(TerminateTransactions)"),
    ("CYPHER runtime=slotted EXPLAIN SHOW TRANSACTIONS", "(ShowTransactions)"),
    ("CALL `dbms`.`listConfig`()", "does not call dbms.listConfig"),
    ("EXPLAIN CALL dbms.components()", "does not call dbms.components"),
    ("CREATE INDEX probe IF NOT EXISTS FOR (a:Account) ON (a.probe)", "schema or administration command"),
])
def test_administration_and_writes_are_refused_before_anything_runs(clean_db, cypher, says):
    with pytest.raises(console.ConsoleRefused) as refused:
        console.run_console(cypher, {}, timeout=10, max_rows=5, settings=clean_db)
    assert says in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("cypher, rows", [
    ("MATCH (n) RETURN count(n) AS n", 1),
    ("CALL db.labels() YIELD label RETURN label LIMIT 1", None),
    ("SHOW INDEXES YIELD name RETURN name LIMIT 1", 1),
    ("// a note first\nPROFILE MATCH (n) RETURN count(n) AS n", 1),
    ("RETURN $k AS k", 1),
])
def test_reads_and_catalog_listings_run(clean_db, cypher, rows):
    keys, found, cut = console.run_console(cypher, {"k": 3}, timeout=10, max_rows=5, settings=clean_db)
    assert keys and not cut
    assert rows is None or len(found) == rows
    if "$k" in cypher:  # the parameter reached the server
        assert found == [[3]], found


def test_a_row_holding_millions_of_values_is_refused_not_kept(clean_db):
    """Field report: the row cap counted rows, and `RETURN range(1, 5000000)` (one row) grew
    the app by 270 MB, kept in the session."""
    with pytest.raises(console.ConsoleRefused, match="more than 200,000 values"):
        console.run_console("RETURN range(1, 300000) AS big", {}, timeout=30, max_rows=1, settings=clean_db)
    keys, rows, cut = console.run_console("RETURN range(1, 1000) AS ok", {}, timeout=30, max_rows=1, settings=clean_db)
    assert len(rows[0][0]) == 1000 and not cut


def test_a_write_is_left_to_the_read_transaction_which_refuses_it(clean_db):
    """Writes pass the plan check and meet the server's refusal, which the console page turns
    into what to do instead (`app/console.py`: WRITE_REFUSAL)."""
    from ringscope.db import QueryFailed

    with pytest.raises(QueryFailed) as refused:
        console.run_console("CREATE (n:Account {account_id: 'sneaky'}) RETURN n", {}, timeout=10, max_rows=5,
                            settings=clean_db)
    assert not isinstance(refused.value, console.ConsoleRefused) and "read-only" in str(refused.value)
