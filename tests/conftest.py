"""Shared fixtures: a live Neo4j for the whole session, an empty database per test, and
the hand-built worlds several test modules read (`world`, `tradecraft_world`).

A test is an integration test (`-m integration`) exactly when it uses the live server
(the `neo4j_settings` fixture, directly or through `clean_db` or a world): the marker is
set here, so a test that needs no database is never marked one.

No mocks of the database anywhere. When RINGSCOPE_TEST_NEO4J_URI is set the
tests use that server (and WILL EMPTY IT); otherwise they provision and start a
private local server in `.ringscope/test` on ports 17687/17474 (override with
RINGSCOPE_TEST_HOME, RINGSCOPE_TEST_BOLT_PORT, RINGSCOPE_TEST_HTTP_PORT), so a
developer's own database is never touched.
"""
from __future__ import annotations

import os

import pytest

from ringscope import db, schema
from ringscope.config import PROJECT_ROOT, _env_layers, load_settings
from ringscope.server import local

TEST_PASSWORD = "ringscope-test-pw"


def _test_env() -> tuple[dict[str, str], bool]:
    """Environment that points every RingScope entry point at the test server. The
    RINGSCOPE_TEST_* values come from the environment or the developer's `.env` (README,
    Configuration), read here before RINGSCOPE_ENV_FILE is pointed away from it."""
    configured = _env_layers()
    uri = configured.get("RINGSCOPE_TEST_NEO4J_URI")
    env = {"RINGSCOPE_ENV_FILE": str(PROJECT_ROOT / ".env.tests-none")}  # never read a developer's .env
    if uri:
        env.update(
            NEO4J_URI=uri,
            NEO4J_USER=configured.get("RINGSCOPE_TEST_NEO4J_USER", "neo4j"),
            NEO4J_PASSWORD=configured.get("RINGSCOPE_TEST_NEO4J_PASSWORD", TEST_PASSWORD),
            NEO4J_DATABASE=configured.get("RINGSCOPE_TEST_NEO4J_DATABASE", "neo4j"),
        )
        return env, False
    bolt = configured.get("RINGSCOPE_TEST_BOLT_PORT", "17687")
    env.update(
        RINGSCOPE_HOME=configured.get("RINGSCOPE_TEST_HOME", str(PROJECT_ROOT / ".ringscope" / "test")),
        RINGSCOPE_BOLT_PORT=bolt,
        RINGSCOPE_HTTP_PORT=configured.get("RINGSCOPE_TEST_HTTP_PORT", "17474"),
        RINGSCOPE_NEO4J_HEAP=configured.get("RINGSCOPE_TEST_HEAP", "1g"),
        RINGSCOPE_NEO4J_PAGECACHE=configured.get("RINGSCOPE_TEST_PAGECACHE", "512m"),
        NEO4J_URI=f"bolt://127.0.0.1:{bolt}",
        NEO4J_USER="neo4j",
        NEO4J_PASSWORD=TEST_PASSWORD,
        NEO4J_DATABASE="neo4j",
    )
    return env, True


@pytest.fixture(scope="session")
def neo4j_settings():
    """Settings for a live server; starts the private test server when needed."""
    env, start_local = _test_env()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    settings = load_settings()
    started = False
    try:
        if start_local:
            info = local.start(settings)
            started = not info["already_running"]
        schema.migrate(settings)
        yield settings
    finally:
        db.close_all()
        if started and not os.environ.get("RINGSCOPE_TEST_KEEP_SERVER"):
            local.stop(settings)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def empty_database(settings) -> None:
    """Every node and relationship deleted (the schema stays), through the product's own
    stored query and runner."""
    db.run_until_done("admin_delete_nodes", {"limit": 20000, "batch": 20000}, settings=settings)


@pytest.fixture
def clean_db(neo4j_settings):
    """An empty database with the schema applied: each test starts from nothing."""
    empty_database(neo4j_settings)
    schema.migrate(neo4j_settings)
    yield neo4j_settings


def under_ci() -> bool:
    """True when the CI variable is set to something other than empty, 0 or false (`.ci/run`
    passes the CI system's own value through)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_runtest_setup(item):
    """A `browser` test needs Debian's chromium (/usr/bin/chromium). On a developer's machine
    without it the test is skipped; under CI it fails, so a lost install step cannot turn the
    browser and real sign-in tests into skips nobody reads."""
    if item.get_closest_marker("browser") is None:
        return
    from ringscope.app import headless

    if headless.CHROMIUM.exists():
        return
    message = (f"Debian's chromium is not installed ({headless.CHROMIUM}): "
               "`apt-get install chromium` (make test does it as root)")
    if under_ci():
        pytest.fail(f"{message}; CI is set, so the browser test fails instead of being skipped", pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "neo4j_settings" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def world(clean_db):
    """The app's test world (tests/test_app_world.py describes it) in a freshly emptied database."""
    from test_app_world import build_world

    info = build_world(clean_db)
    info["settings"] = clean_db
    return info


@pytest.fixture
def tradecraft_world(clean_db):
    """Three failure kinds of ring among a population and its confounders
    (tests/test_detect_tradecraft.py): (settings, ring name -> members)."""
    from test_detect_support import World, add_population
    from test_detect_tradecraft import confounders, hub_and_spoke, human_ring, template_proxy_ring

    w = World()
    add_population(w)
    rings = {
        "human": human_ring(w),
        "template_proxy": template_proxy_ring(w)[0],
        "hub_spoke": hub_and_spoke(w),
    }
    confounders(w)
    w.write(clean_db)
    return clean_db, rings
