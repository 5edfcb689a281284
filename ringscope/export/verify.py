"""Check a bundle against its manifest (and, optionally, the manifest against the graph).

`verify_bundle` recomputes the SHA-256 of every file the manifest lists and reports, in
the manifest's order, each file that is missing or changed, then every file the manifest
does not list. Editing a file *and* its manifest entry is caught by `against_graph=True`:
the graph recorded the manifest's own SHA-256 when the bundle was exported. The graph
also says whether an intact bundle is still the one to act on (`bundle_standing`): a
bundle whose ring changed status since, or was exported again, is superseded.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from .bundle import MANIFEST
from .values import plain

_HEX64 = re.compile(r"[0-9a-f]{64}")
#: A file a manifest may list: a plain name in the bundle's own folder (no path, no parent
#: link, no hidden file, nothing the file system could choke on: NUL, a 10 000-character name).
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")
#: A RingScope manifest is about 1.5 kB; anything this large was not written by RingScope,
#: and reading it whole (or parsing it) is not worth the memory.
MAX_MANIFEST_BYTES = 1 << 20
#: Manifest fields other code reads, and the types they must have when present.
_TEXT_FIELDS = ("ring_status", "exported_at", "exported_by")


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking one bundle folder."""

    path: Path
    ok: bool
    ring_ids: tuple[str, ...] = ()
    #: SHA-256 of manifest.json as found (compare with the export record).
    manifest_sha256: str | None = None
    #: Files whose hash and size match the manifest.
    intact: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    #: Files in the folder the manifest does not list.
    unexpected: tuple[str, ...] = ()
    #: One line per problem, most important first (manifest, then files in manifest order).
    problems: tuple[str, ...] = ()
    #: The export record found in the graph (export_id, at, by, ring_id, bundle), when checked.
    recorded: dict[str, Any] | None = field(default=None, compare=False)
    #: Why an intact, recorded bundle is no longer the one to act on (checked against the
    #: graph only): its ring's status changed since, or the ring was exported again.
    superseded: tuple[str, ...] = ()

    @property
    def first_problem(self) -> str | None:
        return self.problems[0] if self.problems else None

    @property
    def current(self) -> bool:
        """Intact and not superseded: the bundle to act on."""
        return self.ok and not self.superseded

    def summary(self) -> str:
        """One line: `intact: 6 files ...`, `SUPERSEDED: ... ring R1 is now false_positive ...`
        or `NOT intact: changed: members.csv (+1 more problem)`."""
        if self.ok:
            extra = f"; recorded as export {self.recorded['export_id']}" if self.recorded else ""
            checked = f"{len(self.intact)} files, manifest sha256 {self.manifest_sha256}{extra}"
            if self.superseded:
                return f"SUPERSEDED: {self.path} (intact, {checked}): {'; '.join(self.superseded)}"
            return f"intact: {self.path} ({checked})"
        more = len(self.problems) - 1
        tail = f" (+{more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        return f"NOT intact: {self.path}: {self.first_problem}{tail}"


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _plain_name(name: Any) -> bool:
    return isinstance(name, str) and bool(_FILE_NAME.fullmatch(name)) and name != MANIFEST


