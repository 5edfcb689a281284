"""`ringscope db ...`: run the local Neo4j server and manage the schema."""
from __future__ import annotations

import click

from .. import db as database
from .. import schema
from ..config import load_settings
from ..errors import RingScopeError
from ..progress import ProgressBars
from . import local


@click.group()
def db() -> None:
    """Start, stop and inspect Neo4j; apply the schema; empty the database.

    `start`/`stop` run the project's own server (provisioned from Maven Central,
    listening on 127.0.0.1 only). `status`, `migrate` and `reset` work on
    whatever NEO4J_URI points to, local or remote.
    """


@db.command()
@click.option("--timeout", default=180.0, show_default=True, help="Seconds to wait for Bolt to answer.")
@click.option("--no-migrate", is_flag=True, help="Do not apply the schema after starting.")
def start(timeout: float, no_migrate: bool) -> None:
    """Start the local Neo4j server (provisions it on first run); waits until Bolt answers."""
    settings = load_settings()
    if not settings.uses_local_server:
        raise RingScopeError(f"NEO4J_URI points to {settings.uri}, not the local server: unset it to use `db start`")
    info = local.start(settings, timeout=timeout, echo=lambda m: click.echo(m, err=True))
    paths = local.ServerPaths(settings.local.home)
    if info["already_running"]:
        click.echo(f"Neo4j already running (pid {info['pid']}) at {settings.local.bolt_uri}")
    else:
        what = "provisioned and started" if info["provisioned"] else "started"
        click.echo(f"Neo4j {what} in {info['seconds']:.1f}s (pid {info['pid']}) at {settings.local.bolt_uri}")
        click.echo(f"  Browser: http://127.0.0.1:{settings.local.http_port}/browser/   logs: {paths.logs}")
    if not no_migrate:
        newly = schema.migrate(settings)
        if newly:
            click.echo(f"  schema: applied version(s) {', '.join(map(str, newly))}")


@db.command()
def stop() -> None:
    """Stop the local Neo4j server."""
    settings = load_settings()
    if local.stop(settings):
        click.echo("Neo4j stopped")
    else:
        click.echo("Neo4j was not running")


@db.command()
def status() -> None:
    """Server version, store size, node and relationship counts."""
    settings = load_settings()
    paths = local.ServerPaths(settings.local.home)
    if settings.uses_local_server:
        pid = local.read_pid(paths)
        if pid is None:
            raise RingScopeError(f"local Neo4j is not running ({settings.local.bolt_uri}): start it with `ringscope db start`")
        rss = local.process_rss_bytes(pid)
        click.echo(f"server:        local, pid {pid}, memory {local.human_bytes(rss) if rss else '?'}")
        click.echo(f"store:         {paths.data} ({local.human_bytes(local.store_size_bytes(paths))})")
    info = database.server_info(settings)
    click.echo(f"uri:           {settings.uri} (database {settings.database})")
    click.echo(f"version:       Neo4j {info['version']} {info['edition']}")
    click.echo(f"nodes:         {info['nodes']:,}")
    click.echo(f"relationships: {info['relationships']:,}")
    versions = schema.applied_versions(settings)
    click.echo(f"schema:        {'versions ' + ', '.join(map(str, versions)) if versions else 'not applied (run `ringscope db migrate`)'}")


@db.command()
def warm() -> None:
    """Load the store into the page cache (after a restart, before investigators click around)."""
    from ..catalog import run_query

    settings = load_settings()
    row = run_query("warm_page_cache", settings=settings)[0]
    click.echo(f"page cache: {local.human_bytes(row['bytes'])} loaded in {row['milliseconds'] / 1000:.1f}s")


@db.command()
def migrate() -> None:
    """Apply the schema (constraints and indexes in cypher/schema/); safe to repeat."""
    settings = load_settings()
    newly = schema.migrate(settings)
    latest = max((m.version for m in schema.migrations()), default=0)
    if newly:
        click.echo(f"schema: applied version(s) {', '.join(map(str, newly))}; now at {latest}")
    else:
        click.echo(f"schema: up to date at version {latest}")


@db.command()
@click.option("--yes", is_flag=True, help="Confirm: delete every node and relationship.")
def reset(yes: bool) -> None:
    """Empty the database (all data, investigator tags included), then re-apply the schema.

    Deletes in small transactions, relationships first, with progress on stderr: a graph of
    millions takes minutes (the incident world's 23M nodes and relationships: several)."""
    if not yes:
        raise RingScopeError("`db reset` deletes every node, tag and audit record: add --yes to confirm")
    settings = load_settings()
    bars = ProgressBars(unit="", leave=False)  # bars on a terminal, a line every few seconds otherwise
    try:
        deleted = schema.reset(settings, progress=bars)
    finally:
        bars.close()
    click.echo(f"database emptied ({deleted:,} nodes deleted); schema re-applied")
