"""A built wheel, installed into a fresh virtualenv, works outside the checkout.

`pip install -e .` hides paths built from `__file__`: the checkout is still there.
This test copies only what pyproject.toml ships (the Dockerfile copies the same), builds
a wheel from the copy, installs it with `--no-deps` into a new virtualenv, and runs its
`ringscope` console script from an empty folder: the catalog must be found as package
data, a stored query must run against the test Neo4j, and nothing may be written inside
the install.

Dependencies are not re-downloaded: the new virtualenv has no site-packages of its own
beyond the wheel, and a `.pth` line appends the test virtualenv's site-packages (a plain
path line, so that folder's own `.pth` files, the editable install's finder among them,
are not run). `ringscope` therefore imports from the wheel only, which the test asserts.
Takes about 15-40 s (a wheel build and a venv).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from ringscope import db
from ringscope.config import PROJECT_ROOT

def _shipped_folders() -> list[str]:
    tool = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return sorted(set(tool["package-dir"].values()))


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh virtualenv holding only the built ringscope wheel."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT_ROOT / name, source / name)
    for folder in _shipped_folders():
        shutil.copytree(PROJECT_ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "target"))
    dist = root / "dist"
    # With build isolation, as `pip install .` builds: pip brings setuptools>=64 (pyproject's
    # build-system) from its cache, or the index on a first run.
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
          "-q", "-w", str(dist), str(source)])
    wheels = list(dist.glob("ringscope-*.whl"))
    assert len(wheels) == 1, wheels
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
          "--disable-pip-version-check", "-q", str(wheels[0])])
    (purelib / "zz_ringscope_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def _cli(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    # The test session's environment already points RingScope at the test server.
    return _run([str(bin_dir / "ringscope"), *args], cwd=cwd, env=dict(os.environ))


def test_the_wheel_imports_ringscope_from_the_install(installed, tmp_path):
    out = _run([str(installed / "python"), "-c",
                "import ringscope, ringscope.catalog as c; print(ringscope.__file__); print(len(c.load_catalog()))"],
               cwd=tmp_path)
    where, count = out.stdout.split()
    assert Path(where).is_relative_to(installed.parent), f"ringscope came from {where}, not the wheel"
    assert not Path(where).is_relative_to(PROJECT_ROOT)
    assert int(count) > 0


def test_query_list_and_a_stored_query_run_from_the_wheel(installed, tmp_path, clean_db):
    from ringscope.catalog import load_catalog

    listed = _cli(installed, tmp_path, "query", "list").stdout.splitlines()
    assert len(listed) == len(load_catalog()), "the installed catalog holds every stored query of the checkout"
    db.run_write("CREATE (:Account {account_id: 'w1'})-[:USED_DEVICE]->(:Device {device_id: 'd1'})")
    rows = json.loads(_cli(installed, tmp_path, "query", "run", "admin_graph_size", "--format", "json").stdout)
    expected = db.run_read("MATCH (n) RETURN count(n) AS nodes, COUNT { ()-->() } AS relationships")
    assert rows == expected and rows[0]["relationships"] == 1
    status = _cli(installed, tmp_path, "db", "status").stdout
    assert "schema:        versions" in status
    written = [p for p in installed.parent.rglob("*") if p.name in (".ringscope", "out", "exports", "rejects")]
    assert not written, f"an installed ringscope wrote inside its install: {written}"


def test_settings_of_an_installed_ringscope_point_at_the_working_folder(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("RINGSCOPE_HOME", "RINGSCOPE_EXPORT_DIR")}
    out = _run([str(installed / "python"), "-c",
                "from ringscope.config import load_settings as l; s = l(); print(s.home); print(s.export_dir)"],
               cwd=tmp_path, env=env)
    home, exports = (Path(line) for line in out.stdout.split())
    assert home == tmp_path.resolve() / ".ringscope"
    assert exports == tmp_path.resolve() / "out" / "exports"
    for path in (home, exports):
        assert not path.is_relative_to(installed.parent), f"{path} lies inside the install"


def test_the_demo_world_ships_in_the_wheel(installed, tmp_path):
    out = _run([str(installed / "python"), "-c", "from ringscope.demo import demo_world; print(demo_world())"], cwd=tmp_path)
    world = Path(out.stdout.strip())
    assert world.is_relative_to(installed.parent)
    assert sorted(p.name for p in world.iterdir() if not p.name.startswith("__")) == sorted(
        p.name for p in (PROJECT_ROOT / "seed_data" / "demo").iterdir() if not p.name.startswith("__"))
