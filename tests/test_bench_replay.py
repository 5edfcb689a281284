"""`benchmarks/bench_replay.py` refuses a world it cannot measure before it empties the
database (it resets the configured database, then replays). Against the private test
server: a node put there first must still be there after the refusal."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ringscope import db

ROOT = Path(__file__).resolve().parent.parent
WORLD = ROOT / "tests" / "worlds" / "multiday"


def test_a_world_without_labels_is_refused_in_one_line_before_anything_is_reset(clean_db, tmp_path):
    """Break-it report: `bench_replay.py WORLD --yes` on a world without labels.csv emptied
    the database, replayed every day and printed zeros with exit 0."""
    world = tmp_path / "unlabelled"
    shutil.copytree(WORLD, world, ignore=shutil.ignore_patterns("labels*", "*.py"))
    db.run_write("CREATE (:ReplayCanary {at: 'before'})", settings=clean_db)
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_replay.py"), str(world), "--yes"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 1, (out.stdout[-2000:], out.stderr[-2000:])
    assert out.stdout == "" and out.stderr.count("\n") == 1, out.stderr
    assert "no labels.csv" in out.stderr and "nothing was reset" in out.stderr, out.stderr
    assert db.run_write("MATCH (n:ReplayCanary) RETURN count(n) AS n", settings=clean_db) == [{"n": 1}]


def test_a_missing_world_folder_is_refused_in_one_line(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_replay.py"), str(tmp_path / "nope"), "--yes"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "no such folder" in out.stderr, out.stderr
