"""Reject files: every row the contract refuses, with where it came from and why.

One CSV per source file, `<rejects dir>/<file name>.rejects.csv`, columns
`source_file,row,reason,value`. `row` is the 1-based data row (the header is
not counted; in a CSV without quoted line breaks it sits on line row + 1).
Values are attacker-chosen text: a value a spreadsheet would run as a formula
is written with a leading apostrophe.

Beside it, the rejected rows themselves, whole and as the file had them, in
`<rejects dir>/<kind>_rejected-<file name>.csv` (`rows_path`): a file of that
kind by name, so once its rows are fixed it loads as one more part of the world
(moved into the world's folder), and nothing a reject left out is lost. It holds
the source's own cells, not spreadsheet-guarded: they are the data to load, and
the export they came from holds the same text. Rows too malformed to split into
columns are only in the rejects file (their text in `value`).

Rows rejected only because their account is not in the graph yet (a day's logins landed
before its accounts file, or a late day) are not kept there but *wait*: they go to a
waiting file (`waiting_path`, under `$RINGSCOPE_HOME/waiting/`) that every later run of the
same world tries again (ingest/job.py), so they load, once, when their account arrives.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterable

from ..display import spreadsheet_safe
from ..errors import RingScopeError


def file_stem(source_name: str) -> str:
    """A source file's name for the files kept beside its rejects, one per source: the name
    without its extension, the extension kept when not `.csv` (`logins.parquet` ->
    `logins-parquet`), so `logins_2024.03.01.csv` and `logins_2024.03.02.csv`, or
    `logins.csv` and `logins.parquet`, never write one file (a field report: the first's
    rejected rows were overwritten by the second's)."""
    name = source_name.replace("/", "__")
    for ext in (".csv.gz", ".csv", ".parquet"):
        if name.endswith(ext):
            base = name[: -len(ext)]
            return base if ext == ".csv" else f"{base}-{ext.strip('.').replace('.', '-')}"
    return name


class RejectWriter:
    """Writes one source file's rejects; creates the file only when there is a reject."""

    HEADER = ("source_file", "row", "reason", "value")

    def __init__(self, directory: Path, source_name: str, kind: str | None = None, waiting_dir: Path | None = None,
                 source_sha: str = ""):
        self.directory = directory
        self.source_name = source_name
        self.path = directory / (source_name.replace("/", "__") + ".rejects.csv")
        stem = file_stem(source_name)
        #: where the rejected rows go whole (see the module doc); None: not kept
        self.rows_path = directory / f"{kind}_rejected-{stem}.csv" if kind else None
        #: where rows whose account is not loaded yet wait for it (ingest.waiting); None: kept
        #: with the other rejected rows
        self.waiting_path = (waiting_path(waiting_dir, kind, stem, source_sha)
                             if waiting_dir is not None and kind else None)
        self.count = 0
        #: of those, rows that went to the waiting file (set by validate.find_rejects)
        self.waiting = 0
        self._fh = None
        self._writer = None

    def write(self, rows: Iterable[tuple]) -> None:
        """rows: (row number, reason, offending value)."""
        for row, reason, value in rows:
            if self._writer is None:
                self._open()
            self._writer.writerow((self.source_name, "" if row is None else row, reason, spreadsheet_safe(value)))
            self.count += 1

    def _open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise RingScopeError(
                f"cannot write rejected rows to {self.directory} ({exc.strerror or exc}): pass a writable "
                "--rejects-dir and re-run; batches already written are not written again") from None
        self._writer = csv.writer(self._fh)
        self._writer.writerow(self.HEADER)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "RejectWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: a waiting file's name: <kind>_waiting-<the stem of the file its rows came from>-<sha>.csv
_WAITING_NAME = re.compile(r"^(?P<kind>[a-z_]+)_waiting-(?P<origin>.+)-[0-9a-f]{12}$")


def waiting_path(directory: Path, kind: str, stem: str, source_sha: str) -> Path:
    """The file in `directory` for rows of `kind` from the file `stem` (whose bytes hash to
    `source_sha`) that wait for their account. Named by the source's bytes, so a run that
    stops and reads the source again writes the same file, not a second copy of its rows;
    a waiting file's rows that still wait keep their first file's name."""
    match = _WAITING_NAME.match(stem)
    origin = match["origin"] if match else stem
    return directory / f"{kind}_waiting-{origin}-{(source_sha or '0' * 12)[:12]}.csv"


def read_rejects(path: Path) -> list[dict[str, str]]:
    """A reject file's rows (for tests and for `evaluate`)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
