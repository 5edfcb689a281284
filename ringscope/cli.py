"""`ringscope`: the command line. Each subcommand lives beside the code it drives
and is loaded only when used, so `ringscope --help` stays fast and one broken
area cannot take the others down.
"""
from __future__ import annotations

import importlib
import logging
import re
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


class _DriverNotes(logging.Handler):
    """The Neo4j driver's warnings as one line each on stderr. Without a handler Python
    prints the driver's whole record: a deadlock between two ingest sessions, which the
    driver retries by itself, came out as a multi-line lock dump in cron mail."""

    RETRY = re.compile(r"will be retried in ([0-9.]+)s.*?neo4j_code: ([A-Za-z.]+)", re.S)

    def emit(self, record: logging.LogRecord) -> None:
        from .display import terminal

        try:
            text = record.getMessage().strip()
        except Exception:  # noqa: BLE001 - a malformed record must not stop the command
            text = str(record.msg).strip()
        retry = self.RETRY.search(text)
        if retry:
            line = (f"note: a Neo4j transaction met {retry.group(2)} and is retried in "
                    f"{float(retry.group(1)):.1f} s (the driver retries it; nothing to do)")
        else:
            line = "neo4j: " + (text.splitlines()[0][:300] if text else record.levelname.lower())
        click.echo(terminal(line), err=True)


def driver_warnings_one_line() -> None:
    """Route the `neo4j` logger's warnings through `_DriverNotes` (idempotent)."""
    log = logging.getLogger("neo4j")
    if not any(isinstance(h, _DriverNotes) for h in log.handlers):
        log.addHandler(_DriverNotes(level=logging.WARNING))


def main(argv: list[str] | None = None) -> None:
    driver_warnings_one_line()
    try:
        cli.main(args=argv, prog_name="ringscope", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        # one line, like every other error (click's own is usage + hint + error on three)
        from .display import terminal

        where = exc.ctx.command_path if exc.ctx is not None else "ringscope"
        click.echo(f"error: {terminal(exc.format_message())} (`{where} --help` shows the usage)", err=True)
        sys.exit(exc.exit_code)
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
