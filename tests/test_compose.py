"""docker-compose.yml cannot run here (no Docker engine), so check it stays valid
and equivalent to the locally provisioned server's settings."""
from __future__ import annotations

from pathlib import Path

import yaml

from ringscope.config import LocalServer, PROJECT_ROOT
from ringscope.server import local

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


def compose_env_key(setting: str) -> str:
    """Neo4j's image maps NEO4J_a_b__c to the setting a.b_c."""
    return "NEO4J_" + setting.replace("_", "__").replace(".", "_")


def test_neo4j_service_pins_the_same_version_line_as_the_manifest():
    neo4j = COMPOSE["services"]["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "<neo4j.version>5.26." in local.MANIFEST.read_text()
    assert neo4j["environment"]["NEO4J_PLUGINS"] == '["apoc"]'


def test_every_behavioural_setting_of_the_local_server_is_in_compose():
    rendered = local.render_config(LocalServer(home=Path("/x")), local.ServerPaths(Path("/x")))
    settings = dict(line.split("=", 1) for line in rendered.splitlines() if line and not line.startswith("#"))
    env = COMPOSE["services"]["neo4j"]["environment"]
    # Paths and listen addresses differ by design inside a container; ports are
    # published on 127.0.0.1 instead. Everything else must match.
    skip_prefixes = ("server.directories.", "server.default_listen_address", "server.bolt.", "server.http.")
    for key, value in settings.items():
        if key.startswith(skip_prefixes) or key == "dbms.security.auth_enabled":
            continue
        if key.startswith("server.memory."):
            assert compose_env_key(key) in env, key
            continue
        assert str(env.get(compose_env_key(key))) == value, f"{key} differs between compose and the local server"


def test_ports_are_published_on_loopback_only_and_data_is_a_named_volume():
    for service in COMPOSE["services"].values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port
    neo4j = COMPOSE["services"]["neo4j"]
    assert any(v.startswith("neo4j-data:") for v in neo4j["volumes"])
    assert "neo4j-data" in COMPOSE["volumes"]
    assert neo4j["healthcheck"]["test"]


def test_app_service_waits_for_a_healthy_neo4j_and_reads_credentials_from_env():
    app = COMPOSE["services"]["app"]
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert app["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    assert "${NEO4J_PASSWORD" in app["environment"]["NEO4J_PASSWORD"]
