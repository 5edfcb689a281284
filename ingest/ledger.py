"""The ingest ledger: one `(:IngestedFile {sha256})` node per file ever started.

A file whose entry says `done` is skipped: re-running the same files changes
nothing. Each entry also holds the file's *content* fingerprint (its rows as the
contract reads them), so other bytes holding the same rows (a gzipped copy, a CRLF
re-save) are recognised: they get an entry with status `duplicate` and load nothing. While a file loads, every write batch records its key (`stage:n`) on
the entry *in the same transaction* as the batch's additive writes, and a
batch whose key is already there does nothing. A run killed half-way (process
or server) therefore leaves each batch either fully applied and recorded or not
at all, and the re-run applies exactly the missing ones. That needs the re-run
to cut the same batches: stages emit rows in key order, and the batch size is
kept on the entry from the first attempt.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import db
from ..config import Settings


@dataclass
class LedgerEntry:
    status: str          # "loading", "done" (or "duplicate": never loaded, see duplicate())
    batch_size: int      # the batch size every attempt on this file uses
    batches_done: int


def done_files(settings: Settings | None) -> dict[str, dict]:
    """Ledger entries by sha256."""
    rows = db.run("ingest_ledger_files", {"limit": 1_000_000}, mode=db.READ, settings=settings)
    return {r["sha256"]: r for r in rows}


def begin(settings: Settings | None, *, sha: str, path: str, kind: str, size_bytes: int, batch_size: int,
          content: str | None = None, world: str | None = None, force: bool = False) -> LedgerEntry:
    """Open (or resume) the entry for a file about to load. `force` re-opens an entry that
    says done (a deliberate re-load), with no batches done."""
    row = db.run(
        "ingest_ledger_begin",
        {"sha": sha, "path": path, "kind": kind, "size_bytes": size_bytes, "batch_size": batch_size,
         "content": content, "world": world, "force": force},
        mode=db.WRITE, settings=settings,
    )[0]
    return LedgerEntry(row["status"], int(row["batch_size"]), int(row["batches_done"]))


def duplicate(settings: Settings | None, *, sha: str, path: str, kind: str, size_bytes: int, content: str,
              world: str, same_as: str) -> None:
    """Record bytes whose rows another entry (`same_as`) already loaded: status
    `duplicate`, so later runs skip them without reading them."""
    db.run(
        "ingest_ledger_duplicate",
        {"sha": sha, "path": path, "kind": kind, "size_bytes": size_bytes, "content": content, "world": world,
         "same_as": same_as},
        mode=db.WRITE, settings=settings,
    )


def finish(settings: Settings | None, *, sha: str, rows_read: int, rows_loaded: int, rows_rejected: int, rejects_file: str) -> None:
    db.run(
        "ingest_ledger_finish",
        {"sha": sha, "rows_read": rows_read, "rows_loaded": rows_loaded, "rows_rejected": rows_rejected, "rejects_file": rejects_file},
        mode=db.WRITE, settings=settings,
    )
