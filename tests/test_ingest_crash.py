"""Kill the Neo4j server in the middle of a load, start it, run the job again: the
graph must equal a clean load (no batch lost, none added twice)."""
from __future__ import annotations

import os
import random
import signal
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from ringscope import db
from ringscope.errors import RingScopeError
from ringscope.ingest import ingest_world
from ringscope.server import local

from conftest import empty_database
from test_ingest_graph import dump, one


def _world(path, accounts=120, exchanges=2500, seed=11):
    rng = random.Random(seed)
    path.mkdir()
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    ids = [f"acc-{i:04d}" for i in range(accounts)]
    with (path / "accounts.csv").open("w") as fh:
        fh.write("account_id,created_at,email,org_id\n")
        for i, a in enumerate(ids):
            fh.write(f"{a},{(start - timedelta(days=i % 30)).isoformat()},u{i}@d{i % 7}.test,{'org' + str(i % 5) if i % 3 else ''}\n")
    with (path / "ip_intel.csv").open("w") as fh:
        fh.write("network,asn,kind\n10.0.0.0/8,1,corporate\n10.1.0.0/16,2,hosting\n")
    with (path / "logins.csv").open("w") as fh:
        fh.write("account_id,ts,ip,device_id,user_agent\n")
        for _ in range(600):
            a = rng.choice(ids)
            ts = start + timedelta(minutes=rng.randrange(60 * 24 * 20))
            fh.write(f"{a},{ts.isoformat()},10.{rng.randrange(3)}.0.{rng.randrange(40)},dev-{rng.randrange(60)},ua-{rng.randrange(4)}\n")
    with (path / "exchanges.csv").open("w") as fh:
        fh.write("account_id,ts,ip,input_tokens,output_tokens,prompt_fingerprint\n")
        for _ in range(exchanges):
            a = rng.choice(ids)
            ts = start + timedelta(seconds=rng.randrange(86400 * 20))
            fh.write(f"{a},{ts.isoformat()},10.{rng.randrange(3)}.1.{rng.randrange(50)},{rng.randrange(500)},{rng.randrange(900)},tpl-{rng.randrange(25)}\n")
    return path


def test_kill_server_mid_load_then_rerun_equals_a_clean_load(clean_db, tmp_path):
    settings = clean_db
    if not settings.uses_local_server:
        pytest.skip("needs the private local test server (it is killed)")
    paths = local.ServerPaths(settings.local.home)
    if local.read_pid(paths) is None:
        pytest.skip("the test server's pid is unknown")
    world = _world(tmp_path / "world")

    ingest_world(world, settings, rejects_dir=tmp_path / "r0", batch_size=10)
    clean = dump(settings)
    assert one(settings, "MATCH (a:Account) RETURN sum(a.exchanges) AS n")["n"] == 2500
    empty_database(settings)

    killed = threading.Event()

    def kill_soon() -> None:
        time.sleep(0.02)  # lands inside the next batch's transaction, or between two
        os.kill(local.read_pid(paths), signal.SIGKILL)
        killed.set()

    def progress(done, total, message) -> None:
        if message == "exchanges.csv: load templates" and done >= 100 and not killed.is_set() and not hasattr(progress, "armed"):
            progress.armed = True
            threading.Thread(target=kill_soon, daemon=True).start()

    try:
        with pytest.raises(RingScopeError):
            ingest_world(world, settings, progress, rejects_dir=tmp_path / "r1", batch_size=10)
        assert killed.is_set()
        while local.read_pid(paths) is not None:
            time.sleep(0.1)
    finally:
        db.close_all()
        local.start(settings)  # the session's other tests need the server back

    partial = db.run_read(
        "MATCH (f:IngestedFile {path: 'exchanges.csv'}) RETURN f.status AS status, size(f.batches_done) AS batches",
        settings=settings,
    )
    assert partial[0]["status"] == "loading" and partial[0]["batches"] > 0, partial
    assert one(settings, "MATCH (a:Account) RETURN sum(a.exchanges) AS n")["n"] == 2500  # the account stage had finished

    summary = ingest_world(world, settings, rejects_dir=tmp_path / "r2", batch_size=500)  # resumes with the size it began with
    assert [f.name for f in summary.files if f.status == "loaded"] == ["exchanges.csv"]
    assert dump(settings) == clean
    entry = one(settings, "MATCH (f:IngestedFile {path: 'exchanges.csv'}) RETURN f.status AS s, f.attempts AS a, f.batch_size AS b")
    assert (entry["s"], entry["a"], entry["b"]) == ("done", 2, 10)
