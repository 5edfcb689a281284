"""A delta run (issue 16: a day's files into a database with data) refreshes the
per-identifier totals only of the identifiers its rows named; a run stopped between its
writes and its refresh leaves `totals_pending` on the ledger, and the next run refreshes
the whole graph. Either way the totals equal a whole-graph refresh."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from ringscope import db
from ringscope.ingest import ingest_world, load

from test_ingest_crash import _world
from test_ingest_graph import dump


def _next_day(world, seed: int) -> None:
    """A second day: exchanges and logins of known accounts, some on new templates, IPs, devices."""
    rng = random.Random(seed)
    start = datetime(2024, 3, 21, tzinfo=timezone.utc)
    ids = [f"acc-{i:04d}" for i in range(40)]
    with (world / "exchanges_2.csv").open("w") as fh:
        fh.write("account_id,ts,ip,input_tokens,output_tokens,prompt_fingerprint\n")
        for _ in range(300):
            ts = start + timedelta(seconds=rng.randrange(86400))
            fh.write(f"{rng.choice(ids)},{ts.isoformat()},10.{rng.randrange(4)}.1.{rng.randrange(60)},"
                     f"{rng.randrange(500)},{rng.randrange(900)},tpl-{rng.randrange(35)}\n")
    with (world / "logins_2.csv").open("w") as fh:
        fh.write("account_id,ts,ip,device_id,user_agent\n")
        for _ in range(80):
            ts = start + timedelta(seconds=rng.randrange(86400))
            fh.write(f"{rng.choice(ids)},{ts.isoformat()},10.{rng.randrange(4)}.0.{rng.randrange(50)},"
                     f"dev-{rng.randrange(70)},ua-1\n")


def _totals(settings):
    return db.run_read(
        "MATCH (n) WHERE n:PromptTemplate OR n:IP OR n:Device OR n:PaymentInstrument "
        "RETURN labels(n)[0] AS label, coalesce(n.fingerprint, n.address, n.device_id, n.instrument_id) AS key, "
        "n.accounts AS accounts, n.exchanges AS exchanges ORDER BY label, key",
        settings=settings,
    )


def test_delta_run_refreshes_the_totals_its_rows_named(clean_db, tmp_path):
    settings = clean_db
    world = _world(tmp_path / "world", accounts=60, exchanges=900, seed=31)
    ingest_world(world, settings, rejects_dir=tmp_path / "r1", batch_size=17)
    _next_day(world, seed=32)

    delta = ingest_world(world, settings, rejects_dir=tmp_path / "r2", batch_size=17)
    assert delta.totals_refreshed == "touched"
    assert [f.name for f in delta.files if f.rows_written] == ["logins_2.csv", "exchanges_2.csv"]
    got, graph = _totals(settings), dump(settings)
    load.refresh_totals(settings)  # the whole graph, as every run did before
    assert _totals(settings) == got
    assert dump(settings) == graph
    pending = db.run_read("MATCH (f:IngestedFile) WHERE f.totals_pending RETURN count(f) AS n", settings=settings)
    assert pending[0]["n"] == 0


def test_a_run_stopped_before_its_refresh_makes_the_next_refresh_everything(clean_db, tmp_path):
    settings = clean_db
    world = _world(tmp_path / "world", accounts=60, exchanges=900, seed=33)
    ingest_world(world, settings, rejects_dir=tmp_path / "r1", batch_size=17)
    # what a run stopped after its writes leaves: a file still pending, totals not refreshed
    # (here: every IP's total made wrong; the next day's rows name only some of the IPs)
    db.run_write("MATCH (f:IngestedFile {path: 'exchanges.csv'}) SET f.totals_pending = true", settings=settings)
    db.run_write("MATCH (i:IP) SET i.accounts = -1", settings=settings)
    _next_day(world, seed=34)
    named = {line.split(",")[2] for name in ("exchanges_2.csv", "logins_2.csv")
             for line in (world / name).read_text().splitlines()[1:]}

    delta = ingest_world(world, settings, rejects_dir=tmp_path / "r2", batch_size=17)
    assert delta.totals_refreshed == "all"
    ips = db.run_read("MATCH (i:IP) RETURN i.address AS address, i.accounts AS accounts", settings=settings)
    assert any(r["address"] not in named for r in ips)  # some IPs the delta did not name ...
    assert all(r["accounts"] >= 1 for r in ips)  # ... repaired too: the whole graph was refreshed
    pending = db.run_read("MATCH (f:IngestedFile) WHERE f.totals_pending RETURN count(f) AS n", settings=settings)
    assert pending[0]["n"] == 0
