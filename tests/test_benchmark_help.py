"""Every benchmark script answers --help with its usage and nothing else: no warnings,
no traceback, no connection to a server (they are commands too)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: modules imported by the scripts, not scripts themselves
LIBRARIES = {"queries.py", "legit.py", "rings.py", "world.py"}
SCRIPTS = sorted(p for p in (ROOT / "benchmarks").rglob("*.py") if p.name not in LIBRARIES)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_help_is_the_usage_alone(script):
    """Field report: `bench_app.py --help` printed a page of Streamlit "No runtime found"
    warnings before its usage."""
    out = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("usage: "), out.stdout[:500]
    assert "WARNING" not in out.stderr and "Traceback" not in out.stderr, out.stderr[-2000:]


def test_the_matrix_benchmark_refuses_seeds_that_are_not_whole_numbers_in_one_line():
    """Field report (analyst CLI pass): `--seeds x` ended in a ValueError traceback; the
    benchmark now parses seeds as `ringscope evaluate --matrix` does, before anything runs."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_matrix.py"), "--seeds", "x"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "argument --seeds: 'x' is not a comma-separated list of seeds" in out.stderr
