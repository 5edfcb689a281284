"""Writing stages to Neo4j: `UNWIND $rows` batches through the runner.

Each batch is one managed write transaction (the driver retries transient
errors) running a stored query from `cypher/ingest/` with the file's sha256 and
the batch key `stage:n` (`db.run_batched(..., ledger_key=stage)`), so the ledger
guard in the query makes the batch apply at most once (see ledger.py).

A stage that declares a `lock_key` (aggregate.py) may be written by several
sessions at once (`workers`): the batches are cut exactly as the one-session path
cuts them (same keys `stage:n`, so a file resumed with another worker count applies
exactly the missing batches), each batch's rows are sorted by the shared node they
lock (template, IP, instrument) so concurrent transactions take those
locks in one order, and the ledger entry is locked only at the end of each
transaction (see the queries). A deadlock the server still detects (an account cut
between two batches) is a transient error: the driver retries that transaction.

A link stage (`Stage.nodes`: account x template, x IP, x instrument) first merges the
nodes its batch names and gets their elementIds (`ingest_nodes_*`, no ledger: merging a
node is idempotent; ids kept for the rest of the stage), then writes the links matching
both ends by id: half the server's work of looking each end up by its key per row.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable, Iterable, Iterator

from .. import db
from ..config import Settings
from .aggregate import Stage

#: Sessions writing one stage at once by default. One: on the 2-core machine two
#: sessions were no faster over a whole medium world (317 s against 308 s; README,
#: Ingest: the fast Bolt path) and add retried deadlocks; pass --workers on a server
#: with cores to spare.
DEFAULT_WORKERS = 1


def write_stage(
    stage: Stage,
    *,
    sha: str,
    batch_size: int,
    settings: Settings | None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> int:
    """Write every batch of a stage; returns the rows handed to Neo4j. With `workers` > 1
    and a stage that declares a `lock_key`, that many sessions write its batches at once."""
    raw = prefetched(stage.rows(batch_size))
    batches = _with_node_ids(stage, raw, settings) if stage.nodes else raw
    if workers <= 1 or not stage.lock_key:
        return db.run_batched(stage.query, batches, params={"sha": sha}, ledger_key=stage.name,
                              settings=settings, progress=progress)
    return _write_parallel(stage, batches, sha=sha, settings=settings, progress=progress, workers=workers)


def prefetched(batches: Iterable[list[dict]], depth: int = 2) -> Iterator[list[dict]]:
    """The same batches in the same order, built by a background thread up to `depth` ahead:
    reading a stage table (DuckDB) and building the row dicts (Python) then overlap with
    the server writing the previous batch, instead of adding to it. An error in the
    producer is raised here, where the batch it failed on would have been taken; a consumer
    that stops early (an error while writing) stops the producer at its next batch."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                item = list(batch)
                while not stop.is_set():
                    try:
                        box.put(("batch", item), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("end", done))
        except BaseException as exc:  # handed to the consumer
            box.put(("error", exc))

    worker = threading.Thread(target=produce, name="ingest-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # drain so a blocked put wakes up, then let the thread end
            try:
                box.get(timeout=0.2)
            except queue.Empty:
                pass
        worker.join()


def _with_node_ids(stage: Stage, batches: Iterable[list[dict]], settings: Settings | None) -> Iterator[list[dict]]:
    """The stage's batches (same cuts, same order), each row given `a` and `n`: the elementIds
    of its account and of its other node, merged first by the stage's node query (only keys
    not met earlier in the stage; a node's attributes come with its first row: the same on
    every row of it within a file). The node queries answer one row of two lists (keys, ids):
    decoding a record per node cost the client more than the server spent on the batch."""
    key, extra = stage.lock_key, stage.node_field
    accounts: dict[str, str] = {}
    others: dict[str, str] = {}
    for batch in batches:
        rows = list(batch)
        new_accounts = sorted({r["account_id"] for r in rows if r["account_id"] not in accounts})
        if new_accounts:
            found = db.run("ingest_nodes_accounts", {"rows": [{"key": k} for k in new_accounts]}, mode=db.WRITE,
                           settings=settings)[0]
            accounts.update(zip(found["keys"], found["ids"]))
        new_nodes: dict[str, dict] = {}
        for r in rows:
            k = r[key]
            if k not in others and k not in new_nodes:
                new_nodes[k] = {"key": k, extra: r[extra]} if extra else {"key": k}
        if new_nodes:
            found = db.run(stage.nodes, {"rows": [new_nodes[k] for k in sorted(new_nodes)]}, mode=db.WRITE,
                           settings=settings)[0]
            others.update(zip(found["keys"], found["ids"]))
        for r in rows:
            r["a"], r["n"] = accounts[r["account_id"]], others[r[key]]
            if extra:
                del r[extra]  # written with the node, not sent again with each link
        yield rows


def _lock_order(key: str) -> Callable[[dict], tuple]:
    return lambda row: (row[key] is None, row[key] or "")


def _write_parallel(stage: Stage, batches: Iterable[list[dict]], *, sha: str, settings: Settings | None,
                    progress: Callable[[int], None] | None, workers: int) -> int:
    order = _lock_order(stage.lock_key)

    def write(number: int, rows: list[dict]) -> int:
        rows.sort(key=order)
        db.run(stage.query, {"sha": sha, "batch": f"{stage.name}:{number}", "rows": rows}, mode=db.WRITE,
               settings=settings)
        return len(rows)

    written = 0
    pending: set[Future] = set()

    def collect(done: set[Future]) -> None:
        nonlocal written
        for future in done:
            n = future.result()  # raises the batch's error (RingScopeError from the runner)
            written += n
            if progress:
                progress(n)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"ingest-{stage.name}")
    try:
        # numbered like db.run_batched: every batch counts, an empty one is skipped
        for number, batch in enumerate(batches):
            rows = list(batch)
            if not rows:
                continue
            pending.add(pool.submit(write, number, rows))
            if len(pending) >= 2 * workers:  # at most two batches waiting per session
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(done)
        done, pending = wait(pending)
        collect(done)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return written


