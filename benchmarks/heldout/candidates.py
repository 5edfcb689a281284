"""Every candidate group and dense block of the loaded world, next to its labels.

    ringscope evaluate WORLD_DIR --reset          # or ringscope ingest WORLD_DIR
    python benchmarks/heldout/candidates.py WORLD_DIR/labels.csv [--min-size 3]

Runs detection without writing (`pipeline.detect(write=False)`, the run `detect` makes)
and prints

- each dense block the FRAUDAR search kept (`blocks.find_blocks`): accounts, columns,
  density, lift, purity, and what its accounts are by label;
- each candidate group the evidence rule judged, rings and groups that fell short alike,
  ordered by S + B: its label make-up, per family (R, e), S, B, and three figures of its
  *private* templates (sent by >= 2 members, at least half of their senders inside the
  group): how many (`priv`), how many the median member sends (`per_member`), and the
  median exchanges per member and private template (`ex_per_tmpl`).

What it is for: to see how far a missed ring stands from the honest groups that look
like it (classes, hackathons, company teams), on the figures the rule reads and on
figures it does not, before proposing a rule. Labels are read only to name the rows.
Needs the project's environment (.venv) and a configured database.
"""
from __future__ import annotations

import argparse
import collections

import numpy as np
import pandas as pd

from ringscope.detection.pipeline import detect


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels")
    ap.add_argument("--min-size", type=int, default=3)
    args = ap.parse_args()
    labels = pd.read_csv(args.labels, keep_default_na=False, dtype=str)
    # honest accounts by persona: the held-out generator's `role`, `ringscope seed`'s `cohort`
    persona = labels["cohort"] if "cohort" in labels.columns else labels["role"]
    kind = {a: (r.split("-", 2)[-1] if r else p) for a, r, p in zip(labels["account_id"], labels["ring_id"], persona)}

    res = detect(write=False)
    ids = res.index.ids

    def makeup(members: np.ndarray) -> dict[str, int]:
        return dict(collections.Counter(kind.get(ids[i], "?") for i in members.tolist()).most_common(4))

    print("== dense blocks")
    for g in res.groups:
        if g.family == "block":
            m = g.meta
            print(f"{g.identifier}: accounts={m['accounts']} columns={m['columns']} density={m['density']} "
                  f"lift={m['lift']} purity={m['purity']} families={','.join(m['families'])} {makeup(g.members)}")

    templates = [g for g in res.groups if g.family == "template"]
    sent: dict[int, list[tuple[int, float]]] = collections.defaultdict(list)
    for k, g in enumerate(templates):
        vol = g.volume if g.volume is not None else np.zeros(g.size)
        for m, v in zip(g.members.tolist(), np.asarray(vol, dtype=float).tolist()):
            sent[m].append((k, v))

    print("== candidate groups (S + B, highest first)")
    for j in sorted(res.judged, key=lambda j: -j.evidence.total):
        if len(j.members) < args.min_size:
            continue
        e = j.evidence
        members = set(j.members.tolist())
        private = set()
        for k, g in enumerate(templates):
            inside = sum(1 for m in g.members.tolist() if m in members)
            if inside >= 2 and inside >= 0.5 * int(g.meta.get("accounts") or g.size):
                private.add(k)
        per_member = [sum(1 for k, _ in sent[m] if k in private) for m in members]
        volumes = [v for m in members for k, v in sent[m] if k in private]
        fams = {f: (round(d.get("redundancy", 0.0), 1), round(d.get("evidence", 0.0), 2))
                for f, d in e.families.items() if d.get("redundancy", 0.0) > 0}
        print(f"n={len(members)} S+B={e.total:.2f} (S={e.structure:.2f} B={e.behaviour_evidence:.2f}) "
              f"ring={e.is_ring} {makeup(j.members)} families={fams} priv={len(private)} "
              f"per_member={float(np.median(per_member)) if per_member else 0:.0f} "
              f"ex_per_tmpl={float(np.median(volumes)) if volumes else 0:.1f}")


if __name__ == "__main__":
    main()
