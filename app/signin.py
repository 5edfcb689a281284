"""Sign-in settings for the app: OpenID Connect through Streamlit's own `st.login`.

`ringscope app` reads the provider's settings from `.env` (or the environment), checks
them, and writes Streamlit's `[auth]` section into a secrets file only this user can
read (`$RINGSCOPE_HOME/app/secrets.toml`), which it passes to Streamlit with
`--secrets.files`. Without a provider the app serves only this machine (loopback) as a
single local user; serving any other address without sign-in is refused.

This module does not import Streamlit: the command line uses it before Streamlit starts.
"""
from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ringscope.config import Settings
from ringscope.errors import RingScopeError

#: The settings sign-in needs (RINGSCOPE_OIDC_SCOPES, _PROMPT and RINGSCOPE_APP_URL are optional).
REQUIRED = ("RINGSCOPE_OIDC_METADATA_URL", "RINGSCOPE_OIDC_CLIENT_ID", "RINGSCOPE_OIDC_CLIENT_SECRET",
            "RINGSCOPE_COOKIE_SECRET")
#: The identity cookie is signed with this secret (HMAC): shorter is guessable offline.
MIN_COOKIE_SECRET = 32
DEFAULT_SCOPES = "openid email profile"


class SignInConfigError(RingScopeError):
    """Sign-in is missing where it is required, or its settings cannot work."""


@dataclass(frozen=True)
class OidcSettings:
    """One OpenID provider, as `.env` configures it."""

    metadata_url: str
    client_id: str
    client_secret: str
    cookie_secret: str
    scopes: str = DEFAULT_SCOPES
    #: `prompt` sent to the provider (Streamlit's default is select_account, which some providers reject).
    prompt: str | None = None
    #: The URL people open (https://ringscope.example.com); default http://localhost:PORT.
    app_url: str | None = None

    def redirect_uri(self, port: int) -> str:
        base = (self.app_url or f"http://localhost:{port}").rstrip("/")
        return f"{base}/oauth2callback"


def configured(settings: Settings) -> bool:
    """Whether a provider is configured (RINGSCOPE_OIDC_METADATA_URL set): then everyone signs in."""
    return bool((settings.extra.get("RINGSCOPE_OIDC_METADATA_URL") or "").strip())


def oidc_settings(settings: Settings) -> OidcSettings:
    """The provider's settings, checked; a SignInConfigError (one line) names what is missing or weak."""
    values = {k: (settings.extra.get(k) or "").strip() for k in REQUIRED}
    missing = [k for k, v in values.items() if not v]
    if missing:
        raise SignInConfigError(f"sign-in is configured but {', '.join(missing)} is not set: add it to .env "
                                "(README: Sign-in and roles)")
    if len(values["RINGSCOPE_COOKIE_SECRET"]) < MIN_COOKIE_SECRET:
        raise SignInConfigError(f"RINGSCOPE_COOKIE_SECRET must be at least {MIN_COOKIE_SECRET} characters: "
                                "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`")
    url = values["RINGSCOPE_OIDC_METADATA_URL"]
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise SignInConfigError(f"RINGSCOPE_OIDC_METADATA_URL {url!r} must be https:// (plain http only on loopback)")
    return OidcSettings(
        metadata_url=url,
        client_id=values["RINGSCOPE_OIDC_CLIENT_ID"],
        client_secret=values["RINGSCOPE_OIDC_CLIENT_SECRET"],
        cookie_secret=values["RINGSCOPE_COOKIE_SECRET"],
        scopes=(settings.extra.get("RINGSCOPE_OIDC_SCOPES") or DEFAULT_SCOPES).strip(),
        prompt=(settings.extra.get("RINGSCOPE_OIDC_PROMPT") or "").strip() or None,
        app_url=(settings.extra.get("RINGSCOPE_APP_URL") or "").strip() or None,
    )


def is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1 and `localhost` serve only this machine; anything else (0.0.0.0, a
    host name, a LAN address) may be reached from the network."""
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def local_host_allowed(host: str | None) -> bool:
    """Whether a request's `Host` header names this machine: `localhost`, 127.0.0.0/8 or
    ::1, with or without a port. The app without sign-in acts as its one local user (an
    admin), and listening on loopback alone does not stop a web page elsewhere from reaching
    it through DNS rebinding (its own name re-pointed at 127.0.0.1: the browser then sends
    that name as Host; a field report drove the app that way with Chromium's local-network
    protection off). No header at all (no browser: Streamlit's test harness) passes."""
    if not host:
        return True
    name = host.strip()
    if name.startswith("["):  # [::1]:8501
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:  # localhost:8501, 127.0.0.1:8501
        name = name.split(":", 1)[0]
    return is_loopback(name)


def check_serving(address: str, settings: Settings) -> OidcSettings | None:
    """Refuse (SignInConfigError, one line) to serve a non-loopback address without sign-in.

    Returns the checked provider settings when sign-in is configured, else None (the app
    then runs as the single local user, on loopback only).
    """
    if configured(settings):
        return oidc_settings(settings)
    if not is_loopback(address):
        raise SignInConfigError(
            f"refusing to serve on {address} without sign-in: set RINGSCOPE_OIDC_METADATA_URL, "
            "RINGSCOPE_OIDC_CLIENT_ID, RINGSCOPE_OIDC_CLIENT_SECRET and RINGSCOPE_COOKIE_SECRET in .env "
            "(README: Sign-in and roles), or serve on 127.0.0.1")
    return None


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes for quotes, backslashes, controls).
    return json.dumps(value, ensure_ascii=False)


def secrets_toml(oidc: OidcSettings, port: int) -> str:
    """Streamlit's `[auth]` section for one provider."""
    lines = [
        "# Written by `ringscope app` from .env on every start: edit .env, not this file.",
        "[auth]",
        f"redirect_uri = {_toml_string(oidc.redirect_uri(port))}",
        f"cookie_secret = {_toml_string(oidc.cookie_secret)}",
        f"client_id = {_toml_string(oidc.client_id)}",
        f"client_secret = {_toml_string(oidc.client_secret)}",
        f"server_metadata_url = {_toml_string(oidc.metadata_url)}",
        "",
        "[auth.client_kwargs]",
        f"scope = {_toml_string(oidc.scopes)}",
    ]
    if oidc.prompt:
        lines.append(f"prompt = {_toml_string(oidc.prompt)}")
    return "\n".join(lines) + "\n"


def secrets_path(settings: Settings) -> Path:
    """`$RINGSCOPE_HOME/app/secrets.toml` (git-ignored with the rest of `.ringscope/`)."""
    return settings.local.home.parent / "app" / "secrets.toml"


def write_secrets(oidc: OidcSettings, port: int, settings: Settings) -> Path:
    """Write the secrets file readable by this user only (0600); returns its path."""
    path = secrets_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets_toml(oidc, port))
    os.chmod(path, 0o600)  # an older file keeps its mode through O_CREAT
    return path