def read_manifest(folder: Path) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(manifest, its sha256, problem) for the bundle in `folder`.

    Never raises for a malformed manifest (deeply nested, huge, not UTF-8, fields of the
    wrong type): a manifest is input from wherever the bundle travelled, and the CLI and
    the app must answer one line, not a traceback. A manifest returned has a non-empty
    `files` of plain names with sha256/size, `ring_ids` a list of text and the text
    fields text (or null).
    """
    path = folder / MANIFEST
    if path.is_symlink() or not path.is_file():
        return None, None, f"missing: {MANIFEST}"
    size = path.stat().st_size
    if size > MAX_MANIFEST_BYTES:
        return None, None, (f"changed: {MANIFEST} is {size} bytes, far larger than a RingScope manifest "
                            f"({MAX_MANIFEST_BYTES} at most)")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, sha, f"changed: {MANIFEST} is not valid JSON ({exc})"
    except RecursionError:
        # json nests by recursion: '[' * 200000 overflows the stack before it is refused
        return None, sha, f"changed: {MANIFEST} is not valid JSON (nested too deeply)"
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files:
        return None, sha, f"changed: {MANIFEST} lists no files"
    for name, entry in files.items():
        if not _plain_name(name):
            return None, sha, f"changed: {MANIFEST} lists {name[:80]!r}, which is not a file of the bundle"
        if (not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or not _HEX64.fullmatch(entry["sha256"])
                or type(entry.get("size")) is not int):
            return None, sha, f"changed: {MANIFEST} entry for {name} has no sha256/size"
    ring_ids = manifest.get("ring_ids")
    if ring_ids is not None and not (isinstance(ring_ids, list) and all(isinstance(r, str) for r in ring_ids)):
        return None, sha, f"changed: {MANIFEST} has ring_ids that are not a list of ring ids"
    for key in _TEXT_FIELDS:
        if manifest.get(key) is not None and not isinstance(manifest[key], str):
            return None, sha, f"changed: {MANIFEST} has a {key} that is not text"
    return manifest, sha, None


def verify_bundle(path: str | Path, *, against_graph: bool = False, settings: Settings | None = None) -> VerifyResult:
    """Check every file of the bundle at `path` against its manifest.json.

    Never raises for a damaged bundle: the result's `ok`, `problems` and the lists of
    changed / missing / unexpected files say what is wrong. With `against_graph=True` the
    manifest's own SHA-256 must match an export recorded in the graph (needs Neo4j).
    """
    folder = Path(path)
    if not folder.is_dir():
        hint = (": a zipped bundle is checked unzipped (`unzip` it, then verify the folder)"
                if folder.suffix.lower() == ".zip" and folder.is_file() else "")
        return VerifyResult(path=folder, ok=False, problems=(f"missing: {folder} is not a folder{hint}",))
    manifest, manifest_sha, problem = read_manifest(folder)
    if manifest is None:
        unexpected = tuple(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.name != MANIFEST or p.parent != folder))
        return VerifyResult(path=folder, ok=False, manifest_sha256=manifest_sha, problems=(problem or "missing: manifest.json",),
                            unexpected=unexpected)

    listed = manifest["files"]
    intact, changed, missing, problems = [], [], [], []
    for name in sorted(listed):
        entry = listed[name]
        target = folder / name
        if target.is_symlink():
            changed.append(name)
            problems.append(f"changed: {name} (replaced by a symbolic link)")
            continue
        if not target.is_file():
            missing.append(name)
            problems.append(f"missing: {name}")
            continue
        sha, size = _sha256_file(target)
        if sha != entry["sha256"] or size != entry["size"]:
            changed.append(name)
            problems.append(f"changed: {name} (sha256 {sha[:12]}..., manifest says {entry['sha256'][:12]}...)")
        else:
            intact.append(name)
    known = set(listed) | {MANIFEST}
    unexpected = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.relative_to(folder).as_posix() not in known and not (p.is_dir() and not p.is_symlink() and any(p.iterdir()))
    )
    problems.extend(f"unexpected: {name} (not in the manifest)" for name in unexpected)

    ring_ids = tuple(manifest.get("ring_ids") or ())
    recorded, superseded = None, ()
    if against_graph:
        standing = bundle_standing(manifest_sha, manifest.get("ring_status"), settings=settings)
        recorded, superseded = standing.recorded, standing.superseded
        if recorded is None:
            problems.insert(0, f"changed: {MANIFEST} is not the manifest of any export recorded in the graph")
        elif ring_ids and recorded["ring_id"] not in ring_ids:
            problems.insert(0, f"changed: {MANIFEST} names rings {', '.join(ring_ids)} but was recorded for {recorded['ring_id']}")
    return VerifyResult(
        path=folder,
        ok=not problems,
        ring_ids=ring_ids,
        manifest_sha256=manifest_sha,
        intact=tuple(intact),
        changed=tuple(changed),
        missing=tuple(missing),
        unexpected=tuple(unexpected),
        problems=tuple(problems),
        recorded=recorded,
        superseded=superseded if not problems else (),
    )


@dataclass(frozen=True)
class Standing:
    """What the graph says about a bundle's manifest."""

    #: The export that recorded it (export_id, at, by, ring_id, bundle, ...), or None.
    recorded: dict[str, Any] | None
    #: Why it is not the bundle to act on any more, one clause each; empty when it is.
    superseded: tuple[str, ...] = ()


def bundle_standing(manifest_sha256: str | None, ring_status: str | None, *,
                    settings: Settings | None = None) -> Standing:
    """Whether the graph recorded this manifest, and whether that bundle has been
    superseded: its ring's status now differs from the manifest's `ring_status` (a bundle
    proposing suspend_account for a ring since found a false positive), or the ring was
    exported again after it. Needs Neo4j; the app asks this before offering a download."""
    from ..catalog import run_query

    if not manifest_sha256:
        return Standing(recorded=None)
    rows = run_query("export_by_manifest", {"manifest_sha256": manifest_sha256}, settings=settings)
    if not rows:
        return Standing(recorded=None)
    recorded = {k: plain(v) for k, v in rows[0].items()}
    reasons = []
    if ring_status and recorded["ring_status_now"] != ring_status:
        reasons.append(f"ring {recorded['ring_id']} is now {recorded['ring_status_now']}, the bundle says {ring_status}")
    newer = recorded["newer"][0] if recorded["newer"] else None
    if newer:
        reasons.append(f"ring {recorded['ring_id']} was exported again as {newer['export_id']} at {newer['at']} "
                       f"by {newer['by']}: act on that bundle, not this one")
    elif reasons:
        reasons[-1] += ": export the ring again for a bundle to act on"
    return Standing(recorded=recorded, superseded=tuple(reasons))
