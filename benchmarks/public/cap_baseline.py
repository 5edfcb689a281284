"""A components baseline with a cap on busy identifiers, for any labelled world.

    python benchmarks/public/cap_baseline.py WORLD_DIR --cap 4 --min-size 3

Links accounts through every card (`payment_instruments.instrument_id`), sign-in
address and device (`logins.ip`, `logins.device_id`) shared by 2..cap accounts, and
reports each connected component of at least `min-size` accounts as a ring; prints
account precision / recall / F1 against `labels.csv` (`ring_id` not empty: positive).
`evaluate`'s baseline B is the same with cap 25 and groups of 2. Needs pandas and
networkx. Files or columns a world lacks are skipped.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import networkx as nx
import pandas as pd

LINKS = (("payment_instruments.csv", "instrument_id"), ("logins.csv", "ip"), ("logins.csv", "device_id"))


def flagged(world: Path, cap: int, min_size: int) -> tuple[set[str], int]:
    """(accounts in a reported component, number of components reported)."""
    graph = nx.Graph()
    for name, column in LINKS:
        path = world / name
        if not path.exists():
            continue
        head = pd.read_csv(path, nrows=0)
        if column not in head.columns:
            continue
        rows = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["account_id", column]).drop_duplicates()
        for _value, accounts in rows[rows[column] != ""].groupby(column)["account_id"]:
            members = accounts.tolist()
            if 2 <= len(members) <= cap:
                graph.add_edges_from(zip(members[:-1], members[1:]))
    out: set[str] = set()
    rings = 0
    for component in nx.connected_components(graph):
        if len(component) >= min_size:
            out |= component
            rings += 1
    return out, rings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("world", type=Path)
    parser.add_argument("--cap", type=int, default=4, help="identifiers shared by more accounts are dropped (default 4)")
    parser.add_argument("--min-size", type=int, default=3, help="smallest component reported (default 3)")
    args = parser.parse_args(argv)
    labels_path = args.world / "labels.csv"
    if not labels_path.exists():
        print(f"error: {labels_path} not found: the world needs labels to be scored", file=sys.stderr)
        return 2
    labels = pd.read_csv(labels_path, dtype=str, keep_default_na=False)
    positive = set(labels.loc[labels["ring_id"] != "", "account_id"])
    found, rings = flagged(args.world, args.cap, args.min_size)
    tp = len(found & positive)
    p = tp / len(found) if found else 0.0
    r = tp / len(positive) if positive else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(f"{args.world.name}: cap {args.cap}, groups >= {args.min_size}: {len(found):,} accounts in {rings:,} rings; "
          f"precision {p:.3f} recall {r:.3f} F1 {f1:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
