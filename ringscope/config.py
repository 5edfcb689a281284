"""Settings: the one place that reads configuration.

Values come from the process environment first, then from `.env` (found from the
current directory upwards), then from the defaults below. Secrets live only in
`.env` or the environment, never in code or committed files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import dotenv_values, find_dotenv

from .errors import RingScopeError

#: The repository (or install) root: `ringscope/` sits directly below it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Password the local server is given on first start when none is configured.
#: Only for the loopback-only local server; `.env.example` tells users to change it.
DEFAULT_LOCAL_PASSWORD = "ringscope-local"


def _env_layers() -> dict[str, str]:
    """`.env` values overlaid with the real environment (environment wins)."""
    values: dict[str, str] = {}
    env_file = os.environ.get("RINGSCOPE_ENV_FILE") or find_dotenv(usecwd=True)
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
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


def load_settings() -> Settings:
    values = _env_layers()
    home = Path(values.get("RINGSCOPE_HOME") or PROJECT_ROOT / ".ringscope").expanduser().resolve()
    local = LocalServer(
        home=home / "neo4j",
        bolt_port=_int(values, "RINGSCOPE_BOLT_PORT", 7687),
        http_port=_int(values, "RINGSCOPE_HTTP_PORT", 7474),
        heap=values.get("RINGSCOPE_NEO4J_HEAP") or "4g",
        pagecache=values.get("RINGSCOPE_NEO4J_PAGECACHE") or "4g",
    )
    uri = values.get("NEO4J_URI") or ""
    local_uris = {f"{scheme}://{host}:{local.bolt_port}" for scheme in ("bolt", "neo4j") for host in ("127.0.0.1", "localhost")}
    return Settings(
        uri=uri or local.bolt_uri,
        user=values.get("NEO4J_USER") or "neo4j",
        password=values.get("NEO4J_PASSWORD") or DEFAULT_LOCAL_PASSWORD,
        database=values.get("NEO4J_DATABASE") or "neo4j",
        local=local,
        investigator=values.get("RINGSCOPE_INVESTIGATOR") or "",
        uses_local_server=not uri or uri.rstrip('/') in local_uris,
        extra=values,
    )
