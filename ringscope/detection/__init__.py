"""Detection: stored signal queries -> weighted account links -> ranked, explained rings.

The flow, one module each:

- `signals`    runs the stored detection queries (`cypher/detection/`) and turns each
               result into *groups*: one shared identifier (card, device, IP, e-mail
               pattern, sign-up burst, heavily sent template) and the accounts sharing it.
- `links`      turns groups into weighted account-account links, one score per signal
               family, with rarity weights and time windows (pure numpy, unit-tested).
- `behaviour`  scores how script-like each candidate account's usage is, against the
               graph's own baseline (volume, output length, round-the-clock, regularity,
               share of traffic on systematic templates).
- `rings`      groups accounts over strong links (several families agreeing), scores each
               group and writes the evidence that explains it.
- `writeback`  keeps ring ids stable across runs and writes rings without touching
               investigator data.
- `pipeline`   `detect()`: the above in order, with progress.
- `evaluate`   `evaluate_world()`: load a labelled world, detect, compare with labels and
               with two naive baselines.
"""
from __future__ import annotations

DETECTION_VERSION = "1.0"

__all__ = ["DETECTION_VERSION"]
