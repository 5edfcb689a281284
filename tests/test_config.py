"""Config: environment over .env over defaults; which URIs mean the local server."""
from __future__ import annotations

from pathlib import Path

import pytest

from ringscope.config import load_settings
from ringscope.errors import RingScopeError

KEYS = ["NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE", "RINGSCOPE_BOLT_PORT", "RINGSCOPE_HOME",
        "RINGSCOPE_EXPORT_DIR", "RINGSCOPE_INVESTIGATOR"]


@pytest.fixture
def env(monkeypatch, tmp_path):
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    dotenv = tmp_path / ".env"
    monkeypatch.setenv("RINGSCOPE_ENV_FILE", str(dotenv))
    return monkeypatch, dotenv


def test_dotenv_values_are_read(env):
    monkeypatch, dotenv = env
    dotenv.write_text("NEO4J_PASSWORD=from-dotenv\nNEO4J_DATABASE=fraud\nRINGSCOPE_INVESTIGATOR=alice\n")
    s = load_settings()
    assert s.password == "from-dotenv"
    assert s.database == "fraud"
    assert s.investigator == "alice"


def test_environment_overrides_dotenv(env):
    monkeypatch, dotenv = env
    dotenv.write_text("NEO4J_PASSWORD=from-dotenv\nNEO4J_USER=dotenv-user\n")
    monkeypatch.setenv("NEO4J_PASSWORD", "from-env")
    s = load_settings()
    assert s.password == "from-env"
    assert s.user == "dotenv-user"


def test_no_uri_means_the_local_server_on_the_configured_port(env):
    monkeypatch, _ = env
    monkeypatch.setenv("RINGSCOPE_BOLT_PORT", "7999")
    s = load_settings()
    assert s.uses_local_server
    assert s.uri == "bolt://127.0.0.1:7999"


@pytest.mark.parametrize(
    "uri,local",
    [
        ("bolt://127.0.0.1:7687", True),
        ("neo4j://localhost:7687", True),
        ("neo4j+s://abcd1234.databases.neo4j.io", False),
        ("bolt://db.internal:7687", False),
    ],
)
def test_any_bolt_uri_is_kept_unchanged(env, uri, local):
    monkeypatch, _ = env
    monkeypatch.setenv("NEO4J_URI", uri)
    s = load_settings()
    assert s.uri == uri
    assert s.uses_local_server is local


def test_a_malformed_port_is_one_clear_error(env):
    monkeypatch, _ = env
    monkeypatch.setenv("RINGSCOPE_BOLT_PORT", "seven")
    with pytest.raises(ValueError, match="RINGSCOPE_BOLT_PORT='seven' is not a whole number") as err:
        load_settings()
    assert "\n" not in str(err.value), str(err.value)


def test_home_and_export_dir_default_to_the_working_folder_not_the_install(env, tmp_path):
    import ringscope

    monkeypatch, _ = env
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.home == tmp_path.resolve() / ".ringscope"
    assert s.local.home == s.home / "neo4j"
    assert s.export_dir == tmp_path.resolve() / "out" / "exports"
    package = Path(ringscope.__file__).resolve().parent
    assert not s.home.is_relative_to(package) and not s.export_dir.is_relative_to(package)


def test_home_and_export_dir_come_from_dotenv_and_are_absolute(env, tmp_path):
    monkeypatch, dotenv = env
    monkeypatch.chdir(tmp_path)
    dotenv.write_text("RINGSCOPE_HOME=state\nRINGSCOPE_EXPORT_DIR=~/bundles\n")
    s = load_settings()
    assert s.home == tmp_path.resolve() / "state" and s.local.home == tmp_path.resolve() / "state" / "neo4j"
    assert s.export_dir == (Path.home() / "bundles").resolve()


def test_the_export_default_folder_is_the_settings_one(env, tmp_path):
    from ringscope.export import default_out_dir

    monkeypatch, _ = env
    monkeypatch.setenv("RINGSCOPE_EXPORT_DIR", str(tmp_path / "x"))
    assert default_out_dir() == tmp_path / "x"


def test_ingest_rejects_go_under_the_settings_home_not_the_install(env, tmp_path):
    from ringscope.ingest.job import default_rejects_dir

    monkeypatch, _ = env
    monkeypatch.setenv("RINGSCOPE_HOME", str(tmp_path / "state"))
    rejects = default_rejects_dir(load_settings())
    assert rejects.parent == tmp_path / "state" / "rejects"


