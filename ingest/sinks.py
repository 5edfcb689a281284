"""Where an ingest run puts what it read: one loop over the world's files (ingest/job.py)
feeding a sink with two implementations (issue 13, part 4).

    BoltSink  writes each file's stages through the runner as it goes (`UNWIND` batches in
              managed transactions, the ledger entry opened before and closed after).
    BulkSink  keeps each file's stage tables and ledger rows, and at the end of the run
              merges them in DuckDB and imports the whole graph with
              `neo4j-admin database import full` (an empty database only, see bulk.py).

Both give the same graph and the same ledger: tests/test_ingest_bulk.py checks it.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Protocol

from ..config import Settings
from ..progress import running_total
from . import ledger, load
from .aggregate import Stage
from .bulk import BulkLoad, LedgerRow
from .files import SourceFile

#: progress(done, total, what), as ingest reports it
Progress = Callable[[int, "int | None", str], None]


class Sink(Protocol):
    #: True when the graph may already hold IP nodes that new intel must be re-applied to.
    reapplies_intel: bool

    def begin(self, f: SourceFile, *, sha: str, content: str | None, world: str, batch_size: int,
              force: bool) -> int:
        """Open the file's ledger entry; returns the batch size every attempt on it uses."""

    def duplicate(self, f: SourceFile, *, sha: str, content: str, world: str, same_as: str) -> None:
        """Record bytes whose rows another entry already holds (status `duplicate`)."""

    def load(self, f: SourceFile, file_no: int, stages: list[Stage], *, sha: str, batch_size: int,
             tell: Progress) -> int:
        """Write (or keep) a file's stages; returns the rows handed on."""

    def finish(self, f: SourceFile, *, sha: str, content: str | None, world: str, batch_size: int,
               rows_read: int, rows_loaded: int, rows_rejected: int, rejects_file: str) -> None:
        """Close the file's ledger entry as done."""

    def close(self, intel, tell: Progress) -> dict | None:
        """End of the run: the bulk import (its timings), or None when already written."""


#: A write query -> its variant for rows the run has proved new, and what must not have been
#: written before for that proof: the `_new` queries CREATE where the originals MERGE (and set
#: where they add), which is the same graph only when nothing of the kind exists yet. A fresh
#: run (the database empty when it began, so no earlier run's writes, not even a crashed one's)
#: takes the variant for a stage until any stage of the run has written that kind; every stage
#: counts as writing accounts (its link rows merge them). A resumed run is not fresh (the
#: database holds what the crashed one wrote) and takes the originals; the batch keys are the
#: same (`stage:n`), so the ledger still applies each batch once.
FRESH: dict[str, tuple[str, str]] = {
    "ingest_accounts": ("ingest_accounts_new", "Account"),
    "ingest_payment_instruments": ("ingest_payment_instruments_new", "PAID_WITH"),
    "ingest_login_devices": ("ingest_login_devices_new", "USED_DEVICE"),
    "ingest_exchange_accounts": ("ingest_exchange_accounts_new", "exchange aggregates"),
    "ingest_exchange_templates": ("ingest_exchange_templates_new", "SENT_TEMPLATE"),
}

#: USED_IP is written by logins and by exchanges, so a fresh run proves it new pair by pair: it
#: keeps the (account, address) pairs its IP stages wrote (up to IP_PAIRS_MAX, beyond which the
#: later IP stages take the MERGE query) and flags each row `new` when its pair is not among
#: them; the `_new` IP queries CREATE a new pair's link and MERGE (adding) the others.
#: The write queries whose rows name an identifier with per-identifier totals, and its field:
#: the run refreshes those totals only (load.refresh_totals_of), up to TOUCHED_MAX keys.
TOUCHES = {
    "ingest_exchange_templates": ("templates", "fingerprint"),
    "ingest_login_ips": ("ips", "address"),
    "ingest_exchange_ips": ("ips", "address"),
    "ingest_login_devices": ("devices", "device_id"),
    "ingest_payment_instruments": ("instruments", "instrument_id"),
}
TOUCHED_MAX = 2_000_000

IP_QUERIES = {"ingest_login_ips": "ingest_login_ips_new", "ingest_exchange_ips": "ingest_exchange_ips_new"}
IP_PAIRS_MAX = 5_000_000


