"""`evaluate`'s components baseline with any cap on busy identifiers and any
smallest ring, on the world loaded in the configured database.

    ringscope evaluate WORLD_DIR --reset          # load the world (empties the database!)
    python benchmarks/public/cap_baseline.py WORLD_DIR --cap 4 --min-size 3

Components over every card, device and IP shared by 2..cap accounts
(`evaluate.baseline_rings`, the stored query `baseline_shared_identifiers`), each
component of at least `min-size` accounts a ring, scored against WORLD_DIR's labels by
`evaluate.score`. `evaluate`'s baseline B is cap 25 with groups of 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ringscope.detection.evaluate import baseline_rings, read_labels, score
from ringscope.errors import RingScopeError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("world", type=Path, help="the world directory whose labels.csv scores the loaded graph")
    parser.add_argument("--cap", type=int, default=4, help="identifiers shared by more accounts are dropped (default 4)")
    parser.add_argument("--min-size", type=int, default=3, help="smallest component reported (default 3)")
    args = parser.parse_args(argv)
    try:
        labels = read_labels(args.world)
        rings = [r for r in baseline_rings(args.cap) if len(r) >= args.min_size]
    except RingScopeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    s = score(f"components, cap {args.cap}, groups >= {args.min_size}", rings, labels)
    print(f"{args.world.name}: {s.name}: {s.flagged:,} accounts in {s.rings_detected:,} rings; "
          f"precision {s.precision:.3f} recall {s.recall:.3f} F1 {s.f1:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
