"""Benchmark: the robustness matrix (issue 11). Every tradecraft scenario of
`ringscope seed --scenario` x seeds, plus leave-one-family-out on the standard world,
plus any labelled world given, each loaded into the configured (EMPTY) database,
detected and scored next to the two components baselines. The same code as
`ringscope evaluate --matrix` (ringscope/detection/matrix.py); this script adds the
machine note, the load average and a JSON file. Prints its figures; it is not a test.

    python benchmarks/bench_matrix.py --reset --json out/matrix.json --markdown out/matrix.md
    python benchmarks/bench_matrix.py --scenarios template_only --seeds 1 --families ''
    python benchmarks/bench_matrix.py --scenarios '' --families '' --world /data/heldout_small

Target (issue 11): every cell F1 >= 0.9 with no false ring, except cells whose world
no longer holds evidence that ties a ring together (the "tied by data" column).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

from ringscope.config import load_settings
from ringscope.detection.matrix import (FAMILIES, SCENARIO_SIZE, SCENARIOS, SEEDS, WORLD_SIZE, format_matrix,
                                        markdown_matrix, markdown_summary, parse_seeds, plan_cells, run_matrix)


def _list(text: str | None, default: tuple, cast=str) -> tuple:
    return default if text is None else tuple(cast(x.strip()) for x in text.split(",") if x.strip())


def _seeds(text: str) -> tuple[int, ...]:
    try:
        return parse_seeds(text)
    except ValueError as exc:  # argparse then says it in one usage line, before anything runs
        raise argparse.ArgumentTypeError(str(exc)) from None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenarios", help=f"comma-separated (default all: {','.join(SCENARIOS)}); '' for none")
    p.add_argument("--seeds", type=_seeds, help="comma-separated seeds per scenario (default 1,2,3)")
    p.add_argument("--families", help=f"families left out one at a time (default all: {','.join(FAMILIES)}); '' for none")
    p.add_argument("--family-seeds", type=_seeds, help="seeds of the leave-one-family-out worlds (default 1,2,3)")
    p.add_argument("--world", action="append", default=[], type=Path, help="a labelled world to add as a row (repeatable)")
    p.add_argument("--reset", action="store_true", help="wipe a database holding data before the first cell")
    p.add_argument("--work-dir", type=Path, help="where generated worlds go (default: a temporary folder)")
    p.add_argument("--keep-worlds", action="store_true", help="keep the generated worlds")
    p.add_argument("--json", type=Path, help="write the figures (and the machine note) to this JSON file")
    p.add_argument("--markdown", type=Path, help="write the Markdown table to this file")
    args = p.parse_args()

    seeds = SEEDS if args.seeds is None else args.seeds
    family_seeds = SEEDS if args.family_seeds is None else args.family_seeds
    cells = plan_cells(_list(args.scenarios, SCENARIOS), seeds, _list(args.families, FAMILIES), family_seeds, args.world)
    started = dt.datetime.now(dt.timezone.utc)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    results = run_matrix(cells, settings=load_settings(), reset=args.reset, work_dir=args.work_dir,
                         keep_worlds=args.keep_worlds, log=lambda m: print(m, file=sys.stderr, flush=True))
    seconds = time.perf_counter() - t0
    note = (f"{started:%Y-%m-%d %H:%M} UTC, {platform.node()}: {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {len(results)} cells in {seconds:.0f} s; load average "
            f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after; world size {WORLD_SIZE}, "
            f"per scenario {SCENARIO_SIZE}")
    print(format_matrix(results))
    print(note)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown_summary(results) + "\n\n" + markdown_matrix(results) + "\n\n" + note + "\n")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"note": note, "seconds": round(seconds, 1),
                                         "cells": [r.as_dict() for r in results]}, indent=2))


if __name__ == "__main__":
    main()
