"""Detection: stored signal queries -> weighted account links -> groups -> evidence -> rings.

The flow, one module each:

- `registry`   one `Signal` record per signal (family, stored query, parameters,
               row -> group, combination, data needs, what ordinary sharing explains).
- `signals`    runs the registered signals (`cypher/detection/`) and turns each
               result into *groups*: one shared identifier (card, device, IP, e-mail
               pattern, sign-up burst, template, dense block, declared org) and the
               accounts sharing it; says which kinds of data the graph lacks.
- `blocks`     dense account x (template, address) blocks: FRAUDAR column weights and
               greedy peeling, kept by purity; private template sets, the clean
               Louvain communities of blocks over templates alone (derived signals).
- `links`      turns groups into weighted account-account links, one score per signal
               family, with rarity weights and time windows (pure numpy, unit-tested).
- `rings`      groups accounts over strong links, splits at clean cuts, peels weakly
               tied members, judges each group on its evidence and explains it.
- `attach`     after judging: accounts whose card, device or e-mail stem a ring owns
               (most of its users are members) join that ring.
- `evidence`   the decision rule: structure beyond what ordinary sharing explains plus
               behaviour, no single family a veto.
- `behaviour`  how script-like each candidate account's usage is, against the graph's
               own baseline.
- `why`        `explain`: why an account is, or is not, in a ring.
- `writeback`  keeps ring ids stable across runs and writes rings without touching
               investigator data.
- `pipeline`   `detect()`: the above in order, with progress.
- `evaluate`   `evaluate_world()`: load a labelled world, detect, compare with labels and
               with two naive baselines.
"""
from __future__ import annotations

DETECTION_VERSION = "2.2"

__all__ = ["DETECTION_VERSION"]
