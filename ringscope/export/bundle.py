"""Collect a ring's evidence from the graph and write its bundle.

One folder per ring, `ring-<ring_id>/`, holding::

    members.csv      the accounts in the case (removed accounts are not)
    identifiers.csv  instruments, devices, IPs and templates two or more of them share
    evidence.json    detection (score, signals, evidence), tags and assignee, comments, the audit history
    graph.html       an offline snapshot of the ring's graph (no script, every string escaped)
    actions.jsonl    one enforcement action per account
    manifest.json    SHA-256 and size of every file above, who exported, when, with what

Everything but the manifest's `exported_at` is a function of the graph state: rows in
key order, JSON with sorted keys and fixed float rounding, CSV with a fixed column
order, no clock readings. So two exports of an unchanged ring are byte-identical, and a
bundle can be re-derived to show it was not edited.

The pipeline is collect (stored read queries) -> render (pure Python, bytes) -> stage
(a hidden temporary folder) -> record (one write query: the Export node, INCLUDES links
and an `exported` audit event per ring whose status still matches) -> put in place
(renamed; a ring the record left out is dropped, its earlier bundle untouched).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .. import __version__, display, domain
from ..auth import Identity
from ..catalog import get_query, run_query
from ..config import Settings, load_settings
from ..errors import RingScopeError
from ..tagging import acting, normalize_status, ring_tags
from . import graph_html
from .values import identifier_details, iso, plain, times_as_utc

#: Bumped when the layout or meaning of a bundle's files changes.
#: 2: kinds spelt as domain.py does (instrument, template); every time in one format.
#: 3: evidence.json has tags.assignee, the ring's comment thread (`comments`) and the marks
#:    reaching its case (`marks`).
BUNDLE_FORMAT = 3
MANIFEST = "manifest.json"
CONTENT_FILES = ("members.csv", "identifiers.csv", "evidence.json", "graph.html", "actions.jsonl")
#: Stored queries whose results make up a bundle; their versions go into the manifest.
CONTENT_QUERIES = ("export_select_rings", "export_ring_evidence", "export_members", "export_identifiers",
                   "export_ring_marks")

MEMBER_COLUMNS = (
    "account_id", "email", "display_name", "created_at", "tier", "country", "org_id",
    "exchanges", "input_tokens", "output_tokens", "total_tokens", "first_activity", "last_activity",
    "member_score", "added_by",
)
IDENTIFIER_COLUMNS = ("kind", "identifier", "shared_by", "members", "first_seen", "last_seen", "details")
#: The enforcement action proposed for each account of a ring with this status.
ACTION_BY_STATUS = domain.ACTION_BY_STATUS
#: Signals cited in an action's reason.
TOP_SIGNALS = 3

ProgressFn = Callable[[int, int, str], None]


class ExportError(RingScopeError):
    """An export was refused or could not be written."""


class BundleExists(ExportError):
    """The ring's bundle folder already holds a RingScope bundle and replacing it was not
    asked for. `folder` is that bundle: the app offers to replace it (force=True), the CLI's
    message names --force."""

    def __init__(self, folder: Path, message: str) -> None:
        super().__init__(message)
        self.folder = folder


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class BundleInfo:
    """One bundle written by `export_rings`."""

    ring_id: str
    path: Path
    manifest_sha256: str
    #: The Export node this bundle is recorded under.
    export_id: str
    members: int
    identifiers: int
    actions: int
    #: file name -> SHA-256, as in the manifest.
    files: dict[str, str] = field(default_factory=dict)
    #: The bundle as one zip beside its folder, when asked for (`--zip`).
    zip_path: Path | None = None


@dataclass(frozen=True)
class ExportRecord:
    """One recorded export run (an `Export` node), as `list_exports` returns it."""

    export_id: str
    at: str
    by: str
    out_dir: str
    status: str
    ringscope_version: str
    #: ({ring_id, bundle, manifest_sha256}, ...) in ring_id order.
    bundles: tuple[dict[str, str], ...]

    @property
    def ring_ids(self) -> tuple[str, ...]:
        return tuple(b["ring_id"] for b in self.bundles)


@dataclass(frozen=True)
class RingData:
    """What the graph holds about one ring, as plain Python values."""

    ring: dict[str, Any]
    members: list[dict[str, Any]]
    identifiers: list[dict[str, Any]]
    #: Marks in force on the case's accounts and what they use (ringscope.marks), by mark_id.
    marks: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------- file formats


def json_text(value: Any) -> str:
    return json.dumps(plain(value), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _decode_json(text: Any) -> Any:
    return times_as_utc(domain.decode_json(text))


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        value = ";".join("" if v is None else str(v) for v in value)
    # every text cell, not only names and e-mails: an org id, a device id or an account id
    # is chosen by whoever signed up, and a spreadsheet runs `=...` in any column (the
    # exact values stay in evidence.json and actions.jsonl)
    return display.spreadsheet_safe(str(value))


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- collect


def select_rings(status: str, ring_id: str | None, settings: Settings | None) -> list[str]:
    """Ring ids to export; a named ring that exists with another status is an error."""
    rows = run_query("export_select_rings", {"status": status, "ring_id": ring_id or ""}, settings=settings)
    ids = [r["ring_id"] for r in rows]
    if ring_id and not ids:
        actual = ring_tags(ring_id, settings).status  # raises "no ring with id ..." when absent
        raise ExportError(
            f"ring {ring_id!r} has status {actual}, not {status}: tag it {status} first or pass --status {actual}"
        )
    return ids


def collect_ring(ring_id: str, *, settings: Settings | None = None, min_shared: int = 2) -> RingData:
    """Read one ring's evidence, members and shared identifiers through the stored queries."""
    rows = run_query("export_ring_evidence", {"ring_id": ring_id}, settings=settings)
    if not rows:
        raise ExportError(f"ring {ring_id!r} disappeared during the export: run it again")
    ring = rows[0]
    limit = get_query("export_members").defaults()["limit"]
    members = run_query("export_members", {"ring_id": ring_id}, settings=settings)
    identifiers = run_query("export_identifiers", {"ring_id": ring_id, "min_shared": int(min_shared)}, settings=settings)
    if len(members) >= limit or len(identifiers) >= limit:
        raise ExportError(f"ring {ring_id!r} is larger than the export queries return ({limit} rows): raise their limit")
    members.sort(key=lambda m: m["account_id"])
    for ident in identifiers:
        ident["members"] = sorted(ident["members"])
    identifiers.sort(key=lambda i: (i["kind"], i["identifier"]))
    marks = run_query("export_ring_marks", {"ring_id": ring_id}, settings=settings)
    for mark in marks:
        mark["accounts"] = sorted(mark["accounts"])
    marks.sort(key=lambda m: m["mark_id"])
    return RingData(ring=ring, members=members, identifiers=identifiers, marks=marks)


