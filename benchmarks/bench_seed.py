"""Benchmark the world generator: wall time and peak RSS of `ringscope seed` per preset.

    python benchmarks/bench_seed.py                      # demo and medium
    python benchmarks/bench_seed.py incident             # the 10 min / 4 GB target
    python benchmarks/bench_seed.py demo medium --keep /tmp/worlds

Each preset runs in its own child process; its peak RSS comes from `os.wait4`
(the kernel's accounting of exactly that child), so numbers are not polluted by
this script or by earlier runs. A script, not a test: the figures depend on the
machine and on whatever else is using its CPUs.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"incident": (600.0, 4096.0)}  # seconds, MB


def run(preset: str, out: Path, seed: int) -> dict:
    cmd = [sys.executable, "-m", "ringscope.cli", "seed", str(out), "--preset", preset, "--seed", str(seed),
           "--no-progress"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"seed --preset {preset} failed:\n{output}")
    stats = {"preset": preset, "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024,
             "cpu_s": usage.ru_utime + usage.ru_stime,
             "bytes": sum(p.stat().st_size for p in out.iterdir())}
    for key, pattern in (("accounts", r"accounts ([\d,]+)"), ("exchanges", r"exchanges ([\d,]+) \("),
                         ("operator_exchanges", r"\(([\d,]+) by operator")):
        m = re.search(pattern, output)
        stats[key] = int(m.group(1).replace(",", "")) if m else -1
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("presets", nargs="*", default=["demo", "medium"], help="presets to run (default: demo medium)")
    ap.add_argument("--seed", type=int, default=7, help="seed passed to ringscope seed")
    ap.add_argument("--keep", type=Path, default=None, help="write worlds here and keep them (default: temp, deleted)")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench_seed_"))
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (other work on the machine slows runs)")
    print(f"{'preset':<10}{'accounts':>12}{'exchanges':>13}{'operator ex.':>14}{'wall s':>9}{'cpu s':>8}"
          f"{'peak RSS MB':>13}{'output MB':>11}  target")
    try:
        for preset in args.presets:
            s = run(preset, base / preset, args.seed)
            target = ""
            if preset in TARGETS:
                max_s, max_mb = TARGETS[preset]
                ok = s["wall_s"] <= max_s and s["peak_rss_mb"] <= max_mb
                target = f"{'met' if ok else 'MISSED'} (<= {max_s:.0f} s, <= {max_mb:.0f} MB)"
            print(f"{preset:<10}{s['accounts']:>12,}{s['exchanges']:>13,}{s['operator_exchanges']:>14,}"
                  f"{s['wall_s']:>9.1f}{s['cpu_s']:>8.1f}{s['peak_rss_mb']:>13.0f}{s['bytes'] / 1e6:>11.1f}  {target}",
                  flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
