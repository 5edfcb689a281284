"""What ties each true ring together in a world, by identifier family (uses the labels).

    python benchmarks/heldout/evidence.py WORLD_DIR

For each ring and each family (card = payment instrument, device, address = login or
exchange IP, template = prompt fingerprint), prints the share of the ring's accounts
that share at least one value of that family with another account of the same ring,
and in brackets the median number of outsiders (accounts not in that ring) on those
tying values: 1.00 (0) is a clean tie, 1.00 (150) a tie buried in honest traffic.
A ring with no clean tie in any family holds no evidence a detector could use, which is
what to say about it rather than fitting to it. Reads whichever files the world has.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd


def _read(world: Path, kind: str) -> pd.DataFrame | None:
    for name in (f"{kind}.parquet", f"{kind}.csv", f"{kind}.csv.gz"):
        if (world / name).exists():
            if name.endswith(".parquet"):
                return pd.read_parquet(world / name)
            return pd.read_csv(world / name, dtype=str, keep_default_na=False)
    return None


def links(world: Path) -> pd.DataFrame:
    """(account_id, family, value) rows, one per distinct use."""
    parts = []
    instruments, logins, exchanges = (_read(world, k) for k in ("payment_instruments", "logins", "exchanges"))
    if instruments is not None:
        parts.append(instruments[["account_id", "instrument_id"]].set_axis(["account_id", "value"], axis=1)
                     .assign(family="card"))
    if logins is not None and "device_id" in logins:
        parts.append(logins[["account_id", "device_id"]].set_axis(["account_id", "value"], axis=1)
                     .assign(family="device"))
    addresses = [f[["account_id", "ip"]] for f in (logins, exchanges) if f is not None and "ip" in f]
    if addresses:
        parts.append(pd.concat(addresses).set_axis(["account_id", "value"], axis=1).assign(family="address"))
    if exchanges is not None and "prompt_fingerprint" in exchanges:
        parts.append(exchanges[["account_id", "prompt_fingerprint"]].set_axis(["account_id", "value"], axis=1)
                     .assign(family="template"))
    out = pd.concat(parts).drop_duplicates()
    return out[out["value"].astype(str) != ""]


def ties(world: Path) -> pd.DataFrame:
    """Rows per ring, columns per family: 'share (median outsiders)'."""
    labels = _read(world, "labels")
    rings = labels[labels["ring_id"] != ""]
    use = links(world)
    users = use.groupby(["family", "value"])["account_id"].nunique().rename("users")
    inside = use.merge(rings[["account_id", "ring_id"]], on="account_id")
    per_ring = inside.groupby(["ring_id", "family", "value"])["account_id"].nunique().rename("inside").reset_index()
    per_ring = per_ring.join(users, on=["family", "value"])
    tying = per_ring[per_ring["inside"] >= 2]
    tied = inside.merge(tying[["ring_id", "family", "value"]], on=["ring_id", "family", "value"])
    size = rings["ring_id"].value_counts()
    table = {}
    for family in ("card", "device", "address", "template"):
        share = (tied[tied["family"] == family].groupby("ring_id")["account_id"].nunique()
                 .reindex(size.index).fillna(0) / size)
        outsiders = (tying[tying["family"] == family].assign(out=lambda d: d["users"] - d["inside"])
                     .groupby("ring_id")["out"].median())
        table[family] = {r: f"{share[r]:.2f} ({int(outsiders[r]) if r in outsiders else '-'})" for r in size.index}
    frame = pd.DataFrame(table)
    frame.insert(0, "accounts", size)
    return frame.sort_index()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("world", type=Path, help="a world folder with labels.csv")
    args = parser.parse_args(argv)
    with pd.option_context("display.width", 200):
        print(ties(args.world).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