# --------------------------------------------------------------------------- render


def member_rows(data: RingData) -> list[dict[str, Any]]:
    rows = []
    for m in data.members:
        row = dict(m)
        tokens = [t for t in (m.get("input_tokens"), m.get("output_tokens")) if t is not None]
        row["total_tokens"] = sum(tokens) if tokens else None
        rows.append(row)
    return rows


def identifier_rows(data: RingData) -> list[dict[str, Any]]:
    return [{**i, "details": identifier_details(i)} for i in data.identifiers]


def evidence_document(data: RingData) -> dict[str, Any]:
    ring = data.ring
    audit = [
        {**event, "before": _decode_json(event.get("before")), "after": _decode_json(event.get("after"))}
        for event in ring["audit"]
    ]
    return {
        "bundle_format": BUNDLE_FORMAT,
        "ring_id": ring["ring_id"],
        "score": ring["score"],
        "signals": list(ring["signals"]),
        "detection": {
            "size": ring["size"],
            "evidence": _decode_json(ring["evidence"]),
            "detected_at": ring["detected_at"],
            "first_detected_at": ring["first_detected_at"],
            "detection_version": ring["detection_version"],
            "retired": ring["retired"],
        },
        "tags": {"status": ring["status"], "labels": list(ring["labels"]), "note": ring["note"],
                 "assignee": ring.get("assignee")},
        # The ring's comment thread (its `comment` audit events), oldest first; also in `audit`.
        "comments": [{"seq": e["seq"], "at": e["at"], "by": e["by"], "by_subject": e.get("by_subject"),
                      "text": (e["after"] or {}).get("comment") if isinstance(e["after"], dict) else e["after"]}
                     for e in audit if e["action"] == "comment"],
        "case": {
            "members": len(data.members),
            "removed_members": list(ring["removed_members"]),
            "shared_identifiers": len(data.identifiers),
        },
        # Investigators' known-bad / known-good marks reaching the case (`ringscope mark`).
        "marks": list(data.marks),
        "audit": audit,
    }


