"""`ringscope`: the command line. Each subcommand lives beside the code it drives
and is loaded only when used, so `ringscope --help` stays fast and one broken
area cannot take the others down.
"""
from __future__ import annotations

import importlib
import sys

import click

from . import __version__
from .errors import RingScopeError

#: subcommand -> "module:attribute" of its click command.
COMMANDS = {
    "demo": "ringscope.demo:demo",
    "db": "ringscope.server.cli:db",
    "seed": "ringscope.seed_data.cli:seed",
    "ingest": "ringscope.ingest.cli:ingest",
    "query": "ringscope.query_cli:query",
    "detect": "ringscope.detection.cli:detect",
    "rings": "ringscope.detection.cli:rings",
    "evaluate": "ringscope.detection.cli:evaluate",
    "explain": "ringscope.detection.cli:explain",
    "tag": "ringscope.tagging_cli:tag",
    "mark": "ringscope.marks_cli:mark",
    "export": "ringscope.export.cli:export",
    "verify": "ringscope.export.cli:verify",
    "app": "ringscope.app.cli:app",
    "cycle": "ringscope.cycle_cli:cycle",
    "alerts": "ringscope.alerts_cli:alerts",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ringscope")
def cli() -> None:
    """RingScope: find, explain and take down coordinated account networks.

    Typical flow: `ringscope db start`, `ringscope seed` (or a real export),
    `ringscope ingest`, `ringscope detect`, then `ringscope app`.
    Configuration comes from the environment and `.env` (see README).
    """


def _error_line(exc: RingScopeError) -> str:
    """`error: ...` with the data an error quotes (a column name, a file name, an id) shown
    inert: an escape sequence or a direction override in it must not reach the terminal."""
    from .display import terminal

    return "\n".join(terminal(line) for line in f"error: {exc}".splitlines())


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="ringscope", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RingScopeError as exc:
        click.echo(_error_line(exc), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    finally:
        from . import db

        db.close_all()


if __name__ == "__main__":
    main()