def test_the_env_file_is_parsed_once_per_version_of_it(env):
    """The app reads its settings on every query; parsing .env each time cost ~9 ms of CPU per
    read under load (issue 14, eight investigators). A changed file is read again."""
    import os

    from ringscope import config

    monkeypatch, dotenv = env
    dotenv.write_text("NEO4J_PASSWORD=first\n")
    assert load_settings().password == "first"
    parsed = config._env_file_values.cache_info().misses
    for _ in range(5):
        assert load_settings().password == "first"
    assert config._env_file_values.cache_info().misses == parsed  # not parsed again
    dotenv.write_text("NEO4J_PASSWORD=second-value\n")
    stamp = dotenv.stat().st_mtime_ns + 1_000_000
    os.utime(dotenv, ns=(stamp, stamp))
    assert load_settings().password == "second-value"
    monkeypatch.setenv("NEO4J_PASSWORD", "from-env")  # the environment is read every time
    assert load_settings().password == "from-env"


def test_a_child_started_elsewhere_reads_this_processs_env_file(monkeypatch, tmp_path):
    """Field report: bench_app started the app in the repository, whose .env named another
    server than the bench's own; the browser part waited on an app that could not connect."""
    import subprocess
    import sys

    from ringscope.config import env_for_child

    here, there = tmp_path / "world", tmp_path / "repo"
    here.mkdir()
    there.mkdir()
    (here / ".env").write_text("NEO4J_PASSWORD=the-bench-one\n")
    (there / ".env").write_text("NEO4J_PASSWORD=another-one\n")
    monkeypatch.delenv("RINGSCOPE_ENV_FILE", raising=False)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.chdir(here)
    show = "from ringscope.config import load_settings; print(load_settings().password)"
    child = subprocess.run([sys.executable, "-c", show], cwd=there, env=env_for_child(),
                           capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "the-bench-one"


def test_the_private_test_server_takes_its_ports_from_dotenv(env):
    """README, Configuration: RINGSCOPE_TEST_BOLT_PORT / _HTTP_PORT / _HOME may sit in `.env`
    like every other variable; the tests used to read them from the environment only and
    went for port 17687 (someone else's server on a shared machine) regardless."""
    from conftest import _test_env

    monkeypatch, dotenv = env
    for key in ("RINGSCOPE_TEST_NEO4J_URI", "RINGSCOPE_TEST_BOLT_PORT", "RINGSCOPE_TEST_HTTP_PORT", "RINGSCOPE_TEST_HOME"):
        monkeypatch.delenv(key, raising=False)
    dotenv.write_text("RINGSCOPE_TEST_BOLT_PORT=29687\nRINGSCOPE_TEST_HTTP_PORT=29474\nRINGSCOPE_TEST_HOME=/tmp/rs-test\n")
    values, start_local = _test_env()
    assert start_local
    assert values["RINGSCOPE_BOLT_PORT"] == "29687" and values["NEO4J_URI"] == "bolt://127.0.0.1:29687"
    assert values["RINGSCOPE_HTTP_PORT"] == "29474" and values["RINGSCOPE_HOME"] == "/tmp/rs-test"
    monkeypatch.setenv("RINGSCOPE_TEST_BOLT_PORT", "29688")  # the environment still wins
    assert _test_env()[0]["RINGSCOPE_BOLT_PORT"] == "29688"


@pytest.mark.parametrize("uri", ["http://localhost:7474", "https://x.databases.neo4j.io", "localhost:7687"])
def test_a_neo4j_uri_that_is_not_bolt_is_refused_in_one_line(env, uri):
    """NEO4J_URI=http://... reached the driver, whose HTTP support answered "No module named
    'aiohttp'"; the README promises Bolt URIs, so anything else is refused saying so."""
    monkeypatch, dotenv = env
    monkeypatch.setenv("NEO4J_URI", uri)
    with pytest.raises(RingScopeError, match=r"is not a Bolt URI: use bolt://, neo4j:// or neo4j\+s://") as err:
        load_settings()
    assert "\n" not in str(err.value), str(err.value)


@pytest.mark.parametrize("uri", ["bolt://h:7687", "neo4j://h", "neo4j+s://x.databases.neo4j.io", "bolt+ssc://h:1"])
def test_every_bolt_scheme_is_taken_unchanged(env, uri):
    monkeypatch, dotenv = env
    monkeypatch.setenv("NEO4J_URI", uri)
    assert load_settings().uri == uri