def _hand_added(audit: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each account an investigator put into the case: the last add_members event that
    did it (seq, at, by, reason), from the ring's audit trail in write order."""
    added: dict[str, dict[str, Any]] = {}
    for event in audit:
        if event.get("action") != "add_members":
            continue
        after = _decode_json(event.get("after")) or {}
        for account_id in (after.get("members") or {}) if isinstance(after, dict) else {}:
            added[account_id] = {"seq": event.get("seq") or 0, "at": iso(event.get("at")), "by": event.get("by"),
                                 "reason": after.get("reason")}
    return added


def _last_confirmed_seq(audit: list[dict[str, Any]]) -> int | None:
    """The seq of the event that last set the ring to confirmed, or None."""
    seq = None
    for event in audit:
        after = _decode_json(event.get("after")) if event.get("action") == "set_status" else None
        if isinstance(after, dict) and after.get("status") == "confirmed":
            seq = event.get("seq") or 0
    return seq


def action_rows(data: RingData) -> list[dict[str, Any]]:
    """One proposed enforcement action per account of the case.

    An account detection put in gets the ring status's action (ACTION_BY_STATUS) with the
    ring's score and signals as its reason. An account an investigator added by hand was not
    found by those signals, so its reason says who added it, when and why, and it gets its
    own `review_account` -- unless the ring is confirmed and that confirmation came after the
    account was added (the lead confirmed the case with the account in it: reviewed).
    """
    ring = data.ring
    action = ACTION_BY_STATUS.get(ring["status"], "review_account")
    signals = list(ring["signals"])[:TOP_SIGNALS]
    shared: dict[str, int] = {}
    for ident in data.identifiers:
        for account_id in ident["members"]:
            shared[account_id] = shared.get(account_id, 0) + 1
    audit = list(ring.get("audit") or [])
    added = _hand_added(audit)
    confirmed_seq = _last_confirmed_seq(audit) if ring["status"] == "confirmed" else None
    score = plain(ring["score"])
    reason_head = f"member of {ring['status']} ring {ring['ring_id']}"
    if score is not None:
        reason_head += f" (score {score})"
    rows = []
    for m in data.members:
        sharing = f"shares {shared.get(m['account_id'], 0)} identifier(s) with other accounts of the case"
        by = m.get("added_by") or "detect"
        if by == "detect":
            reason = reason_head
            if signals:
                reason += f"; signals: {', '.join(signals)}"
            rows.append({"account_id": m["account_id"], "ring_id": ring["ring_id"], "action": action,
                         "reason": f"{reason}; {sharing}"})
            continue
        event = added.get(m["account_id"], {})
        who = event.get("by") or by
        reason = f"added by hand to the case of {ring['status']} ring {ring['ring_id']} by {who}"
        if event.get("at"):
            reason += f" at {event['at']}"
        reason += f": {event.get('reason') or 'no reason given'}; not found by detection; {sharing}"
        reviewed = confirmed_seq is not None and event and confirmed_seq > event.get("seq", 0)
        if reviewed:
            reason += "; in the case when the ring was confirmed"
        else:
            reason += "; review this account on its own before acting on it"
        rows.append({"account_id": m["account_id"], "ring_id": ring["ring_id"],
                     "action": action if reviewed else "review_account", "reason": reason})
    return rows


def render_bundle(data: RingData) -> dict[str, bytes]:
    """The content files of a bundle (manifest excluded), as bytes: pure and deterministic."""
    actions = "".join(json.dumps(plain(a), sort_keys=True, ensure_ascii=False) + "\n" for a in action_rows(data))
    files = {
        "members.csv": csv_text(MEMBER_COLUMNS, member_rows(data)),
        "identifiers.csv": csv_text(IDENTIFIER_COLUMNS, identifier_rows(data)),
        "evidence.json": json_text(evidence_document(data)),
        "graph.html": graph_html.render(data.ring, data.members, data.identifiers, version=__version__),
        "actions.jsonl": actions,
    }
    return {name: text.encode("utf-8") for name, text in files.items()}


def build_manifest(
    files: dict[str, bytes],
    *,
    ring_id: str,
    status: str,
    exported_at: str,
    exported_by: Identity,
    queries: dict[str, int],
) -> bytes:
    document = {
        "bundle_format": BUNDLE_FORMAT,
        "ring_ids": [ring_id],
        "ring_status": status,
        "exported_at": exported_at,
        "exported_by": exported_by.label,
        # Who, as the identity provider (or the CLI's OS user) established it.
        "exported_by_subject": exported_by.subject,
        "exported_by_email": exported_by.email,
        "exported_by_via": exported_by.via,
        "ringscope_version": __version__,
        "queries": dict(sorted(queries.items())),
        "hash_algorithm": "sha256",
        "files": {name: {"sha256": sha256_bytes(data), "size": len(data)} for name, data in sorted(files.items())},
    }
    return json_text(document).encode("utf-8")


# --------------------------------------------------------------------------- write


_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def bundle_name(ring_id: str) -> str:
    """`ring-<ring_id>`; a ring id that is not a safe file name (slashes, dots, spaces) is
    rewritten and suffixed with a short hash of the real id, so names never collide."""
    safe = re.sub(r"\.{2,}", "_", _SAFE.sub("_", ring_id)).strip(".") or "_"
    if safe == ring_id and len(safe) <= 120:
        return f"ring-{ring_id}"
    return f"ring-{safe[:100]}-{sha256_bytes(ring_id.encode())[:10]}"


def _is_bundle(folder: Path) -> bool:
    return (folder / MANIFEST).is_file() and not folder.is_symlink()


def _check_target(folder: Path, force: bool) -> None:
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ExportError(f"{folder} exists and is not a folder: move it away first")
    if folder.is_dir() and any(folder.iterdir()):
        if not _is_bundle(folder):
            raise ExportError(f"{folder} is not a RingScope bundle (no {MANIFEST}): it will not be replaced, move it away")
        if not force:
            raise BundleExists(folder, f"{folder} already holds files: pass --force to replace the bundle, or choose "
                                       "another --out")


def _make_out_dir(out: Path) -> None:
    """Create --out before any ring is read, so a path that cannot be written is refused in
    one line with nothing written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create --out {out} ({exc.strerror or exc}): choose a folder you can write to") from None


def stage_bundle(folder: Path, files: dict[str, bytes]) -> Path:
    """Write the files into a hidden sibling folder of `folder` and return it. Nothing is
    put in place until the export is recorded (`place_bundle`), so a ring the record
    skips leaves no bundle behind and an earlier bundle is not lost for it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        for name, data in sorted(files.items()):
            with open(staging / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def place_bundle(staging: Path, folder: Path, *, force: bool = False) -> None:
    """Rename a staged bundle into place (replacing an earlier bundle only with `force`),
    so a reader never sees half a bundle."""
    _check_target(folder, force)
    old = None
    if folder.exists():
        old = folder.parent / f".{folder.name}.old-{uuid.uuid4().hex[:8]}"
        folder.rename(old)
    staging.rename(folder)
    if old is not None:
        shutil.rmtree(old)


def write_bundle(folder: Path, files: dict[str, bytes], *, force: bool = False) -> None:
    """Stage the files, then rename them into place."""
    _check_target(folder, force)
    staging = stage_bundle(folder, files)
    try:
        place_bundle(staging, folder, force=force)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def zip_path(folder: Path) -> Path:
    """Where `--zip` writes a bundle's zip: `ring-<id>.zip` beside its folder."""
    return folder.with_name(folder.name + ".zip")


def _is_bundle_zip(archive: Path, folder_name: str) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(archive) as z:
            return f"{folder_name}/{MANIFEST}" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _check_zip_target(archive: Path, force: bool) -> None:
    """The zip gets the bundle folder's refusals: never through a symbolic link (it would
    overwrite whatever the link points at), an existing zip only with --force, and only one
    that is a zip of this bundle."""
    if archive.is_symlink() or (archive.exists() and not archive.is_file()):
        raise ExportError(f"{archive} exists and is not a file (a symbolic link or a folder): move it away first")
    if archive.exists():
        if not _is_bundle_zip(archive, archive.name.removesuffix(".zip")):
            raise ExportError(f"{archive} is not a RingScope bundle zip: it will not be replaced, move it away")
        if not force:
            raise BundleExists(archive, f"{archive} already exists: pass --force to replace it, or choose another --out")


def write_zip(folder: Path, *, force: bool = False) -> Path:
    """Write the bundle at `folder` as `ring-<id>.zip` beside it: a new file renamed over
    the old one (a link put there meanwhile is replaced, not followed)."""
    archive = zip_path(folder)
    _check_zip_target(archive, force)
    blob = bundle_zip(folder)
    handle, temp = tempfile.mkstemp(dir=archive.parent, prefix=f".{archive.name}.partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(blob)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, archive)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return archive


# --------------------------------------------------------------------------- zip


#: Every entry of a bundle's zip carries this time, so the same bundle gives the same bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def bundle_zip(folder: str | Path) -> bytes:
    """The bundle at `folder` as one zip (what the app's *Download* sends): its content files
    and manifest.json under `ring-<id>/`, in name order, with fixed entry times, so the same
    bundle always zips to the same bytes and `ringscope verify` runs on the unzipped folder.

    Refuses (ExportError) a folder that is not a bundle or no longer matches its manifest: a
    download must not carry an edited bundle onwards.
    """
    import zipfile

    from .verify import verify_bundle

    folder = Path(folder)
    checked = verify_bundle(folder)
    if not checked.ok:
        raise ExportError(f"{folder} does not match its manifest ({'; '.join(checked.problems[:3])}): export it again")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted([*CONTENT_FILES, MANIFEST]):
            path = folder / name
            if not path.is_file():
                continue
            entry = zipfile.ZipInfo(f"{folder.name}/{name}", date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def ring_bundle(ring_id: str, out_dir: str | Path | None = None,
                settings: Settings | None = None) -> dict[str, Any] | None:
    """The bundle of `ring_id` under `out_dir` (default: the app's export folder), as its
    manifest tells it: path, exported_at, exported_by, ring_status, manifest_sha256 (None
    for those a malformed manifest does not give); None when there is no bundle."""
    from .verify import read_manifest

    folder = Path(out_dir or default_out_dir(settings)) / bundle_name(ring_id)
    if not _is_bundle(folder):
        return None
    # The checked reader: a manifest nested 200 000 deep or holding a list where text
    # belongs must not take the ring view down (the download then says what is wrong).
    manifest, sha, _problem = read_manifest(folder)
    manifest = manifest or {}
    return {"path": folder, "exported_at": manifest.get("exported_at"), "exported_by": manifest.get("exported_by"),
            "ring_status": manifest.get("ring_status"), "manifest_sha256": sha}


# --------------------------------------------------------------------------- the API


def default_out_dir(settings: Settings | None = None) -> Path:
    """Where the app writes bundles: `Settings.export_dir` (RINGSCOPE_EXPORT_DIR, else
    `out/exports/` in the current directory; never inside the install)."""
    return (settings or load_settings()).export_dir


def _now() -> str:
    # Microseconds (the one time format): two exports in the same second still list in order.
    return domain.iso_utc(datetime.now(timezone.utc))


def _skipped_line(ring_id: str, now: str, status: str, when: str) -> str:
    return (f"ring {ring_id} is now {now}, not {status} (changed {when}): skipped, no bundle written or recorded "
            f"for it; export it again with --status {now} if it still needs one")


def export_rings(
    out_dir: str | Path,
    *,
    status: str = "confirmed",
    ring_id: str | None = None,
    by: Identity,
    settings: Settings | None = None,
    progress: ProgressFn | None = None,
    force: bool = False,
    min_shared: int = 2,
    as_zip: bool = False,
    on_skip: Callable[[str], None] | None = None,
) -> list[BundleInfo]:
    """Write one evidence bundle per ring with `status` (or only `ring_id`) under `out_dir`
    and record the export in the graph.

    Returns the bundles written; an empty list (and nothing written, nothing recorded)
    when no ring has that status. `by` is the Identity exporting: its role must hold
    `export` (lead or admin), else PermissionDenied before anything is read or written.
    `progress(done, total, message)` is called as rings are written. Existing bundle
    folders (and, with `as_zip`, their `ring-<id>.zip`) are replaced only with
    `force=True`. Raises RingScopeError (one line) on an unknown ring, a ring with another
    status, or a folder or zip it will not overwrite.

    A ring whose status stops being `status` while the export runs (another lead set it)
    is skipped: nothing is written or recorded for it, and `on_skip(line)` says so (a
    named `ring_id` raises instead). Its status is checked when it is read and again in
    the write that records the export, under the ring's lock.
    """
    settings = settings or load_settings()
    exported_by = acting(by, "export")
    status = normalize_status(status)
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out} is a file, not a folder")
    ring_ids = select_rings(status, ring_id.strip() if ring_id else None, settings)
    if not ring_ids:
        return []
    folders = {rid: out / bundle_name(rid) for rid in ring_ids}
    for folder in folders.values():
        _check_target(folder, force)  # refuse before anything is written
        if as_zip:
            _check_zip_target(zip_path(folder), force)
    _make_out_dir(out)

    queries = {name: get_query(name).version for name in CONTENT_QUERIES}
    exported_at = _now()
    total = len(ring_ids)
    skipped: list[str] = []
    staged: dict[str, tuple[Path, str, RingData, dict[str, str]]] = {}
    try:
        for done, rid in enumerate(ring_ids):
            if progress:
                progress(done, total, f"ring {rid}")
            data = collect_ring(rid, settings=settings, min_shared=min_shared)
            if data.ring["status"] != status:
                skipped.append(_skipped_line(rid, data.ring["status"], status, "since the export selected it"))
                continue
            files = render_bundle(data)
            manifest = build_manifest(files, ring_id=rid, status=status, exported_at=exported_at,
                                      exported_by=exported_by, queries=queries)
            hashes = {name: sha256_bytes(blob) for name, blob in sorted(files.items())}
            staged[rid] = (stage_bundle(folders[rid], {**files, MANIFEST: manifest}), sha256_bytes(manifest), data, hashes)

        export_id = f"exp-{re.sub(r'[^0-9T]', '', exported_at)[:15]}-{uuid.uuid4().hex[:8]}"
        recorded = _record(export_id, exported_at, exported_by, out, status, staged, folders, settings) if staged else []
        for rid in staged:
            if rid not in recorded:
                now = ring_tags(rid, settings).status
                skipped.append(_skipped_line(rid, now, status, "after it was read, before the export was recorded"))
        if ring_id and skipped:
            raise ExportError(skipped[0])
        for line in skipped:
            if on_skip:
                on_skip(line)
        placed = []
        for rid in recorded:
            staging, sha, data, hashes = staged.pop(rid)
            try:
                place_bundle(staging, folders[rid], force=force)
                archive = write_zip(folders[rid], force=force) if as_zip else None
            except (OSError, RingScopeError) as exc:
                raise ExportError(f"export {export_id} is recorded, but the bundle of ring {rid} could not be put in "
                                  f"place at {folders[rid]} ({getattr(exc, 'strerror', None) or exc}): export it "
                                  "again with --force") from None
            placed.append(BundleInfo(ring_id=rid, path=folders[rid], manifest_sha256=sha, export_id=export_id,
                                     members=len(data.members), identifiers=len(data.identifiers),
                                     actions=len(data.members), files=hashes, zip_path=archive))
    finally:
        for staging, *_ in staged.values():  # bundles not recorded, or not reached after a failure
            shutil.rmtree(staging, ignore_errors=True)
    if progress:
        progress(total, total, "recorded in the graph")
    return placed


def _record(export_id: str, exported_at: str, exported_by: Identity, out: Path, status: str,
            staged: dict[str, tuple[Path, str, RingData, dict[str, str]]], folders: dict[str, Path],
            settings: Settings) -> list[str]:
    """Record the export; the ring ids it recorded, in the order staged (the write query
    leaves out a ring whose status is no longer `status`, and records nothing when no ring
    is left)."""
    try:
        rows = run_query(
            "record_export",
            {
                "export_id": export_id,
                "at": exported_at,
                **exported_by.audit(),
                "out_dir": str(out.resolve()),
                "status": status,
                "ringscope_version": __version__,
                "bundles": [{"ring_id": rid, "bundle": folders[rid].name, "manifest_sha256": sha}
                            for rid, (_staging, sha, *_rest) in staged.items()],
            },
            settings=settings,
            allow_write=True,
        )
    except RingScopeError as exc:
        raise ExportError(f"the export was not recorded, so no bundle was written under {out}: {exc}") from None
    recorded = set(rows[0]["ring_ids"]) if rows else set()
    return [rid for rid in staged if rid in recorded]


def list_exports(*, ring_id: str | None = None, limit: int = 200, settings: Settings | None = None) -> list[ExportRecord]:
    """Recorded exports, newest first (only those including `ring_id` when given)."""
    rows = run_query("list_exports", {"ring_id": ring_id or "", "limit": int(limit)}, settings=settings)
    return [
        ExportRecord(
            export_id=r["export_id"],
            at=iso(r["at"]) or "",
            by=r["by"],
            out_dir=r["out_dir"],
            status=r["status"],
            ringscope_version=r["ringscope_version"],
            bundles=tuple(dict(b) for b in r["bundles"]),
        )
        for r in rows
    ]
