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


# ---------------------------------------------------------------- the README's systemd units

README = Path(__file__).resolve().parents[1] / "README.md"
#: the harness below plays systemd for a Type=forking service: a child subreaper (as PID 1
#: is) runs ExecStartPre, ExecStart, reads PIDFile, runs ExecStop and reaps the main process
FORKING_HARNESS = r"""
import ctypes, json, os, shlex, subprocess, sys, time
unit = json.loads(sys.argv[1])
assert ctypes.CDLL(None).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
def run(line):
    cmd = shlex.split(line.lstrip("-"))
    p = subprocess.run(cmd, cwd=unit["WorkingDirectory"], capture_output=True, text=True, timeout=300)
    return {"rc": p.returncode, "out": p.stdout.strip(), "err": p.stderr.strip()[-500:]}
def info(pid):
    stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return {"pid": pid, "ppid": int(stat[1]), "exe": os.path.basename(open(f"/proc/{pid}/cmdline").read().split("\0")[0])}
out = {"me": os.getpid()}
# a server started by hand before the unit: ExecStartPre must stop it
out["by_hand"] = run(unit["ExecStart"])
hand_pid = int(open(unit["PIDFile"]).read())
out["pre"] = run(unit["ExecStartPre"])
out["hand_alive_after_pre"] = os.path.exists(f"/proc/{hand_pid}") and open(f"/proc/{hand_pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
out["start"] = run(unit["ExecStart"])
main = int(open(unit["PIDFile"]).read())
out["main"] = info(main)
out["status"] = run(unit["ExecStart"].replace(" db start", " db status"))
out["stop"] = run(unit["ExecStop"])
_, status = os.waitpid(main, 0)
out["main_exit"] = os.waitstatus_to_exitcode(status)
out["pid_file_left"] = os.path.exists(unit["PIDFile"])
for pid in (hand_pid,):  # reap the hand-started one too (it was reparented to us)
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
print(json.dumps(out))
"""


def readme_units() -> dict[str, dict[str, str]]:
    """The unit files the README gives (Continuous operation), by file name: key -> value
    (a key given twice keeps the last), plus the file's text under "text"."""
    text = README.read_text()
    units: dict[str, dict[str, str]] = {}
    for block in re.findall(r"```ini\n(.*?)```", text, re.S):
        for name, body in re.findall(r"^# /etc/systemd/system/(\S+)\n(.*?)(?=^# /etc/systemd/system/|\Z)", block, re.S | re.M):
            unit = {"text": body}
            for line in body.splitlines():
                if "=" in line and not line.startswith("#"):
                    key, value = line.split("=", 1)
                    unit[key.strip()] = value.strip()
            units[name] = unit
    return units


def test_the_readme_cycle_requires_a_server_unit_that_systemd_can_follow():
    """Break-it report: after a reboot nothing started Neo4j, so the README's timer
    (`Persistent=true` runs a missed day at boot) and cron line failed with "cannot reach
    Neo4j". The README gives a server unit that systemd can track (db start forks the JVM and
    exits: Type=forking with the pid file db start writes, not a oneshot whose cgroup would
    take the JVM down), and the cycle requires it and starts after it."""
    units = readme_units()
    server, cycle, timer = units["ringscope-neo4j.service"], units["ringscope-cycle.service"], units["ringscope-cycle.timer"]
    assert server["Type"] == "forking" and server["ExecStart"].endswith("ringscope db start")
    assert server["ExecStop"].endswith("ringscope db stop") and server["ExecStartPre"].startswith("-")
    workdir = Path(server["WorkingDirectory"])
    # what `db start` run in WorkingDirectory writes (RINGSCOPE_HOME unset: .ringscope/ there)
    assert Path(server["PIDFile"]) == local.ServerPaths(workdir / ".ringscope" / "neo4j").pid_file
    assert "ringscope-neo4j.service" in cycle["Requires"].split()
    assert "ringscope-neo4j.service" in cycle["After"].split()
    assert cycle["WorkingDirectory"] == server["WorkingDirectory"] and cycle["User"] == server["User"]
    assert "--bulk never" in cycle["ExecStart"]  # the bulk path's restarted server would die with the cycle's cgroup
    assert timer["Persistent"] == "true" and units["ringscope-neo4j.service"]["WantedBy"] == "multi-user.target"
    cron = [line for line in README.read_text().splitlines() if line.startswith(("@reboot", "15 6 * * *"))]
    assert len(cron) == 2 and "ringscope db start" in cron[0] and "ringscope db start" in cron[1]