class BoltSink:
    """Writes as the run goes, through the runner (ledger.py, load.py). `fresh`: the database
    was empty when the run began (see FRESH)."""

    reapplies_intel = True

    def __init__(self, settings: Settings, workers: int = 1, fresh: bool = False):
        self.settings = settings
        self.workers = workers
        self.fresh = fresh
        self.written: set[str] = set()  # kinds of FRESH written so far in this run
        self.ip_pairs: set[tuple[str, str]] | None = set() if fresh else None  # USED_IP pairs written (IP_QUERIES)
        #: keys of identifiers whose totals the run's rows may change (TOUCHES); None: refresh all (a
        #: fresh run, whose every identifier is new, or too many keys)
        self.touched: dict[str, set[str]] | None = None if fresh else {name: set() for name, _ in TOUCHES.values()}
        #: (file, stage, rows, seconds) per stage written: where the load time goes
        self.timings: list[tuple[str, str, int, float]] = []

    def begin(self, f, *, sha, content, world, batch_size, force) -> int:
        entry = ledger.begin(self.settings, sha=sha, path=f.name, kind=f.kind, size_bytes=f.size,
                             batch_size=batch_size, content=content, world=world, force=force)
        return entry.batch_size

    def duplicate(self, f, *, sha, content, world, same_as) -> None:
        ledger.duplicate(self.settings, sha=sha, path=f.name, kind=f.kind, size_bytes=f.size, content=content,
                         world=world, same_as=same_as)

    def load(self, f, file_no, stages, *, sha, batch_size, tell) -> int:
        written = 0
        for stage in stages:
            if stage.query in TOUCHES and self.touched is not None:
                stage = replace(stage, rows=self._note_touched(stage.rows, *TOUCHES[stage.query]))
            variant, kind = FRESH.get(stage.query, (None, None))
            if self.fresh and variant and kind not in self.written:
                stage = replace(stage, query=variant)
            elif stage.query in IP_QUERIES and self.ip_pairs is not None:
                stage = replace(stage, query=IP_QUERIES[stage.query], rows=self._flag_new_pairs(stage.rows))
            self.written.update({"Account", kind} - {None})

            tell(0, stage.total, f"{f.name}: load {stage.name}")
            step = running_total(tell, stage.total, f"{f.name}: load {stage.name}")
            t0 = time.perf_counter()
            n = load.write_stage(stage, sha=sha, batch_size=batch_size, settings=self.settings, progress=step,
                                 workers=self.workers)
            self.timings.append((f.name, stage.name, n, time.perf_counter() - t0))
            written += n
        return written

    def _note_touched(self, rows, name: str, field: str):
        """The stage's batches unchanged, their identifiers' keys noted in self.touched."""

        def noted(batch_size: int):
            for batch in rows(batch_size):
                if self.touched is not None:
                    self.touched[name].update(r[field] for r in batch)
                    if sum(len(v) for v in self.touched.values()) > TOUCHED_MAX:
                        self.touched = None
                yield batch

        return noted

    def _flag_new_pairs(self, rows):
        """The stage's batches with `new` on each row: no USED_IP link for its pair yet (the run
        is fresh and no IP stage of it wrote the pair). Rows are one per pair within a stage."""
        pairs = self.ip_pairs

        def flagged(batch_size: int):
            for batch in rows(batch_size):
                for r in batch:
                    pair = (r["account_id"], r["address"])
                    r["new"] = pair not in pairs
                    pairs.add(pair)
                if len(pairs) > IP_PAIRS_MAX:  # later IP stages: MERGE (this one is still right)
                    self.ip_pairs = None
                yield batch

        return flagged

    def finish(self, f, *, sha, content, world, batch_size, rows_read, rows_loaded, rows_rejected, rejects_file) -> None:
        ledger.finish(self.settings, sha=sha, rows_read=rows_read, rows_loaded=rows_loaded,
                      rows_rejected=rows_rejected, rejects_file=rejects_file)

    def close(self, intel, tell) -> dict | None:
        return None


class BulkSink:
    """Keeps stage tables and ledger rows; the import at close() writes them all at once."""

    #: the database is empty before a bulk run: no IP node to re-apply intel to
    reapplies_intel = False

    def __init__(self, bulk: BulkLoad):
        self.bulk = bulk

    def begin(self, f, *, sha, content, world, batch_size, force) -> int:
        return batch_size  # the ledger entries are imported with the graph

    def duplicate(self, f, *, sha, content, world, same_as) -> None:
        self.bulk.ledger.append(LedgerRow(sha, f.name, f.kind, f.size, 0, 0, 0, "", self.bulk.batch_size, content,
                                          world, "duplicate", same_as))

    def load(self, f, file_no, stages, *, sha, batch_size, tell) -> int:
        self.bulk.keep(stages, file_no)
        return sum(stage.total for stage in stages)

    def finish(self, f, *, sha, content, world, batch_size, rows_read, rows_loaded, rows_rejected, rejects_file) -> None:
        self.bulk.ledger.append(LedgerRow(sha, f.name, f.kind, f.size, rows_read, rows_loaded, rows_rejected,
                                          rejects_file, batch_size, content, world))

    def close(self, intel, tell) -> dict | None:
        self.bulk.intel = intel
        return self.bulk.run_import(tell)
