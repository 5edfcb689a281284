"""Break a detector's result down by true ring and by detected ring.

    ringscope rings --format csv > rings.csv
    python benchmarks/heldout/per_ring.py WORLD_DIR/labels.csv rings.csv

`rings.csv` has `ring_id,account_id` rows (extra columns are ignored), one per member
of a detected ring. Prints, per true ring: its size, the detected ring that overlaps it
most, that ring's Jaccard with it, and the share of its accounts in any detected ring;
then per detected ring that matches no true ring at Jaccard >= 0.5: its size and what
its members are (legitimate roles or ring ids), summed per main member kind when there
are more than 20 of them (`--all` lists each). Needs pandas only.
"""
from __future__ import annotations

import argparse
import sys

import pandas as pd


def breakdown(labels: pd.DataFrame, detected: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per true ring, per unmatched detected ring) tables."""
    truth = labels[labels["ring_id"] != ""].groupby("ring_id")["account_id"].agg(set)
    found = detected.groupby("ring_id")["account_id"].agg(set)
    flagged = set(detected["account_id"])
    rows, matched = [], set()
    for ring, members in truth.items():
        best, best_j = "", 0.0
        for det, accounts in found.items():
            j = len(members & accounts) / len(members | accounts)
            if j > best_j:
                best, best_j = det, j
        if best_j >= 0.5:
            matched.add(best)
        rows.append(dict(true_ring=ring, accounts=len(members), best_detected=best, jaccard=round(best_j, 3),
                         recall=round(len(members & flagged) / len(members), 3),
                         pieces=sum(1 for accounts in found if accounts & members)))
    role = labels.set_index("account_id")
    other = []
    for det, accounts in found.items():
        if det in matched:
            continue
        who = role.loc[sorted(accounts)]
        kinds = who["ring_id"].where(who["ring_id"] != "", "legit:" + who["role"]).value_counts()
        other.append(dict(detected_ring=det, accounts=len(accounts), mostly=kinds.index[0],
                          members="; ".join(f"{k} {v}" for k, v in kinds.items())))
    return pd.DataFrame(rows), pd.DataFrame(other)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labels", help="the world's labels.csv (account_id, ring_id, role)")
    parser.add_argument("rings", help="detected rings as CSV with ring_id and account_id columns")
    parser.add_argument("--all", action="store_true",
                        help="list every unmatched detected ring (default: a count per main member kind when over 20)")
    args = parser.parse_args(argv)
    labels = pd.read_csv(args.labels, dtype=str, keep_default_na=False)
    if "role" not in labels:
        labels["role"] = ""
    detected = pd.read_csv(args.rings, dtype=str, keep_default_na=False)
    per_true, unmatched = breakdown(labels, detected)
    with pd.option_context("display.width", 200, "display.max_colwidth", 120):
        print(per_true.to_string(index=False))
        print()
        if not len(unmatched):
            print("no detected ring outside the true rings")
        elif len(unmatched) > 20 and not args.all:
            summary = unmatched.groupby("mostly").agg(rings=("detected_ring", "size"), accounts=("accounts", "sum"))
            print(f"{len(unmatched)} detected rings match no true ring; by their main member kind:")
            print(summary.sort_values("rings", ascending=False).to_string())
        else:
            print(unmatched.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
