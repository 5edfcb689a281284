"""`ringscope demo`: the main job on built-in defaults, in one command.

Start the local Neo4j (provisioning it on first run), load the committed demo
world when the graph is empty, detect rings, then open the app. Each step is the
same subcommand a user would run by hand, so the demo never drifts from them.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from . import db
from .config import load_settings
from .errors import RingScopeError

#: The package whose data folder `demo/` is the committed demo world (`seed_data/demo/`).
#: Asked of the regular package `seed_data`, not of `demo/` itself: a folder without
#: `__init__.py` is a namespace package, whose files() is not a plain Path.
DEMO_PACKAGE = "ringscope.seed_data"


def demo_world() -> Path:
    """The demo world's folder, read as package data (ingest needs real files: an install
    must be unzipped, as pip installs wheels). Raises RingScopeError when it is missing."""
    try:
        folder = resources.files(DEMO_PACKAGE) / "demo"
    except ModuleNotFoundError:
        folder = None
    if not isinstance(folder, Path) or not (folder / "accounts.csv").is_file():
        raise RingScopeError(f"the demo world ({DEMO_PACKAGE}/demo) is missing from this install: reinstall ringscope, or pass --world DIR")
    return folder


def _run(*args: str) -> None:
    from .cli import cli

    click.secho(f"$ ringscope {' '.join(args)}", fg="cyan", err=True)
    cli.main(args=list(args), prog_name="ringscope", standalone_mode=False)


@click.command()
@click.option("--world", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="World directory to load when the graph is empty [default: the demo world shipped with RingScope].")
@click.option("--port", default=8501, show_default=True, help="Port for the app.")
@click.option("--no-app", is_flag=True, help="Stop after detection instead of starting the app.")
def demo(world: Path | None, port: int, no_app: bool) -> None:
    """Start Neo4j, load the demo world (if the graph is empty), detect rings, open the app."""
    settings = load_settings()
    world = world or demo_world()
    if not no_app:  # a taken port is said before a minute of loading, not after it
        from .app.cli import check_port_free

        check_port_free(port)
    if settings.uses_local_server:
        _run("db", "start")
    else:
        _run("db", "migrate")
    accounts = db.run("admin_account_count", mode=db.READ, settings=settings)[0]["n"]
    if accounts:
        click.echo(f"the graph already holds {accounts:,} accounts: not loading {world} again "
                   "(`ringscope db reset --yes` starts afresh)", err=True)
    else:
        _run("ingest", str(world))
    _run("detect")
    _run("rings")
    if not no_app:
        _run("app", "--port", str(port))
