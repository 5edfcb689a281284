"""The initial-load fast path (issue 16): a Bolt run into an empty database CREATEs what it
has proved new (ingest/sinks.py, FRESH: the `_new` queries) and builds the lookup indexes
after its writes (load.defer_lookup_indexes). Both must give exactly the graph of the MERGE
path, and a second file of a kind (or a second run) must add to what the first wrote, never
write a second link for a pair."""
from __future__ import annotations

from ringscope import db
from ringscope.ingest import ingest_world

from conftest import empty_database
from test_ingest_crash import _world
from test_ingest_graph import dump


def _merge_path(world, settings, tmp_path, **kw):
    """Load through the MERGE queries only: a node the run did not write makes the database
    non-empty (so nothing is proved new), and is deleted before the graph is compared."""
    db.run_write("CREATE (:FreshPathOff {k: 1})", settings=settings)
    summary = ingest_world(world, settings, rejects_dir=tmp_path / "merge", **kw)
    db.run_write("MATCH (n:FreshPathOff) DELETE n", settings=settings)
    assert not summary.deferred_indexes
    return summary


def _indexes(settings) -> set[str]:
    return {r["name"] for r in db.run_read("SHOW INDEXES YIELD name, state WHERE state = 'ONLINE' RETURN name",
                                           settings=settings)}


def _duplicate_links(settings) -> int:
    return db.run_read(
        "MATCH (a)-[r]->(b) WITH a, b, type(r) AS t, count(r) AS k WHERE k > 1 RETURN count(*) AS dup",
        settings=settings,
    )[0]["dup"]


def test_fresh_load_gives_the_merge_path_graph_and_rebuilds_the_lookup_indexes(clean_db, tmp_path):
    settings = clean_db
    world = _world(tmp_path / "world", accounts=90, exchanges=1500, seed=21)
    before = _indexes(settings)

    fresh = ingest_world(world, settings, rejects_dir=tmp_path / "fresh", batch_size=11)
    assert "account_display_name" in fresh.deferred_indexes and "account_email" in fresh.deferred_indexes
    assert _indexes(settings) == before  # every lookup index back, populated
    graph = dump(settings)
    assert _duplicate_links(settings) == 0

    empty_database(settings)
    _merge_path(world, settings, tmp_path, batch_size=11)
    assert dump(settings) == graph

    again = ingest_world(world, settings, rejects_dir=tmp_path / "again", batch_size=11)
    assert again.rows_written == 0 and not again.deferred_indexes  # the ledger: nothing twice
    assert dump(settings) == graph


def test_second_files_of_a_kind_add_to_what_the_first_fresh_file_wrote(clean_db, tmp_path):
    """Split files in an empty database: only each kind's first file is proved new; the
    second accounts file re-declares an account, the second logins and exchanges files
    repeat pairs of the first, and some exchanges come from login IPs (links whose counts must
add, not be written twice)."""
    settings = clean_db
    world = _world(tmp_path / "world", accounts=70, exchanges=1200, seed=23)
    for kind in ("accounts", "logins", "exchanges"):
        lines = (world / f"{kind}.csv").read_text().splitlines()
        head, body = lines[0], lines[1:]
        half = len(body) // 2
        (world / f"{kind}.csv").unlink()
        (world / f"{kind}_1.csv").write_text("\n".join([head, *body[:half]]) + "\n")
        # the second file: its own half plus a few rows of the first (same pairs again)
        (world / f"{kind}_2.csv").write_text("\n".join([head, *body[half:], *body[:5]]) + "\n")
    # exchanges from the IPs some logins came from (USED_IP is written by both kinds)
    logins = (world / "logins_1.csv").read_text().splitlines()[1:6]
    with (world / "exchanges_2.csv").open("a") as fh:
        for line in logins:
            account, ts, ip = line.split(",")[:3]
            fh.write(f"{account},{ts},{ip},1,2,tpl-1\n")

    fresh = ingest_world(world, settings, rejects_dir=tmp_path / "fresh", batch_size=13)
    assert fresh.deferred_indexes
    graph = dump(settings)
    assert _duplicate_links(settings) == 0
    total = db.run_read("MATCH (a:Account) RETURN sum(a.exchanges) AS n", settings=settings)[0]["n"]
    assert total == 1200 + 5 + 5  # five exchange rows given twice (counted twice, on purpose), five from login IPs
    shared = db.run_read("MATCH ()-[r:USED_IP]->() WHERE r.logins > 0 AND r.exchanges > 0 RETURN count(r) AS n",
                         settings=settings)[0]["n"]
    assert shared >= 5  # one link holds both counts

    empty_database(settings)
    _merge_path(world, settings, tmp_path, batch_size=13)
    assert dump(settings) == graph


def test_fresh_load_with_several_sessions_gives_the_one_session_graph(clean_db, tmp_path):
    settings = clean_db
    world = _world(tmp_path / "world", accounts=80, exchanges=1500, seed=25)
    ingest_world(world, settings, rejects_dir=tmp_path / "one", batch_size=7, workers=1)
    graph = dump(settings)
    # an anchor of its own: both paths writing nothing would be equal too
    assert db.run_read("MATCH (a:Account) RETURN count(a) AS n, sum(a.exchanges) AS x", settings=settings)[0] == \
        {"n": 80, "x": 1500}
    empty_database(settings)
    ingest_world(world, settings, rejects_dir=tmp_path / "four", batch_size=7, workers=4)
    assert dump(settings) == graph
    assert _duplicate_links(settings) == 0
