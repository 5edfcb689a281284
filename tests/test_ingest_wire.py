"""What the Bolt path sends and gets back (issue 16, client CPU): the node queries answer one
row of two lists instead of a record per node, and the exchange aggregates carry their days
as day numbers that the queries turn into dates, on the fresh (CREATE) and the MERGE path."""
from __future__ import annotations

from datetime import date

from ringscope import db
from ringscope.ingest import ledger


def test_a_node_query_answers_one_row_each_key_with_its_node_id(clean_db):
    settings = clean_db
    rows = db.run("ingest_nodes_templates", {"rows": [{"key": "t-b"}, {"key": "t-a"}, {"key": "t-c"}]},
                  mode=db.WRITE, settings=settings)
    assert len(rows) == 1
    keys, ids = rows[0]["keys"], rows[0]["ids"]
    assert sorted(keys) == ["t-a", "t-b", "t-c"] and len(ids) == 3
    stored = {r["k"]: r["id"] for r in db.run_read(
        "MATCH (t:PromptTemplate) RETURN t.fingerprint AS k, elementId(t) AS id", settings=settings)}
    assert dict(zip(keys, ids)) == stored
    # asked again: the same nodes (MERGE), the same ids
    again = db.run("ingest_nodes_templates", {"rows": [{"key": "t-a"}]}, mode=db.WRITE, settings=settings)[0]
    assert again["ids"] == [stored["t-a"]]


def _row(account: str, days: list[int], counts: list[int]) -> dict:
    return {"account_id": account, "exchanges": sum(counts), "input_tokens": 1, "output_tokens": 2,
            "first_exchange": 0, "last_exchange": 0, "hour_profile": [0] * 24,
            "daily_days": days, "daily_counts": counts}


def test_day_numbers_become_the_same_dates_on_both_paths(clean_db):
    settings = clean_db
    ledger.begin(settings, sha="wire", path="x", kind="exchanges", size_bytes=0, batch_size=10)
    # 20151 = 2025-03-04; -1 = 1969-12-31 (before the epoch still a whole UTC day)
    db.run("ingest_exchange_accounts_new", {"sha": "wire", "batch": "accounts:0",
                                            "rows": [_row("a1", [-1, 20151], [1, 2])]},
           mode=db.WRITE, settings=settings)
    # the MERGE path adds a second file's days: one day again, one new, merged in day order
    db.run("ingest_exchange_accounts", {"sha": "wire", "batch": "accounts:1",
                                        "rows": [_row("a1", [20151, 20152], [5, 1])]},
           mode=db.WRITE, settings=settings)
    a = db.run_read("MATCH (a:Account {account_id: 'a1'}) RETURN a.daily_dates AS d, a.daily_counts AS c, "
                    "a.active_days AS n", settings=settings)[0]
    assert [d.to_native() for d in a["d"]] == [date(1969, 12, 31), date(2025, 3, 4), date(2025, 3, 5)]
    assert a["c"] == [1, 7, 1] and a["n"] == 3
