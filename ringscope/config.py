"""Settings: the one place that reads configuration.

Values come from the process environment first, then from `.env` (found from the
current directory upwards), then from the defaults below. Secrets live only in
`.env` or the environment, never in code or committed files.

Where RingScope writes never depends on where the code is installed: the local
server, reject files and the like go under `Settings.home` (RINGSCOPE_HOME, else
`.ringscope/` in the current directory) and evidence bundles under
`Settings.export_dir` (RINGSCOPE_EXPORT_DIR, else `out/exports/` in the current
directory). The code's own files (stored queries, the demo world, pom.xml) are
package data, read with `importlib.resources`.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from dotenv import dotenv_values, find_dotenv

from .errors import RingScopeError

#: The source checkout's root (`ringscope/` sits directly below it). Only the tests and
#: benchmarks of a checkout use it: in a wheel install this is site-packages, so nothing
#: the product reads or writes may be placed relative to it (use Settings.home/export_dir).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Password the local server is given on first start when none is configured.
#: Only for the loopback-only local server; `.env.example` tells users to change it.
DEFAULT_LOCAL_PASSWORD = "ringscope-local"


@lru_cache(maxsize=8)
def _env_file_values(path: str, inode: int, mtime_ns: int, size: int) -> tuple[tuple[str, str], ...]:
    """The values of the `.env` file at `path`, parsed once per version of the file (its
    modification time and size are part of the key): the app reads its settings on every
    query, and parsing the file each time cost ~9 ms of CPU per read."""
    return tuple((k, v) for k, v in dotenv_values(path).items() if v is not None)


def env_for_child() -> dict[str, str]:
    """This process's environment with RINGSCOPE_ENV_FILE naming the `.env` it reads, so a
    child started in another directory (a benchmark's app) talks to the same server."""
    env = dict(os.environ)
    env_file = os.environ.get("RINGSCOPE_ENV_FILE") or find_dotenv(usecwd=True)
    if env_file:
        env["RINGSCOPE_ENV_FILE"] = str(Path(env_file).resolve())
    return env


def _env_layers() -> dict[str, str]:
    """`.env` values overlaid with the real environment (environment wins)."""
    values: dict[str, str] = {}
    env_file = os.environ.get("RINGSCOPE_ENV_FILE") or find_dotenv(usecwd=True)
    if env_file:
        try:
            info = os.stat(env_file)
        except OSError:
            info = None
        if info is not None and stat.S_ISREG(info.st_mode):
            values.update(_env_file_values(str(Path(env_file).resolve()), info.st_ino, info.st_mtime_ns, info.st_size))
    values.update(os.environ)
    return values


@dataclass(frozen=True)
class LocalServer:
    """How the project-provisioned Neo4j runs (ignored for a remote NEO4J_URI)."""

    home: Path
    bolt_port: int = 7687
    http_port: int = 7474
    heap: str = "4g"
    pagecache: str = "4g"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


@dataclass(frozen=True)
class Settings:
    uri: str
    user: str
    password: str
    database: str
    local: LocalServer
    #: Absolute folder for RingScope's own state: the local server (`neo4j/`), reject files.
    home: Path
    #: Absolute folder the app and `ringscope export` write evidence bundles under by default.
    export_dir: Path
    investigator: str = ""
    #: True when NEO4J_URI is unset or names the local ports: the project's own server is the target.
    uses_local_server: bool = True
    extra: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def with_local(self, **changes) -> "Settings":
        local = replace(self.local, **changes)
        uri = local.bolt_uri if self.uses_local_server else self.uri
        return replace(self, local=local, uri=uri)


class ConfigError(RingScopeError, ValueError):
    """A configuration value cannot be used."""


def _int(values: dict[str, str], key: str, default: int) -> int:
    raw = values.get(key)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a whole number: fix it in .env or the environment") from None


#: The schemes the driver speaks Bolt on (README, Configuration: "any Bolt URI").
BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def _bolt_uri(values: dict[str, str]) -> str:
    uri = values.get("NEO4J_URI") or ""
    if uri and uri.split("://", 1)[0].lower() not in BOLT_SCHEMES:
        raise ConfigError(f"NEO4J_URI={uri!r} is not a Bolt URI: use bolt://, neo4j:// or neo4j+s://HOST:PORT "
                          "(port 7687 by default; 7474 serves Neo4j Browser), in .env or the environment")
    return uri


def _folder(values: dict[str, str], key: str, default: Path) -> Path:
    raw = values.get(key) or ""
    return (Path(raw).expanduser() if raw else default).resolve()


def default_home(values: dict[str, str]) -> Path:
    """RINGSCOPE_HOME, else `.ringscope/` in the current directory (absolute)."""
    return _folder(values, "RINGSCOPE_HOME", Path.cwd() / ".ringscope")


def default_export_dir(values: dict[str, str]) -> Path:
    """RINGSCOPE_EXPORT_DIR, else `out/exports/` in the current directory (absolute)."""
    return _folder(values, "RINGSCOPE_EXPORT_DIR", Path.cwd() / "out" / "exports")


def load_settings() -> Settings:
    values = _env_layers()
    home = default_home(values)
    local = LocalServer(
        home=home / "neo4j",
        bolt_port=_int(values, "RINGSCOPE_BOLT_PORT", 7687),
        http_port=_int(values, "RINGSCOPE_HTTP_PORT", 7474),
        heap=values.get("RINGSCOPE_NEO4J_HEAP") or "4g",
        pagecache=values.get("RINGSCOPE_NEO4J_PAGECACHE") or "4g",
    )
    uri = _bolt_uri(values)
    local_uris = {f"{scheme}://{host}:{local.bolt_port}" for scheme in ("bolt", "neo4j") for host in ("127.0.0.1", "localhost")}
    return Settings(
        uri=uri or local.bolt_uri,
        user=values.get("NEO4J_USER") or "neo4j",
        password=values.get("NEO4J_PASSWORD") or DEFAULT_LOCAL_PASSWORD,
        database=values.get("NEO4J_DATABASE") or "neo4j",
        local=local,
        home=home,
        export_dir=default_export_dir(values),
        investigator=values.get("RINGSCOPE_INVESTIGATOR") or "",
        uses_local_server=not uri or uri.rstrip('/') in local_uris,
        extra=values,
    )
