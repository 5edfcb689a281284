"""The fast Bolt path (issue 16): several sessions writing one stage's batches at once must
give the graph one session gives, record every batch key exactly once (the ledger entry is
locked only at the end of each transaction: a lost update there would drop keys and let a
re-run add a batch twice), and stay idempotent."""
from __future__ import annotations

from ringscope import db
from ringscope.ingest import ingest_world

from conftest import empty_database
from test_ingest_crash import _world
from test_ingest_graph import dump


def _ledger(settings) -> dict[str, list[str]]:
    rows = db.run_read("MATCH (f:IngestedFile) RETURN f.path AS path, f.batches_done AS keys", settings=settings)
    return {r["path"]: list(r["keys"]) for r in rows}


def test_parallel_sessions_give_the_one_session_graph_and_every_batch_key_once(clean_db, tmp_path):
    settings = clean_db
    world = _world(tmp_path / "world", accounts=150, exchanges=3000, seed=5)

    ingest_world(world, settings, rejects_dir=tmp_path / "r1", batch_size=7, workers=1)
    serial, serial_keys = dump(settings), _ledger(settings)
    empty_database(settings)

    ingest_world(world, settings, rejects_dir=tmp_path / "r2", batch_size=7, workers=4)
    assert dump(settings) == serial
    keys = _ledger(settings)
    assert keys.keys() == serial_keys.keys()
    for path, got in keys.items():
        assert len(got) == len(set(got)), f"{path}: a batch key recorded twice"
        assert sorted(got) == sorted(serial_keys[path]), f"{path}: batch keys lost or added"
    assert len(keys["exchanges.csv"]) > 40  # many small batches really ran side by side

    again = ingest_world(world, settings, rejects_dir=tmp_path / "r3", batch_size=7, workers=4)
    assert again.rows_written == 0
    assert dump(settings) == serial


def test_a_second_file_adds_to_links_written_by_the_first(clean_db, tmp_path):
    """Links that exist already take the SET branch (counts add, first/last widen): the
    fast path creates a relationship only when the pair has none."""
    settings = clean_db
    world = _world(tmp_path / "world", accounts=60, exchanges=800, seed=9)
    (world / "exchanges.csv").rename(world / "exchanges_1.csv")
    second = (world / "exchanges_1.csv").read_text().splitlines()
    (world / "exchanges_2.csv").write_text("\n".join(second) + "\n")  # the same rows again, under a new name

    ingest_world(world, settings, rejects_dir=tmp_path / "r1", batch_size=9, workers=3, force=True)
    doubled = db.run_read(
        "MATCH (:Account)-[r:SENT_TEMPLATE]->(:PromptTemplate) RETURN count(r) AS links, sum(r.exchanges) AS n",
        settings=settings,
    )[0]
    assert doubled["n"] == 2 * 800  # both files counted (force: the same rows twice, on purpose)
    single = db.run_read(
        "MATCH (a:Account)-[r:SENT_TEMPLATE]->(t:PromptTemplate) WITH a, t, count(r) AS k WHERE k > 1 RETURN count(*) AS dup",
        settings=settings,
    )[0]
    assert single["dup"] == 0  # one relationship per pair, not one per file
