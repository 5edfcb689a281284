"""`ringscope export` and `ringscope verify`: evidence bundles from the command line."""
from __future__ import annotations

from pathlib import Path

import click

from ..auth import cli_identity
from ..config import load_settings
from ..display import terminal
from ..errors import RingScopeError
from ..progress import ProgressBars
from ..tagging import STATUSES
from . import bundle
from .verify import verify_bundle


@click.command()
@click.option("--status", default="confirmed", show_default=True, type=click.Choice(STATUSES), metavar="STATUS",
              help=f"Export the rings with this investigation status ({', '.join(STATUSES)}).")
@click.option("--ring", "ring_id", metavar="RING_ID", help="Only this ring (it must have --status).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write under: one ring-<ring_id>/ bundle folder per ring.")
@click.option("--by", metavar="NAME", help="Your name, recorded as the exporter with the operating-system user "
                                         "running the command (default: RINGSCOPE_INVESTIGATOR from .env).")
@click.option("--force", is_flag=True, help="Replace bundle folders (and with --zip their zips) that already exist: only "
                                           "folders holding a RingScope manifest, zips of a bundle, never a symbolic link.")
@click.option("--min-shared", default=2, show_default=True, type=click.IntRange(min=1),
              help="List an identifier in identifiers.csv when at least this many case accounts used it.")
@click.option("--zip", "as_zip", is_flag=True,
              help="Also write each bundle as ring-<ring_id>.zip beside its folder (what the app's Download sends).")
@click.option("--list", "list_only", is_flag=True, help="List the exports recorded in the graph instead of exporting.")
@click.option("--no-progress", is_flag=True, help="Do not draw a progress bar.")
def export(status: str, ring_id: str | None, out_dir: Path | None, by: str | None, force: bool, min_shared: int,
           as_zip: bool, list_only: bool, no_progress: bool) -> None:
    """Write evidence bundles for enforcement: one folder per ring with members.csv,
    identifiers.csv, evidence.json, graph.html, actions.jsonl and a manifest.json of
    SHA-256 hashes (check it with `ringscope verify`). The export is recorded in the graph.

    \b
      ringscope export --out bundles/ --by alice
      ringscope export --ring R-0001 --out bundles/ --by alice
      ringscope export --ring R-0001 --out bundles/ --by alice --force --zip
      ringscope export --list
    """
    settings = load_settings()
    if list_only:
        _list(ring_id, settings)
        return
    if out_dir is None:
        raise click.UsageError("where to? give --out DIR (or --list to see past exports)")
    bars = ProgressBars(not no_progress, unit=" rings", leave=False)
    skipped: list[str] = []  # rings whose status changed while the export ran
    try:
        bundles = bundle.export_rings(out_dir, status=status, ring_id=ring_id, by=cli_identity(by, settings),
                                      settings=settings,
                                      progress=lambda done, total, _message: bars(done, total, "export"),
                                      force=force, min_shared=min_shared, as_zip=as_zip,
                                      on_skip=lambda line: skipped.append(line))
    finally:
        bars.close()
        for line in skipped:
            click.echo(f"skipped: {terminal(line)}", err=True)
    if not bundles:
        click.echo(f"no rings with status {status}: nothing exported, nothing written")
        return
    for info in bundles:
        click.echo(f"{info.path}: {info.members} account(s), {info.identifiers} shared identifier(s), "
                   f"manifest sha256 {info.manifest_sha256}")
        if info.zip_path:
            click.echo(f"{info.zip_path}: the bundle as one zip")
    click.echo(f"{len(bundles)} bundle(s) written, recorded as export {bundles[0].export_id}")


def _list(ring_id: str | None, settings) -> None:
    records = bundle.list_exports(ring_id=ring_id, settings=settings)
    if not records:
        click.echo("no exports recorded" + (f" for ring {ring_id}" if ring_id else ""))
        return
    for record in records:
        click.echo(f"{record.at}  {record.export_id}  by {record.by}  {len(record.bundles)} ring(s) -> {record.out_dir}")
        for b in record.bundles:
            click.echo(f"    {b['ring_id']}: {b['bundle']}  manifest sha256 {b['manifest_sha256']}")


class BundlesSuperseded(RingScopeError):
    """Every bundle is intact, but the graph says one or more is no longer the one to act on."""

    exit_code = 3


@click.command()
@click.argument("bundle_dirs", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="BUNDLE_DIR...")
@click.option("--graph", "against_graph", is_flag=True,
              help="Also check each manifest is the one recorded in the graph when the bundle was exported, and "
                   "that the bundle is not superseded (needs Neo4j).")
def verify(bundle_dirs: tuple[Path, ...], against_graph: bool) -> None:
    """Check evidence bundles: recompute the SHA-256 of every file listed in manifest.json.

    With --graph, also check the manifest is the one the graph recorded, and say when an
    intact bundle is SUPERSEDED: its ring's status now differs from the manifest's
    ring_status (say, confirmed then, false_positive now), or the ring was exported again
    since. Act on the newer export, not on a superseded bundle.

    \b
    Exit status:
      0  every bundle intact (with --graph: recorded and not superseded)
      1  a bundle is not intact: each changed, missing or unexpected file is listed
         and the first problem named
      3  (--graph) every bundle intact, but one or more superseded
    """
    settings = load_settings() if against_graph else None
    failed, superseded = [], []
    for folder in bundle_dirs:
        result = verify_bundle(folder, against_graph=against_graph, settings=settings)
        if result.current:
            click.echo(result.summary())
            continue
        if result.ok:
            superseded.append(result)
            for reason in result.superseded:
                click.echo(f"{folder}: superseded: {reason}", err=True)
            continue
        failed.append(result)
        for problem in result.problems:
            click.echo(f"{folder}: {problem}", err=True)
    if failed:
        first = failed[0]
        others = f"; {len(failed) - 1} more bundle(s) not intact" if len(failed) > 1 else ""
        raise RingScopeError(f"{first.summary()}{others}")
    if superseded:
        others = f"; {len(superseded) - 1} more bundle(s) superseded" if len(superseded) > 1 else ""
        raise BundlesSuperseded(f"{superseded[0].summary()}{others}")
