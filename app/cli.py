"""`ringscope app`: start the investigator's Streamlit app."""
from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import click

from ringscope.app import signin
from ringscope.config import load_settings
from ringscope.errors import RingScopeError

MAIN = Path(__file__).resolve().parent / "main.py"


def streamlit_command(port: int, address: str = "127.0.0.1", *, headless: bool = True,
                      secrets_file: Path | None = None) -> list[str]:
    """The `streamlit run` command line for the app (also used by the tests and benchmark).

    `secrets_file`: the sign-in settings `signin.write_secrets` wrote. Given or not, Streamlit
    reads no other secrets file (not ~/.streamlit/secrets.toml, not ./.streamlit/), so a stray
    file cannot switch sign-in on or off behind RingScope's back.
    """
    return [
        sys.executable, "-m", "streamlit", "run", str(MAIN),
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
        # No "Download as CSV" on tables: Streamlit writes the cells raw, and a name like
        # `=HYPERLINK(...)` runs in the spreadsheet that opens it (a field report); the CSVs
        # RingScope writes itself (export bundles, alerts, query results) quote such cells
        "--client.disableDataExport", "true",
        # app/static: the favicon and vis-network, which the graph loads once and the browser caches
        "--server.enableStaticServing", "true",
        # No full garbage collection after every script run: on the incident world it took
        # ~70 ms after a click's run, and it holds the interpreter while the server should be
        # sending the run's graph delta to the browser (issue 14: expand p95 <= 300 ms).
        # Python's own generational collector still runs.
        "--runner.postScriptGC", "false",
        "--secrets.files", str(secrets_file) if secrets_file else str(MAIN.parent / "no-secrets.toml"),
    ]


def check_port_free(port: int, address: str = "127.0.0.1") -> None:
    """Refuse, in one line, a port another process already listens on. Streamlit's own
    answer came after `ringscope app` had announced the app on that port, as a timestamped
    log line ("Port 8501 is not available"), and `ringscope demo` met it only after a minute
    of loading. Other bind errors (an address this machine does not have) are left to
    Streamlit, which names them."""
    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError:
        return
    for family, kind, proto, _, where in infos[:1]:
        with socket.socket(family, kind, proto) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(where)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise RingScopeError(
                        f"port {port} on {address} is already taken by another process (another RingScope app?): "
                        f"stop it, or pass a free port with --port N (`make demo PORT=N`)") from None


def app_url(address: str, port: int) -> str:
    """The URL to open for the app served on `address`: `localhost` for 127.0.0.1, an IPv6
    address in brackets (`http://[::1]:8501`, as RFC 3986 writes it)."""
    bare = address.strip("[]")
    host = "localhost" if bare == "127.0.0.1" else f"[{bare}]" if ":" in bare else bare
    return f"http://{host}:{port}"


@click.command()
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Port the app listens on.")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default keeps investigators' data on this machine; any other "
                   "address (0.0.0.0: every interface) needs sign-in configured in .env (README: Sign-in and roles).")
@click.option("--open/--no-open", "open_browser", default=True, show_default=True,
              help="Open a browser tab on the app when it starts (ignored without a display).")
def app(port: int, address: str, open_browser: bool) -> None:
    """Start the investigator app (ring queue, ring and entity views, search, tagging, console).

    It reads Neo4j and sign-in settings like every other command (.env or the
    environment); stop it with Ctrl-C. With an OpenID provider configured everyone signs
    in; without one it serves 127.0.0.1 only, as a single local user.
    """
    if not MAIN.is_file():
        raise RingScopeError(f"the app's entry file {MAIN} is missing: reinstall RingScope")
    settings = load_settings()
    oidc = signin.check_serving(address, settings)  # refuses the network without sign-in
    check_port_free(port, address)
    secrets_file = signin.write_secrets(oidc, port, settings) if oidc else None
    headless = not open_browser or not (os.environ.get("DISPLAY") or sys.platform == "darwin")
    mode = "sign-in with your OpenID provider" if oidc else "single local user, no sign-in"
    click.echo(f"RingScope app on {app_url(address, port)}  "
               f"({mode}; Ctrl-C stops it)", err=True)
    command = streamlit_command(port, address, headless=headless, secrets_file=secrets_file)
    sys.stdout.flush()
    sys.stderr.flush()
    if hasattr(os, "execv"):
        # Become the Streamlit server: Ctrl-C and kill reach it directly, no orphan is left.
        os.execv(command[0], command)
    code = subprocess.call(command)  # pragma: no cover - platforms without exec
    if code not in (0, -2, 130):
        raise RingScopeError(f"the app stopped with exit code {code}: see the messages above")
