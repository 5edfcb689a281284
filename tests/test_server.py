"""The project-provisioned Neo4j and the `ringscope db` commands, on a real server."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ringscope import db, schema
from ringscope.server import local


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real `ringscope` entry point in a child process (exit codes and stderr as users see them)."""
    return subprocess.run(
        [sys.executable, "-c", "from ringscope.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_status_reports_version_store_and_counts(clean_db):
    db.run_write("CREATE (:Account {account_id: 'a1'})-[:USED_DEVICE]->(:Device {device_id: 'd1'})")
    out = run_cli("db", "status")
    assert out.returncode == 0, out.stderr
    assert "Neo4j 5.26" in out.stdout and "community" in out.stdout
    assert "nodes:" in out.stdout and "relationships: 1" in out.stdout
    if clean_db.uses_local_server:
        assert "store:" in out.stdout


def test_start_is_idempotent(neo4j_settings):
    if not neo4j_settings.uses_local_server:
        pytest.skip("tests run against a remote server")
    first = local.read_pid(local.ServerPaths(neo4j_settings.local.home))
    out = run_cli("db", "start")
    assert out.returncode == 0, out.stderr
    assert "already running" in out.stdout
    assert local.read_pid(local.ServerPaths(neo4j_settings.local.home)) == first


def test_migrate_twice_changes_nothing_the_second_time(clean_db):
    schema.migrate(clean_db)
    constraints = db.run_read("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names")[0]["names"]
    out = run_cli("db", "migrate")
    assert out.returncode == 0, out.stderr
    assert "up to date" in out.stdout
    again = db.run_read("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names")[0]["names"]
    assert sorted(again) == sorted(constraints)
    assert {"account_id", "instrument_id", "device_id", "ip_address", "ring_id"} <= set(again)
    versions = schema.applied_versions(clean_db)
    assert versions == sorted({m.version for m in schema.migrations()})


def test_every_node_key_is_unique(clean_db):
    db.run_write("CREATE (:Account {account_id: 'dup'})")
    with pytest.raises(db.QueryFailed, match="already exists"):
        db.run_write("CREATE (:Account {account_id: 'dup'})")


def test_reset_needs_yes_and_then_empties_the_database(clean_db):
    db.run_write("UNWIND range(1, 50) AS i CREATE (:Account {account_id: toString(i)})")
    refused = run_cli("db", "reset")
    assert refused.returncode != 0
    assert "--yes" in refused.stderr and "Traceback" not in refused.stderr
    assert db.run_read("MATCH (n:Account) RETURN count(n) AS n")[0]["n"] == 50
    done = run_cli("db", "reset", "--yes")
    assert done.returncode == 0, done.stderr
    # minutes on a graph of millions: it says how far it is (lines on stderr when not a terminal)
    nodes = re.findall(r"^deleting nodes: ([\d,]+)/([\d,]+)", done.stderr, re.M)
    assert nodes and nodes[-1][0] == nodes[-1][1] and int(nodes[-1][1].replace(",", "")) >= 50, done.stderr
    assert "deleting relationships: 0/0" in done.stderr
    assert "database emptied" in done.stdout
    assert db.run_read("MATCH (n) WHERE NOT n:SchemaMigration RETURN count(n) AS n")[0]["n"] == 0
    assert schema.applied_versions(clean_db), "reset re-applies the schema"


def test_wrong_password_is_one_line_and_non_zero(neo4j_settings):
    out = run_cli("db", "status", env={"NEO4J_PASSWORD": "not-the-password"})
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "refused user 'neo4j'" in lines[0] and "NEO4J_PASSWORD" in lines[0]


def test_dead_port_is_one_line_and_non_zero(neo4j_settings):
    port = free_port()
    out = run_cli("db", "status", env={"NEO4J_URI": f"bolt://127.0.0.1:{port}"})
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert f"cannot reach Neo4j at bolt://127.0.0.1:{port}" in lines[0]


def test_unreachable_remote_uri_is_a_clear_error(neo4j_settings):
    remote = replace(neo4j_settings, uri=f"neo4j://127.0.0.1:{free_port()}", uses_local_server=False)
    with pytest.raises(db.DatabaseUnavailable, match="cannot reach Neo4j .* check NEO4J_URI"):
        db.get_driver(remote)


def test_read_paths_are_read_only_on_the_server(clean_db):
    with pytest.raises(db.QueryFailed, match="read-only"):
        db.run_read("CREATE (:Account {account_id: 'sneaky'})")
    assert db.run_read("MATCH (a:Account {account_id: 'sneaky'}) RETURN count(a) AS n")[0]["n"] == 0


def _scratch_home(tmp_path: Path, settings) -> Path:
    """A second server folder reusing the provisioned jars (no second download)."""
    source = local.ServerPaths(settings.local.home)
    home = tmp_path / "neo4j"
    home.mkdir()
    for name in ("lib", "plugins"):
        (home / name).symlink_to(getattr(source, name))
    shutil.copy(source.stamp, home / ".manifest-sha256")
    return home


def test_a_taken_port_is_refused_before_starting(neo4j_settings, tmp_path):
    if not neo4j_settings.uses_local_server:
        pytest.skip("needs the local server's jars")
    home = _scratch_home(tmp_path, neo4j_settings)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        settings = neo4j_settings.with_local(home=home, bolt_port=taken, http_port=free_port())
        with pytest.raises(local.ServerError, match=f"port {taken} \\(Bolt\\) is already taken.*RINGSCOPE_BOLT_PORT"):
            local.start(settings, timeout=30)
    assert local.read_pid(local.ServerPaths(home)) is None


def test_a_server_that_dies_on_start_names_its_log(neo4j_settings, tmp_path):
    if not neo4j_settings.uses_local_server:
        pytest.skip("needs the local server's jars")
    home = _scratch_home(tmp_path, neo4j_settings)
    # More page cache than the machine has: Neo4j refuses to start.
    settings = neo4j_settings.with_local(home=home, bolt_port=free_port(), http_port=free_port(), pagecache="100000g", heap="256m")
    with pytest.raises(local.ServerError) as err:
        local.start(settings, timeout=120)
    message = str(err.value)
    assert "exited on start" in message and str(home / "logs" / "console.log") in message
    assert "\n" not in message


def test_missing_java_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(local.ServerError, match="Java not found: install a JDK 17") as err:
        local.check_prerequisites()
    assert "\n" not in str(err.value), str(err.value)


def test_missing_maven_is_one_clear_line(monkeypatch, tmp_path):
    java = shutil.which("java")
    assert java, "the test machine has Java"
    monkeypatch.setenv("JAVA_HOME", str(Path(os.path.realpath(java)).parent.parent))
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(local.ServerError, match="Maven not found") as err:
        local.provision(local.ServerPaths(tmp_path / "neo4j"))
    assert "\n" not in str(err.value), str(err.value)


def test_stop_then_start_again(neo4j_settings):
    """The shared test server goes down and comes back: the tests after it find it running again."""
    if not neo4j_settings.uses_local_server:
        pytest.skip("tests run against a remote server")
    db.close_all()
    out = run_cli("db", "stop")
    assert out.returncode == 0 and "stopped" in out.stdout
    status = run_cli("db", "status")
    assert status.returncode != 0 and "ringscope db start" in status.stderr
    assert run_cli("db", "stop").stdout.strip() == "Neo4j was not running"
    started = run_cli("db", "start")
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout
    assert db.run_read("RETURN 1 AS one")[0]["one"] == 1


def test_waiting_for_start_up_fails_fast_on_a_database_that_does_not_exist(neo4j_settings):
    """A definite answer from the server (no such database) ends the wait at once instead
    of after the start-up time-out."""
    import time

    if not neo4j_settings.uses_local_server:
        pytest.skip("tests run against a remote server")
    paths = local.ServerPaths(neo4j_settings.local.home)
    began = time.monotonic()
    with pytest.raises(local.ServerError, match="no database 'nosuchdb'.*fix NEO4J_DATABASE"):
        local._bolt_ready(replace(neo4j_settings, database="nosuchdb"), timeout=120, pid=local.read_pid(paths), paths=paths)
    assert time.monotonic() - began < 30


def test_a_start_refused_by_the_password_leaves_no_server_running(neo4j_settings, tmp_path):
    """Field report: `db start` with a wrong NEO4J_PASSWORD said so, but left the server it had
    launched running, so "delete the store to start afresh" (what the message offers) was done
    under a live server. A start that fails leaves nothing running."""
    if not neo4j_settings.uses_local_server:
        pytest.skip("needs the local server's jars")
    home = _scratch_home(tmp_path, neo4j_settings)
    paths = local.ServerPaths(home)
    first = replace(neo4j_settings.with_local(home=home, bolt_port=free_port(), http_port=free_port(),
                                              heap="256m", pagecache="64m"), password="first-password")
    try:
        local.start(first, timeout=180)
        assert local.read_pid(paths) is not None
        local.stop(first)
        wrong = replace(first, password="another-password")
        with pytest.raises(local.ServerError, match="refuses NEO4J_PASSWORD.*was stopped"):
            local.start(wrong, timeout=180)
        assert local.read_pid(paths) is None
        assert local.start(first, timeout=180)["already_running"] is False  # the right password still works
    finally:
        local.stop(first)  # whatever this test left running (a pid file names it)
