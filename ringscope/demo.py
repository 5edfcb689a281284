"""`ringscope demo`: the main job on built-in defaults, in one command.

Start the local Neo4j (provisioning it on first run), load the committed demo
world when the graph is empty, detect rings, then open the app. Each step is the
same subcommand a user would run by hand, so the demo never drifts from them.
"""
from __future__ import annotations

from pathlib import Path

import click

from . import db
from .config import PROJECT_ROOT, load_settings

DEMO_WORLD = PROJECT_ROOT / "seed_data" / "demo"


def _run(*args: str) -> None:
    from .cli import cli

    click.secho(f"$ ringscope {' '.join(args)}", fg="cyan", err=True)
    cli.main(args=list(args), prog_name="ringscope", standalone_mode=False)


@click.command()
@click.option("--world", type=click.Path(exists=True, file_okay=False, path_type=Path), default=DEMO_WORLD, show_default=True, help="World directory to load when the graph is empty.")
@click.option("--port", default=8501, show_default=True, help="Port for the app.")
@click.option("--no-app", is_flag=True, help="Stop after detection instead of starting the app.")
def demo(world: Path, port: int, no_app: bool) -> None:
    """Start Neo4j, load the demo world (if the graph is empty), detect rings, open the app."""
    settings = load_settings()
    if settings.uses_local_server:
        _run("db", "start")
    else:
        _run("db", "migrate")
    accounts = db.run_read("MATCH (a:Account) RETURN count(a) AS n", settings=settings)[0]["n"]
    if accounts:
        click.echo(f"the graph already holds {accounts:,} accounts: not loading {world} again "
                   "(`ringscope db reset --yes` starts afresh)", err=True)
    else:
        _run("ingest", str(world))
    _run("detect")
    _run("rings")
    if not no_app:
        _run("app", "--port", str(port))