def refresh_totals_of(touched: dict[str, set[str]], settings: Settings | None, batch_size: int = 10_000,
                      progress: Callable[[int], None] | None = None) -> int:
    """Recompute the per-identifier totals of the given keys only ({"templates": ..., "ips": ...,
    "devices": ..., "instruments": ...}), `batch_size` keys of each kind a transaction; returns
    the keys refreshed. ingest_world takes it instead of refresh_totals when no earlier run left
    its totals pending."""
    lists = {name: sorted(keys) for name, keys in touched.items()}
    longest = max((len(v) for v in lists.values()), default=0)
    done = 0
    for start in range(0, longest, batch_size):
        chunk = {name: keys[start:start + batch_size] for name, keys in lists.items()}
        db.run("ingest_refresh_totals_of", chunk, mode=db.WRITE, settings=settings)
        done += sum(len(v) for v in chunk.values())
        if progress:
            progress(done)
    return done


def totals_refreshed(settings: Settings | None) -> None:
    """Clear the ledger's `totals_pending` marks (set when a file starts loading)."""
    db.run("ingest_totals_refreshed", mode=db.WRITE, settings=settings)


def defer_lookup_indexes(settings: Settings) -> list[str]:
    """For a Bolt load into an empty database: drop the secondary (lookup) indexes of the labels
    ingest writes, so the run's writes do not update them row by row; ingest_world re-creates
    them at the end (schema.migrate). Constraints stay: every MERGE needs them. Returns the
    dropped names. (A delta run into a database with data keeps its indexes: its readers may
    need them while it runs, and it writes few new nodes.)"""
    names = [r["name"] for r in read_query("ingest_deferred_indexes", settings)]
    for name in names:
        db.run("admin_drop_index", {"name": name}, mode=db.WRITE, settings=settings)
    return names


def read_query(name: str, settings: Settings | None, params: dict | None = None) -> list[dict]:
    """The rows of the stored read query `name`."""
    return db.run(name, params, mode=db.READ, settings=settings)


def refresh_totals(settings: Settings | None, batch_size: int = 10_000,
                   progress: Callable[[int], None] | None = None) -> int:
    """Recompute every per-identifier total, label by label in key order, one
    transaction per `batch_size` nodes (a whole label at once could exceed the
    server's transaction memory on a large graph). Whole labels, not only what a
    run touched: a run that resumes after a crash must also refresh what the
    crashed run wrote. `progress(n)` gets the running total of nodes refreshed."""
    done = 0

    def counted(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done)

    return db.run_until_done("ingest_refresh_totals", {"after": "", "limit": batch_size}, cursor=("after", "last"),
                             settings=settings, progress=counted)
