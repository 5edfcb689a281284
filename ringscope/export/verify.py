"""Check a bundle against its manifest (and, optionally, the manifest against the graph).

`verify_bundle` recomputes the SHA-256 of every file the manifest lists and reports, in
the manifest's order, each file that is missing or changed, then every file the manifest
does not list. Editing a file *and* its manifest entry is caught by `against_graph=True`:
the graph recorded the manifest's own SHA-256 when the bundle was exported.
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

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


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

    @property
    def first_problem(self) -> str | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        """One line: `intact: 6 files ...` or `NOT intact: changed: members.csv (+1 more problem)`."""
        if self.ok:
            extra = f"; recorded as export {self.recorded['export_id']}" if self.recorded else ""
            return f"intact: {self.path} ({len(self.intact)} files, manifest sha256 {self.manifest_sha256}{extra})"
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
    # A manifest names files in its own folder only: no paths, no parent links, no hidden files.
    return isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name and not name.startswith(".") and name != MANIFEST


def _read_manifest(folder: Path) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(manifest, its sha256, problem)."""
    path = folder / MANIFEST
    if path.is_symlink() or not path.is_file():
        return None, None, f"missing: {MANIFEST}"
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, sha, f"changed: {MANIFEST} is not valid JSON ({exc})"
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files:
        return None, sha, f"changed: {MANIFEST} lists no files"
    for name, entry in files.items():
        if not _plain_name(name):
            return None, sha, f"changed: {MANIFEST} lists {name!r}, which is not a file of the bundle"
        if not isinstance(entry, dict) or not _HEX64.match(str(entry.get("sha256", ""))) or not isinstance(entry.get("size"), int):
            return None, sha, f"changed: {MANIFEST} entry for {name} has no sha256/size"
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
    manifest, manifest_sha, problem = _read_manifest(folder)
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

    ring_ids = tuple(str(r) for r in manifest.get("ring_ids") or ())
    recorded = None
    if against_graph:
        from ..catalog import run_query

        rows = run_query("export_by_manifest", {"manifest_sha256": manifest_sha}, settings=settings)
        if not rows:
            problems.insert(0, f"changed: {MANIFEST} is not the manifest of any export recorded in the graph")
        else:
            recorded = {k: plain(v) for k, v in rows[0].items()}
            if ring_ids and recorded["ring_id"] not in ring_ids:
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
    )
