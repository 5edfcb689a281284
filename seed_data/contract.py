"""Check a world directory against the interchange contract
(`docs/interchange.md`): used by the tests and the benchmark on the
worlds this package writes, and handy on any export before ingesting it.

`check_world(path)` returns a list of human-readable problems (empty: conforms).
"""
from __future__ import annotations

import ipaddress
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

REQUIRED = {
    "accounts": ["account_id", "created_at"],
    "payment_instruments": ["account_id", "instrument_id"],
    "logins": ["account_id", "ts", "ip"],
    "exchanges": ["account_id", "ts"],
    "ip_intel": ["network"],
    "labels": ["account_id"],
}
TIMESTAMPS = {"accounts": ["created_at"], "payment_instruments": ["first_seen", "last_seen"],
              "logins": ["ts"], "exchanges": ["ts"]}
IP_KINDS = {"residential", "mobile", "hosting", "vpn", "proxy", "corporate", "education"}
INSTRUMENT_KINDS = {"card", "bank", "wallet", "crypto"}
LINK_FILES = ["payment_instruments", "logins", "exchanges", "labels"]


def find(world: Path, name: str) -> Path | None:
    for ext in (".parquet", ".csv.gz", ".csv"):
        p = Path(world) / f"{name}{ext}"
        if p.exists():
            return p
    return None


def read(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pq.read_table(path, columns=columns).to_pandas()
    return pd.read_csv(path, dtype=str, keep_default_na=False, usecols=columns)


def _bad_timestamps(s: pd.Series) -> int:
    if pd.api.types.is_datetime64_any_dtype(s):
        return int(s.isna().sum())
    parsed = pd.to_datetime(s.where(s != ""), utc=True, errors="coerce", format="ISO8601")
    return int((parsed.isna() & (s != "")).sum())


def _bad_ips(values) -> list[str]:
    bad = []
    for v in pd.unique(pd.Series(values)):
        try:
            ipaddress.ip_address(v)
        except ValueError:
            bad.append(v)
    return bad


def check_world(world: Path) -> list[str]:
    problems: list[str] = []
    frames: dict[str, pd.DataFrame] = {}
    for name, cols in REQUIRED.items():
        p = find(world, name)
        if p is None:
            problems.append(f"{name}: file missing")
            continue
        df = read(p)
        frames[name] = df
        for c in cols:
            if c not in df.columns:
                problems.append(f"{p.name}: required column {c} missing")
            elif (df[c].isna() | (df[c].astype(str) == "")).any():
                problems.append(f"{p.name}: {int((df[c].isna() | (df[c].astype(str) == '')).sum())} empty {c}")
        for c in TIMESTAMPS.get(name, []):
            if c in df.columns and _bad_timestamps(df[c]):
                problems.append(f"{p.name}: {_bad_timestamps(df[c])} unparsable timestamps in {c}")
        if p.suffix == ".parquet" and "ts" in df.columns and not isinstance(df["ts"].dtype, pd.DatetimeTZDtype):
            problems.append(f"{p.name}: ts is not a UTC timestamp column ({df['ts'].dtype})")
        if "ip" in df.columns:
            bad = _bad_ips(df["ip"][df["ip"] != ""])
            if bad:
                problems.append(f"{p.name}: {len(bad)} unparsable IPs, e.g. {bad[:3]}")
    if "accounts" in frames:
        ids = frames["accounts"]["account_id"]
        if ids.duplicated().any():
            problems.append("accounts: duplicate account_id")
        known = set(ids)
        for name in LINK_FILES:
            if name in frames:
                unknown = set(frames[name]["account_id"].unique()) - known
                if unknown:
                    problems.append(f"{name}: {len(unknown)} account_id not in accounts")
        if "labels" in frames and len(frames["labels"]) != len(known):
            problems.append("labels: not exactly one row per account")
    if "ip_intel" in frames:
        intel = frames["ip_intel"]
        for net in intel["network"]:
            try:
                ipaddress.ip_network(net, strict=True)
            except ValueError:
                problems.append(f"ip_intel: bad network {net!r}")
                break
        if "kind" in intel.columns:
            odd = set(intel["kind"]) - IP_KINDS - {""}
            if odd:
                problems.append(f"ip_intel: unknown kind {sorted(odd)}")
    if "payment_instruments" in frames and "kind" in frames["payment_instruments"].columns:
        odd = set(frames["payment_instruments"]["kind"]) - INSTRUMENT_KINDS - {""}
        if odd:
            problems.append(f"payment_instruments: unknown kind {sorted(odd)}")
    return problems
