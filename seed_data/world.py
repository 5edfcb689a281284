"""Build one world and write it: the orchestration behind `ringscope seed`.

Random streams are split from one ``SeedSequence`` per concern (population, ids,
output order, exchanges, logins) so that, e.g., changing how logins are drawn
does not reshuffle the population, and the same seed always gives the same bytes.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from . import entities as E
from .exchanges import (EXCHANGE_SCHEMA, LOGIN_SCHEMA, Streams, chunks, exchange_chunk, expected_rows, login_chunk,
                        normalise_rates, profile_cdf)
from .operators import build_operators
from .population import World, build_legit
from .presets import DEFAULT_TEMPLATE_SHARE, WorldConfig
from .util import DAY, WINDOW_START_S, arrow_strings, iso_seconds, unique_random_ids
from .writers import CsvSink, ParquetSink, write_csv

WORLD_FILES = ["accounts", "payment_instruments", "logins", "exchanges", "ip_intel", "labels"]

# chunk bounds: ~500k exchange rows (~250 MB of working arrays) per chunk; larger
# chunks were no faster and cost memory
MAX_ROWS_PER_CHUNK = 500_000
MAX_ACCOUNTS_PER_CHUNK = 60_000


def generate(cfg: WorldConfig, out_dir: Path, progress: bool = False,
             log: Callable[[str], None] = lambda _: None) -> dict:
    if cfg.daily:
        return _generate_daily(cfg, Path(out_dir), progress, log)
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    s_pop, s_ids, s_order, s_ex, s_login = np.random.SeedSequence(cfg.seed).spawn(5)

    log("building population and rings")
    w = World(cfg, np.random.default_rng(s_pop))
    build_legit(w)
    rings = build_operators(w)
    cols = w.acc.finalize()
    w.tpl.finalize()
    n = len(cols["ring"])

    rng_ids = np.random.default_rng(s_ids)
    acct_ids = unique_random_ids(rng_ids, n, 12, "acc_")
    dev_ids, dev_ua = w.dev.finalize(rng_ids)
    inst_ids = unique_random_ids(rng_ids, w.inst.n, 16, "pi_")
    rng_order = np.random.default_rng(s_order)
    order = rng_order.permutation(n)  # file order says nothing about cohort or ring
    _dedupe_emails(cols["email"], order, rng_order)

    start, stop, rate = normalise_rates(cols, cfg.days, cfg.legit_exchanges_per_account, cfg.operator_exchanges)
    off, lens, members = w.net.pool_arrays()
    s = Streams(cols=cols, acct_ids=arrow_strings(acct_ids), ip_strings=arrow_strings(w.net.ip_strings()),
                pool_off=off, pool_len=lens, pool_members=members, tpl=w.tpl, profile_cdf=profile_cdf(w.profiles),
                days=cfg.days, start_day=start, stop_day=stop, rate=rate)

    remove_world_files(out_dir)
    written: list[tuple[str, int]] = []
    gz = cfg.compress_csv

    log("writing accounts, labels, payment instruments, ip_intel")
    written.append(write_csv(out_dir / "accounts.csv", pa.table({
        "account_id": acct_ids[order], "created_at": iso_seconds(cols["created"][order]),
        "email": cols["email"][order].astype(str), "display_name": cols["display_name"][order].astype(str),
        "country": cols["country"][order].astype(str), "org_id": cols["org_id"][order].astype(str),
        "tier": cols["tier"][order].astype(str),
    }), gz))
    ring = cols["ring"][order]
    is_op = ring >= 0
    written.append(write_csv(out_dir / "labels.csv", pa.table({
        "account_id": acct_ids[order],
        "ring_id": np.where(is_op, rings["ring_ids"][np.maximum(ring, 0)], ""),
        "role": np.array(E.ROLES)[cols["role"][order]],
        "tradecraft": np.array(E.TRADECRAFTS)[cols["tradecraft"][order]],
        "operator_id": np.where(is_op, rings["operator_ids"][np.maximum(cols["operator"][order], 0)], ""),
        "cohort": np.array(E.COHORTS)[cols["cohort"][order]],
    }), gz))
    written.append(write_csv(out_dir / "payment_instruments.csv",
                             _instruments_table(w, cols, acct_ids, inst_ids, order, stop, rng_order), gz))
    written.append(write_csv(out_dir / "ip_intel.csv", _intel_table(w, rng_order), gz))

    exp = expected_rows(s)
    ex_chunks = list(chunks(order, exp, MAX_ROWS_PER_CHUNK, MAX_ACCOUNTS_PER_CHUNK))
    log_chunks = list(chunks(order, np.ones(n), 400_000, 400_000))

    if cfg.logins:
        sink = CsvSink(out_dir / "logins.csv", LOGIN_SCHEMA, gz)
        dev_ids_pa, dev_ua_pa = arrow_strings(dev_ids), arrow_strings(dev_ua)
        for acc, ss in zip(log_chunks, s_login.spawn(len(log_chunks))):
            batch = login_chunk(s, acc, np.random.default_rng(ss), dev_ids_pa, dev_ua_pa)
            if batch is not None:
                sink.write(batch)
        sink.close()
        written.append((sink.path, sink.rows))

    op_mask = cols["ring"] >= 0
    tradecrafts = Counter(k for k, _ in rings["plan"])
    summary = {
        "out_dir": str(out_dir), "preset": cfg.name, "seed": cfg.seed,
        "accounts": n, "legit_accounts": int((~op_mask).sum()), "operator_accounts": int(op_mask.sum()),
        "rings": len(rings["plan"]), "rings_by_tradecraft": dict(sorted(tradecrafts.items())),
        "exchanges": 0, "operator_exchanges": 0,
        "knobs": knobs(cfg),
    }
    if rings.get("returning"):
        summary["returning"] = [
            {"ring_id": str(rings["ring_ids"][r]), "returning_ring_id": str(rings["ring_ids"][nr]),
             "enforced_day": enforced, "back_day": back, "accounts": int((cols["ring"] == nr).sum()),
             "reuses": [k for k, v in reuse.items() if v]}
            for r, nr, enforced, back, reuse in rings["returning"]]
    if not cfg.exchanges:
        # an identifier-only world (sign-up and payment exports): no exchanges file at all
        summary["files"] = [(p.name, rows, p.stat().st_size) for p, rows in written]
        summary["seconds"] = round(time.perf_counter() - t0, 1)
        return summary

    if cfg.exchanges_format == "parquet":
        ex_sink = ParquetSink(out_dir / "exchanges.parquet", EXCHANGE_SCHEMA)
    else:
        ex_sink = CsvSink(out_dir / "exchanges.csv", EXCHANGE_SCHEMA, gz)
    op_rows = 0
    bar = _progress(progress, total=int(exp.sum()), desc="exchanges")
    for acc, ss in zip(ex_chunks, s_ex.spawn(len(ex_chunks))):
        out = exchange_chunk(s, acc, np.random.default_rng(ss))
        if out is None:
            continue
        batch, n_op = out
        ex_sink.write(batch)
        op_rows += n_op
        bar.update(batch.num_rows)
    bar.close()
    ex_sink.close()
    written.append((ex_sink.path, ex_sink.rows))

    summary.update(exchanges=ex_sink.rows, operator_exchanges=op_rows,
                   files=[(p.name, rows, p.stat().st_size) for p, rows in written],
                   seconds=round(time.perf_counter() - t0, 1))
    return summary


def _generate_daily(cfg: WorldConfig, out_dir: Path, progress: bool, log: Callable[[str], None]) -> dict:
    """The world generated whole into a scratch folder, then cut into daily export files
    in `out_dir` (seed_data/daily.py); ip_intel and labels stay whole."""
    import shutil
    from dataclasses import replace

    from .daily import TIME_COLUMN, output_extension, split_daily

    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    whole = out_dir / ".whole"
    shutil.rmtree(whole, ignore_errors=True)
    summary = generate(replace(cfg, daily=False), whole, progress, log)
    remove_world_files(out_dir)
    log("cutting the world into daily export files")
    days, con, found = split_daily(whole, out_dir)
    whole_rows = {name: rows for name, rows, _size in summary["files"]}
    files = []  # what is in out_dir now: one line per daily kind, then the whole files
    for kind in TIME_COLUMN:
        if found[kind]:
            ext = output_extension(found[kind])
            paths = [out_dir / f"{kind}_{day.isoformat()}.{ext}" for day in days]
            [(rows,)] = con.execute(f"SELECT count(*) FROM day_{kind}").fetchall()
            files.append((f"{kind}_<day>.{ext} ({len(paths)} files)", rows, sum(p.stat().st_size for p in paths)))
    con.close()
    for kind in ("ip_intel", "labels"):
        for p in found[kind]:
            shutil.move(str(p), str(out_dir / p.name))
            files.append((p.name, whole_rows[p.name], (out_dir / p.name).stat().st_size))
    shutil.rmtree(whole, ignore_errors=True)
    summary["files"] = files
    summary["out_dir"] = str(out_dir)
    summary["daily"] = {"days": len(days), "first": days[0].isoformat(), "last": days[-1].isoformat()}
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    return summary


def knobs(cfg: WorldConfig) -> list[str]:
    """The tradecraft knobs that differ from the classic world, in words (summary line)."""
    out = []
    if cfg.tradecrafts:
        out.append("tradecrafts " + ",".join(cfg.tradecrafts))
    if cfg.human_traffic:
        out.append("human-like operator traffic")
    if cfg.own_cards_devices:
        out.append("own cards and devices")
    if tuple(cfg.template_share) != DEFAULT_TEMPLATE_SHARE:
        out.append("template_only accounts on {:.0%}-{:.0%} of their ring's set".format(*cfg.template_share))
    if not cfg.exchanges:
        out.append("no exchanges")
    if not cfg.logins:
        out.append("no logins")
    if cfg.returning_rings:
        out.append(f"{cfg.returning_rings} operator(s) back with fresh accounts after enforcement"
                   + (", reusing nothing of the old ring" if cfg.returning_reuse == "none" else ""))
    return out


def _progress(enabled: bool, total: int, desc: str):
    """A counter with tqdm's `update(n)` / `close()` over the CLI's progress reports."""
    from ..progress import ProgressBars

    class _Counter:
        def __init__(self) -> None:
            self.done = 0
            self.bars = ProgressBars(enabled)

        def update(self, n: int) -> None:
            self.done += n
            self.bars(self.done, total, desc)

        def close(self) -> None:
            self.bars.close()

    return _Counter()


def _dedupe_emails(emails: np.ndarray, order: np.ndarray, rng) -> None:
    """An address belongs to one account; later duplicates get digits, as a real
    sign-up form would force."""
    seen: set[str] = set()
    for i in order.tolist():
        e = emails[i]
        key = e.lower()
        while key in seen:
            loc, dom = e.split("@", 1)
            e = f"{loc}{int(rng.integers(1, 1000))}@{dom}"
            key = e.lower()
        seen.add(key)
        emails[i] = e


def _instruments_table(w: World, cols: dict, acct_ids, inst_ids, order, stop, rng) -> pa.Table:
    acct = np.concatenate(w.inst.link_acct)
    inst = np.concatenate(w.inst.link_inst)
    pos = np.empty(len(order), np.int64)
    pos[order] = np.arange(len(order))
    srt = np.lexsort((inst, pos[acct]))
    acct, inst = acct[srt], inst[srt]
    kind = np.concatenate(w.inst.kind)[inst]
    bins = np.concatenate(w.inst.bin)[inst]
    cc = np.concatenate(w.inst.cc)[inst]
    end = WINDOW_START_S + w.cfg.days * DAY
    first = cols["created"][acct] + rng.integers(60, DAY, len(acct))
    first = np.minimum(first, end - 60)
    last = np.minimum(WINDOW_START_S + (stop[acct] * DAY).astype(np.int64), end) - rng.integers(0, 2 * DAY, len(acct))
    last = np.maximum(last, first)
    return pa.table({
        "account_id": acct_ids[acct], "instrument_id": inst_ids[inst], "kind": kind.astype(str),
        "bin": bins.astype(str), "issuer_country": cc.astype(str),
        "first_seen": iso_seconds(first), "last_seen": iso_seconds(last),
    })


def _intel_table(w: World, rng) -> pa.Table:
    rows = {}
    for r in w.net.intel:
        rows.setdefault(r[0], r)  # one row per network: the first (most specific source) wins
    rows = list(rows.values())
    rows = [rows[i] for i in rng.permutation(len(rows))]
    return pa.table({
        "network": [r[0] for r in rows], "asn": [str(r[1]) for r in rows], "as_org": [r[2] for r in rows],
        "country": [r[3] for r in rows], "kind": [r[4] for r in rows],
    })


#: the names `ringscope seed` writes: `<kind>.<ext>` (a whole world) and, for the four
#: time-sliced kinds, `<kind>_<YYYY-MM-DD>.<ext>` (a daily world, seed_data/daily.py)
WORLD_FILE_NAME = re.compile(
    r"(?:(?:accounts|payment_instruments|logins|exchanges)(?:_\d{4}-\d{2}-\d{2})?|ip_intel|labels)"
    r"\.(?:csv|csv\.gz|parquet)")


def remove_world_files(out_dir: Path) -> list[str]:
    """Delete the files of an earlier generated world in `out_dir`, whole or daily, in any
    format, so ingest never loads two worlds (or one twice: an exchanges.parquet beside
    exchanges_2025-03-03.parquet). Only names seed writes (WORLD_FILE_NAME) directly in
    `out_dir`; anything else is left alone. Returns the names removed."""
    removed = []
    for p in sorted(out_dir.iterdir()) if out_dir.is_dir() else []:
        if p.is_file() and WORLD_FILE_NAME.fullmatch(p.name):
            p.unlink()
            removed.append(p.name)
    return removed