def _units_at(root: Path) -> dict[str, dict[str, str]]:
    """The README's units with /srv/ringscope moved to `root` (whose .venv/bin/ringscope is
    this install's command)."""
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "ringscope").symlink_to(Path(sys.executable).parent / "ringscope")
    units = readme_units()
    return {name: {k: v.replace("/srv/ringscope", str(root)) for k, v in unit.items()} for name, unit in units.items()}


def test_the_readme_units_pass_systemd_analyze_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    units = _units_at(tmp_path)
    folder = tmp_path / "units"
    folder.mkdir()
    for name, unit in units.items():
        (folder / name).write_text(unit["text"])
    out = subprocess.run(["systemd-analyze", "verify", *(str(folder / n) for n in units)],
                         capture_output=True, text=True, timeout=120, cwd=folder)
    # verify exits 0 on some problems (an unknown Type=), but always prints them
    assert out.returncode == 0 and out.stdout.strip() == "" and out.stderr.strip() == "", out.stdout + out.stderr


def test_the_server_unit_commands_behave_as_type_forking_needs(neo4j_settings, tmp_path):
    """Run the README server unit's ExecStartPre, ExecStart and ExecStop the way systemd does
    (a subreaper in place of PID 1): ExecStart exits 0 with the server answering; the pid
    in PIDFile is the JVM, still running after ExecStart exited and reparented to the
    reaper; ExecStop ends it with exit status 0 (a clean stop, no Restart=on-failure) and
    removes the pid file; ExecStartPre stops a server started by hand first."""
    if not neo4j_settings.uses_local_server:
        pytest.skip("needs the local server's jars")
    units = _units_at(tmp_path)
    server = units["ringscope-neo4j.service"]
    home = tmp_path / ".ringscope"
    home.mkdir()
    _scratch_home(home, neo4j_settings)  # .ringscope/neo4j with the provisioned jars
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_URI", "RINGSCOPE_HOME"))}
    env.update(RINGSCOPE_BOLT_PORT=str(free_port()), RINGSCOPE_HTTP_PORT=str(free_port()),
               RINGSCOPE_NEO4J_HEAP="256m", RINGSCOPE_NEO4J_PAGECACHE="64m")
    import json

    out = subprocess.run([sys.executable, "-c", FORKING_HARNESS, json.dumps(server)], capture_output=True, text=True,
                         timeout=900, env=env)
    try:
        assert out.returncode == 0, out.stderr[-3000:]
        r = json.loads(out.stdout)
        assert r["by_hand"]["rc"] == 0 and r["pre"]["rc"] == 0 and r["pre"]["out"] == "Neo4j stopped", r
        assert not r["hand_alive_after_pre"], r
        assert r["start"]["rc"] == 0 and "started" in r["start"]["out"], r["start"]
        assert r["main"]["exe"] == "java" and r["main"]["ppid"] == r["me"], r["main"]  # outlived ExecStart
        assert r["status"]["rc"] == 0 and f"pid {r['main']['pid']}" in r["status"]["out"], r["status"]
        assert r["stop"] == {"rc": 0, "out": "Neo4j stopped", "err": ""}, r["stop"]
        assert r["main_exit"] == 0 and not r["pid_file_left"], r
    finally:
        subprocess.run([str(tmp_path / ".venv" / "bin" / "ringscope"), "db", "stop"], cwd=tmp_path, env=env,
                       capture_output=True, timeout=120)
