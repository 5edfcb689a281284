"""Safe defaults of the app: no network without sign-in, a gate before any page, and the
sign-in settings Streamlit is given (the real sign-in is in test_browser_auth.py)."""
from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ringscope.app import signin
from ringscope.app.signin import SignInConfigError
from ringscope.config import load_settings

MAIN = str(Path(__file__).resolve().parent.parent / "app" / "main.py")
COMMAND = Path(sys.executable).with_name("ringscope")
SECRET = "k" * 48

OIDC_ENV = {
    "RINGSCOPE_OIDC_METADATA_URL": "http://127.0.0.1:9/.well-known/openid-configuration",
    "RINGSCOPE_OIDC_CLIENT_ID": "ringscope",
    "RINGSCOPE_OIDC_CLIENT_SECRET": "client-secret",
    "RINGSCOPE_COOKIE_SECRET": SECRET,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_app(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """`ringscope app ...` as users run it, with its own RINGSCOPE_HOME and no .env."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("RINGSCOPE_OIDC") and k != "RINGSCOPE_COOKIE_SECRET"}
    full.update(RINGSCOPE_ENV_FILE=str(tmp_path / "no.env"), RINGSCOPE_HOME=str(tmp_path / "home"), **env)
    return subprocess.run([str(COMMAND), "app", "--no-open", *args], env=full, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.0.2.10", "ringscope.example.com"])
def test_serving_the_network_without_sign_in_is_refused_at_start(address, tmp_path):
    port = _free_port()
    result = _run_app(["--address", address, "--port", str(port)], {}, tmp_path)
    assert result.returncode != 0
    # refused before anything started: no start line, no Streamlit banner, nothing written
    assert "RingScope app on" not in result.stderr, result.stderr
    assert "You can now view your Streamlit app" not in result.stdout + result.stderr
    assert not (tmp_path / "home" / "app").exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"refusing to serve on {address} without sign-in" in lines[0]
    assert "RINGSCOPE_OIDC_METADATA_URL" in lines[0] and "RINGSCOPE_COOKIE_SECRET" in lines[0]


def test_a_weak_or_missing_cookie_secret_is_refused_at_start(tmp_path):
    weak = _run_app(["--address", "0.0.0.0", "--port", str(_free_port())],
                    {**OIDC_ENV, "RINGSCOPE_COOKIE_SECRET": "changeme"}, tmp_path)
    assert weak.returncode != 0 and "RINGSCOPE_COOKIE_SECRET must be at least 32 characters" in weak.stderr
    missing = _run_app(["--port", str(_free_port())], {**OIDC_ENV, "RINGSCOPE_COOKIE_SECRET": ""}, tmp_path)
    assert missing.returncode != 0 and "RINGSCOPE_COOKIE_SECRET is not set" in missing.stderr
    assert not (tmp_path / "home" / "app" / "secrets.toml").exists()


def test_a_taken_port_is_one_line_before_anything_starts(tmp_path):
    """Newcomer QA: with the app's port taken (a second `make demo`), `ringscope app` announced
    "RingScope app on http://localhost:PORT" and then Streamlit logged "Port PORT is not
    available"; `ringscope demo` started Neo4j and loaded the world before meeting it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run_app(["--port", str(port)], {}, tmp_path)
        assert result.returncode == 1
        assert "RingScope app on" not in result.stderr
        assert "You can now view your Streamlit app" not in result.stdout + result.stderr
        assert result.stderr.splitlines() == [
            f"error: port {port} on 127.0.0.1 is already taken by another process (another RingScope app?): "
            "stop it, or pass a free port with --port N (`make demo PORT=N`)"]

        env = {k: v for k, v in os.environ.items() if not k.startswith("RINGSCOPE_OIDC")}
        env.update(RINGSCOPE_ENV_FILE=str(tmp_path / "no.env"), RINGSCOPE_HOME=str(tmp_path / "demo-home"))
        demo = subprocess.run([str(COMMAND), "demo", "--port", str(port)], env=env, capture_output=True, text=True,
                              timeout=60)
        assert demo.returncode == 1
        assert demo.stderr.splitlines() == result.stderr.splitlines()  # no `$ ringscope db start` before it
        assert not (tmp_path / "demo-home").exists()  # nothing provisioned, nothing loaded


def test_the_announced_url_opens_the_app():
    """`ringscope app --address ::1` announced http://::1:8501, which no browser opens."""
    from ringscope.app.cli import app_url

    assert [app_url(a, 8501) for a in ("127.0.0.1", "::1", "[::1]", "0.0.0.0", "10.0.0.5")] == [
        "http://localhost:8501", "http://[::1]:8501", "http://[::1]:8501", "http://0.0.0.0:8501", "http://10.0.0.5:8501"]


def test_loopback_addresses():
    assert all(signin.is_loopback(a) for a in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"))
    assert not any(signin.is_loopback(a) for a in ("0.0.0.0", "::", "10.0.0.1", "example.com", ""))


def test_the_local_app_answers_only_under_this_machines_names():
    """DNS rebinding (field report): a page on evil.example re-points its name at 127.0.0.1
    and the browser sends `Host: evil.example:8501` to the local single-user app."""
    ok = ("localhost:8501", "127.0.0.1:8501", "127.0.0.1", "[::1]:8501", "LOCALHOST", "127.9.9.9:1", None, "")
    assert all(signin.local_host_allowed(h) for h in ok)
    bad = ("evil.example:8501", "evil.example", "10.0.0.1:8501", "127.0.0.1.evil.example:8501", "localhost.evil:80",
           "[2001:db8::1]:8501", "0.0.0.0:8501")
    assert not any(signin.local_host_allowed(h) for h in bad)


def test_the_secrets_file_holds_streamlits_auth_section_for_this_user_only(tmp_path, monkeypatch):
    monkeypatch.setenv("RINGSCOPE_ENV_FILE", str(tmp_path / "no.env"))
    monkeypatch.setenv("RINGSCOPE_HOME", str(tmp_path / "home"))
    for key, value in {**OIDC_ENV, "RINGSCOPE_APP_URL": "https://ringscope.example.com/",
                       "RINGSCOPE_OIDC_SCOPES": "openid email profile groups",
                       "RINGSCOPE_OIDC_CLIENT_SECRET": 'se"cr\\et'}.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    oidc = signin.check_serving("0.0.0.0", settings)
    path = signin.write_secrets(oidc, 8501, settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    section = tomllib.loads(path.read_text())["auth"]
    assert section == {
        "redirect_uri": "https://ringscope.example.com/oauth2callback",
        "cookie_secret": SECRET,
        "client_id": "ringscope",
        "client_secret": 'se"cr\\et',
        "server_metadata_url": OIDC_ENV["RINGSCOPE_OIDC_METADATA_URL"],
        "client_kwargs": {"scope": "openid email profile groups"},
    }
    monkeypatch.setenv("RINGSCOPE_OIDC_METADATA_URL", "http://idp.example.com/.well-known/openid-configuration")
    with pytest.raises(SignInConfigError, match="must be https://"):
        signin.oidc_settings(load_settings())


@pytest.fixture
def served_at():
    before = st.get_option("server.address")

    def serve(address: str) -> None:
        st.config.set_option("server.address", address)

    yield serve
    st.config.set_option("server.address", before)


def test_with_sign_in_configured_nothing_shows_before_signing_in(monkeypatch, served_at):
    for key, value in OIDC_ENV.items():
        monkeypatch.setenv(key, value)
    served_at("0.0.0.0")
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": SECRET,
                          "client_id": "ringscope", "client_secret": "x",
                          "server_metadata_url": OIDC_ENV["RINGSCOPE_OIDC_METADATA_URL"]}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["RingScope"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.sidebar.markdown  # no page ran, no query


def test_sign_in_configured_but_streamlit_started_without_it_is_one_line(monkeypatch, served_at):
    for key, value in OIDC_ENV.items():
        monkeypatch.setenv(key, value)
    served_at("127.0.0.1")
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    assert [e.value for e in at.error] == [
        "Sign-in is configured in .env but Streamlit was started without it: start the app with `ringscope app`."]
    assert not at.title


def test_streamlit_run_by_hand_on_the_network_without_sign_in_refuses(monkeypatch, served_at):
    for key in OIDC_ENV:
        monkeypatch.delenv(key, raising=False)
    served_at("0.0.0.0")
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    assert len(at.error) == 1 and "serves the network without sign-in" in at.error[0].value
    assert not at.title
