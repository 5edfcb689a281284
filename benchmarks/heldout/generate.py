"""Write a labelled held-out world for RingScope in the interchange format.

    python benchmarks/heldout/generate.py OUT_DIR --seed 1 --size small
    python benchmarks/heldout/generate.py OUT_DIR --seed 1 --size medium --no-exchanges

An independent generator (it shares no code or parameters with `ringscope seed`) of an
AI API provider's accounts with eight distillation rings of different tradecraft
(`rings.py`) among honest customers with realistic confounders (`legit.py`). The files
follow shared/spec/interchange.md: accounts.csv, payment_instruments.csv, logins.csv,
exchanges.parquet, ip_intel.csv, labels.csv, plus heldout_manifest.json (seed, size,
counts and the rings' tradecraft; not part of the contract, ignored by ingest).

A world is a pure function of (seed, size): the same arguments give byte-identical
files. `--no-exchanges` / `--no-logins` leave that file out of the same world (every
other file is unchanged), for worlds where a team has only sign-up and payment exports.
Needs numpy, pandas and pyarrow only.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from legit import build_infrastructure, build_population  # noqa: E402
from rings import RING_SIZES, RINGS  # noqa: E402
from world import World, component_rng  # noqa: E402

TARGET_ACCOUNTS = {"small": 5000, "medium": 40000}
FILES = ("accounts.csv", "payment_instruments.csv", "logins.csv", "exchanges.parquet", "ip_intel.csv", "labels.csv",
         "heldout_manifest.json")


def build(seed: int, size: str) -> tuple[World, list[dict]]:
    """The world for (seed, size) and its rings as [{ring_id, tradecraft, accounts}]."""
    if size not in TARGET_ACCOUNTS:
        raise ValueError(f"unknown size {size!r}: use one of {', '.join(TARGET_ACCOUNTS)}")
    world = World(seed=seed, size=size)
    infra = build_infrastructure(world)
    size_rng = component_rng(seed, "ring-sizes")
    sizes = [int(np.clip(round(b * size_rng.uniform(0.85, 1.15)), 20, 200)) for b in RING_SIZES[size]]
    build_population(world, infra, TARGET_ACCOUNTS[size] - sum(sizes))
    rings = []
    for k, ((name, make), n) in enumerate(zip(RINGS, sizes), start=1):
        ring_id = f"heldout-{k}-{name}"
        make(world, component_rng(seed, f"ring-{name}"), infra, ring_id, n)
        rings.append(dict(ring_id=ring_id, tradecraft=name, accounts=n))
    return world, rings


def _iso(seconds: np.ndarray) -> np.ndarray:
    return pd.to_datetime(np.asarray(seconds, np.int64), unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy()


def _frames(world: World) -> dict[str, pd.DataFrame]:
    accounts = pd.DataFrame(world.accounts).sort_values(["created_at", "account_id"], kind="stable")
    accounts["created_at"] = _iso(accounts["created_at"])
    # One row is one account's use of one instrument: a ring account that drew the same
    # shared card twice keeps its first row.
    instruments = (pd.DataFrame(world.instruments).drop_duplicates(["account_id", "instrument_id"])
                   .sort_values(["first_seen", "account_id", "instrument_id"], kind="stable"))
    instruments["first_seen"] = _iso(instruments["first_seen"])
    instruments["last_seen"] = _iso(instruments["last_seen"])
    cols = list(zip(*world.login_parts))
    logins = pd.DataFrame(dict(account_id=np.concatenate(cols[0]), ts=np.concatenate(cols[1]),
                               ip=np.concatenate(cols[2]), device_id=np.concatenate(cols[3])))
    logins["user_agent"] = logins["device_id"].map(world.devices)
    logins = logins.sort_values(["ts", "account_id"], kind="stable")
    logins["ts"] = _iso(logins["ts"])
    cols = list(zip(*world.exchange_parts))
    names = ["account_id", "ts", "ip", "api_key_id", "model", "input_tokens", "output_tokens", "prompt_fingerprint"]
    exchanges = pd.DataFrame({name: np.concatenate(c) for name, c in zip(names, cols)})
    exchanges = exchanges.sort_values(["ts", "account_id"], kind="stable")
    intel = pd.DataFrame(world.net.intel).drop_duplicates("network", keep="last")
    labels = pd.DataFrame(world.labels).sort_values("account_id")
    return dict(accounts=accounts, payment_instruments=instruments, logins=logins, exchanges=exchanges,
                ip_intel=intel, labels=labels)


def write(world: World, rings: list[dict], out: Path, *, exchanges: bool = True, logins: bool = True) -> dict:
    """Write the files into `out` (created; files of an earlier world there are replaced). Returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        (out / name).unlink(missing_ok=True)
    frames = _frames(world)
    for kind in ("accounts", "payment_instruments", "ip_intel", "labels") + (("logins",) if logins else ()):
        frames[kind].to_csv(out / f"{kind}.csv", index=False)
    if exchanges:
        ex = frames["exchanges"]
        table = pa.table({
            "account_id": pa.array(ex["account_id"].to_numpy(), pa.string()),
            "ts": pa.array(ex["ts"].to_numpy(np.int64) * 1_000_000, pa.timestamp("us", tz="UTC")),
            "ip": pa.array(ex["ip"].to_numpy(), pa.string()),
            "api_key_id": pa.array(ex["api_key_id"].to_numpy(), pa.string()),
            "model": pa.array(ex["model"].to_numpy(), pa.string()),
            "input_tokens": pa.array(ex["input_tokens"].to_numpy(np.int64), pa.int64()),
            "output_tokens": pa.array(ex["output_tokens"].to_numpy(np.int64), pa.int64()),
            "prompt_fingerprint": pa.array(ex["prompt_fingerprint"].to_numpy(), pa.string()),
        })
        pq.write_table(table, out / "exchanges.parquet", compression="zstd", row_group_size=500_000)
    manifest = dict(
        generator="benchmarks/heldout/generate.py", seed=world.seed, size=world.size,
        files={k: int(len(v)) for k, v in frames.items()
               if (k != "exchanges" or exchanges) and (k != "logins" or logins)},
        legitimate_accounts=int((frames["labels"]["ring_id"] == "").sum()),
        rings=rings,
    )
    (out / "heldout_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path, help="folder to write the world into (created if missing)")
    parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same files (default 1)")
    parser.add_argument("--size", choices=sorted(TARGET_ACCOUNTS), default="small",
                        help="small: ~5,000 accounts; medium: ~40,000 accounts; 8 rings either way (default small)")
    parser.add_argument("--no-exchanges", action="store_true", help="leave exchanges out (identifier-only world)")
    parser.add_argument("--no-logins", action="store_true", help="leave logins out")
    args = parser.parse_args(argv)
    world, rings = build(args.seed, args.size)
    manifest = write(world, rings, args.out_dir, exchanges=not args.no_exchanges, logins=not args.no_logins)
    counts = ", ".join(f"{k} {v:,}" for k, v in manifest["files"].items())
    print(f"wrote {args.out_dir}: {counts}; {len(rings)} rings "
          f"({sum(r['accounts'] for r in rings):,} accounts), {manifest['legitimate_accounts']:,} legitimate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
