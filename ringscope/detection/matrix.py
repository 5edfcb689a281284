"""The robustness matrix (issue 11): detection scored on many world shapes, so no
single generated world can be what it was tuned to.

Rows ("cells") are:

- every operator tradecraft scenario of `ringscope seed --scenario` (classic mix,
  human-like traffic, own cards and devices, template-only rings, front org,
  identifier-only with and without logins) x several seeds, at a small world size;
- leave-one-family-out: the standard world with cards, devices, IPs, templates or
  e-mails removed as the interchange contract allows (`seed_data/variants.py`);
- any labelled world directory given (`--world DIR`, e.g. held-out worlds from
  another generator).

Each cell is loaded into an EMPTY database and scored by `evaluate_world` (the same
function `ringscope evaluate` runs: detection through its public entry point, and
the two components baselines), so the matrix measures whatever detector is
installed. Next to the scores, `ring_evidence` reads the world's own files and says
how many true rings the data still ties together at all: a cell whose rings no
identifier links is a cell no linking detector can score on, and the table says so
instead of hiding it in an average.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config import Settings
from ..errors import RingScopeError
from .evaluate import JACCARD_FOUND, Scores, evaluate_world, read_labels

Log = Callable[[str], None]

#: scenarios of `ringscope seed --scenario`, in table order
SCENARIOS = ("standard", "human_traffic", "own_cards_devices", "template_only", "template_thin", "front_org",
             "identifiers_only", "identifiers_only_no_logins")
FAMILIES = ("cards", "devices", "ips", "templates", "emails")
SEEDS = (1, 2, 3)
#: the matrix's world size: every confounder cohort and every tradecraft present,
#: small enough that the 36 cells load, detect and score in about 10-15 minutes on 2
#: shared cores (15-30 s a cell, mostly the transactional load)
WORLD_SIZE = {"legit_accounts": 2000, "operator_accounts": 120, "rings": 6, "days": 14, "exchanges_scale": 0.3}
#: per-scenario changes to WORLD_SIZE. Front-org networks come at the size issue 11 saw
#: split into pieces (an 80-account hub-and-spoke ring): 6 rings of ~60 accounts; the
#: operators' exchange total is the preset's either way, so the load barely grows
SCENARIO_SIZE = {"front_org": {"operator_accounts": 360}}


@dataclass(frozen=True)
class Cell:
    """One row: a generated world (scenario, seed, families dropped) or a given one."""
    scenario: str | None = None
    seed: int | None = None
    dropped: tuple[str, ...] = ()
    world: Path | None = None

    @property
    def label(self) -> str:
        if self.world is not None:
            return self.world.name or str(self.world)
        text = self.scenario or "?"
        if self.dropped:
            text += " without " + ", ".join(self.dropped)
        return f"{text} (seed {self.seed})"


def plan_cells(scenarios=SCENARIOS, seeds=SEEDS, families=FAMILIES, family_seeds=SEEDS, worlds=()) -> list[Cell]:
    """Every scenario x seed, then leave-one-family-out on the standard world for each
    of `family_seeds`, then the given world directories."""
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        raise RingScopeError(f"unknown scenario {', '.join(unknown)}: choose from {', '.join(SCENARIOS)}")
    bad = [f for f in families if f not in FAMILIES]
    if bad:
        raise RingScopeError(f"unknown identifier family {', '.join(bad)}: choose from {', '.join(FAMILIES)}")
    cells = [Cell(s, seed) for s in scenarios for seed in seeds]
    cells += [Cell("standard", seed, (f,)) for seed in family_seeds for f in families]
    for w in worlds:
        p = Path(w)
        if not p.is_dir():
            raise RingScopeError(f"--world {w} is not a directory: give the folder of a labelled world")
        cells.append(Cell(world=p))
    return cells


def build_world(cell: Cell, work_dir: Path, size: dict | None = None) -> Path:
    """Generate (or locate) the cell's world; returns its directory."""
    if cell.world is not None:
        return cell.world
    from ..seed_data.presets import resolve
    from ..seed_data.variants import drop_families
    from ..seed_data.world import generate

    out = work_dir / re.sub(r"[^A-Za-z0-9_.-]+", "_", cell.label)
    knobs = {**(size or WORLD_SIZE), **({} if size else SCENARIO_SIZE.get(cell.scenario or "", {}))}
    generate(resolve("demo", cell.seed, scenario=cell.scenario, **knobs), out)
    if cell.dropped:
        drop_families(out, out, cell.dropped)
    return out


# ---- what the world itself still ties together ----------------------------------------------

#: family -> (file kind, column) pairs whose values are identifiers two accounts can share
IDENTIFIER_COLUMNS = {
    "card": [("payment_instruments", "instrument_id")],
    "device": [("logins", "device_id")],
    "ip": [("logins", "ip"), ("exchanges", "ip")],
    "template": [("exchanges", "prompt_fingerprint")],
    "email": [("accounts", "email")],
    "org": [("accounts", "org_id")],
}
# an e-mail identifies a *stem*: the local part without a plus-tag or trailing digits, at its domain
_EMAIL_STEM = r"regexp_replace(regexp_replace(lower(v), '\+[^@]*@', '@'), '[0-9._-]+@', '@')"


def ring_evidence(world_dir: str | Path, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """How many true rings the world's data still ties together, family by family.

    An identifier (card, device, address, template, e-mail stem or domain, org) is *ring
    evidence* when at least two members of one ring use it and that ring's members
    are at least half of everyone using it: a corporate card or a CGNAT exit used by
    hundreds of legitimate accounts ties nothing. A ring is *tied* when one connected
    group of its members, linked through such identifiers of any family, holds at
    least JACCARD_FOUND (0.5) of the ring: otherwise linking accounts through shared
    data reaches half of the ring only through identifiers legitimate accounts
    dominate, i.e. not without taking them in too. Sign-up timing and behaviour are
    not identifiers and are not counted (a detector may still use them).

    Returns {"rings", "tied", "tied_by": {family: rings tied by that family alone},
    "families": families present in the files, "untied": [ring ids],
    "untied_tradecrafts": [their tradecrafts, when labels.csv names them],
    "entangled_pairs": pairs of rings that share such an identifier (what a detector
    must cut to report them apart), "entangled_by": {family: such pairs}}. Uses labels
    (ground truth): it judges the world, never the detector's input.
    """
    import duckdb

    from ..ingest.files import discover, header

    world = Path(world_dir)
    labels = labels if labels is not None else read_labels(world)
    rings: dict[str, list[str]] = defaultdict(list)
    for acc, rid in labels.items():
        if rid:
            rings[rid].append(acc)
    found = discover(world)
    con = duckdb.connect()
    con.execute("SET memory_limit='1GB'")
    pairs: dict[str, list[tuple[str, str]]] = {}
    present = []
    for family, sources in IDENTIFIER_COLUMNS.items():
        selects = []
        for kind, col in sources:
            for f in found.of_kind(kind):
                if col not in header(f):
                    continue
                reader = (f"read_parquet('{_sql_path(f.path)}')" if f.format == "parquet"
                          else f"read_csv('{_sql_path(f.path)}', all_varchar=true, header=true)")
                selects.append(f"SELECT DISTINCT CAST(account_id AS VARCHAR) AS a, CAST({col} AS VARCHAR) AS v FROM {reader}")
        if not selects:
            continue
        present.append(family)
        union = " UNION ALL ".join(selects)
        if family == "email":
            # the mailbox stem, and the domain (a front's own domain ties; webmail never does)
            union = (f"SELECT a, {_EMAIL_STEM} AS v FROM ({union}) UNION ALL "
                     f"SELECT a, '@' || split_part(lower(v), '@', 2) AS v FROM ({union})")
        sql = f"SELECT DISTINCT a, v FROM ({union}) WHERE v IS NOT NULL AND v <> '' AND v <> '@'"
        pairs[family] = con.execute(sql).fetchall()
    con.close()

    ring_of = {a: r for r, members in rings.items() for a in members}
    # per family: identifier -> (users, ring members per ring)
    links: dict[str, list[tuple[str, list[str]]]] = {}
    # pairs of rings sharing an identifier that ring accounts dominate (e.g. the templates
    # an operator's rings have in common): what a detector must cut to keep them apart
    entangled: dict[tuple[str, str], set[str]] = defaultdict(set)
    for family, rows in pairs.items():
        users: dict[str, int] = defaultdict(int)
        by_ring: dict[tuple[str, str], list[str]] = defaultdict(list)
        rings_on: dict[str, list[str]] = defaultdict(list)
        for a, v in rows:
            users[v] += 1
            r = ring_of.get(a)
            if r:
                by_ring[(v, r)].append(a)
        links[family] = [(r, accs) for (v, r), accs in by_ring.items() if len(accs) >= 2 and 2 * len(accs) >= users[v]]
        ring_users: dict[str, int] = defaultdict(int)
        for (v, r), accs in by_ring.items():
            ring_users[v] += len(accs)
            if len(accs) >= 2:
                rings_on[v].append(r)
        for v, rs in rings_on.items():
            if len(rs) >= 2 and 2 * ring_users[v] >= users[v]:
                rs = sorted(rs)
                for i in range(len(rs)):
                    for j in range(i + 1, len(rs)):
                        entangled[(rs[i], rs[j])].add(family)

    def tied(ring: str, families: list[str]) -> bool:
        members = rings[ring]
        parent = {a: a for a in members}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for fam in families:
            for r, accs in links.get(fam, ()):
                if r != ring:
                    continue
                root = find(accs[0])
                for other in accs[1:]:
                    parent[find(other)] = root
        sizes: dict[str, int] = defaultdict(int)
        for a in members:
            sizes[find(a)] += 1
        return max(sizes.values()) >= JACCARD_FOUND * len(members)

    tied_all = [r for r in rings if tied(r, present)]
    untied = sorted(set(rings) - set(tied_all))
    craft = _tradecrafts(world)
    return {
        "rings": len(rings),
        "tied": len(tied_all),
        "tied_by": {fam: sum(tied(r, [fam]) for r in rings) for fam in present},
        "families": present,
        "untied": untied,
        "untied_tradecrafts": sorted(craft.get(r, "?") for r in untied) if craft else [],
        "entangled_pairs": len(entangled),
        "entangled_by": {fam: sum(fam in fs for fs in entangled.values()) for fam in present
                         if any(fam in fs for fs in entangled.values())},
    }


def _tradecrafts(world: Path) -> dict[str, str]:
    """ring_id -> tradecraft when the labels say (generated worlds do); else empty."""
    import pandas as pd

    path = world / "labels.csv"
    if not path.is_file():
        return {}
    head = pd.read_csv(path, nrows=0).columns
    if "tradecraft" not in head or "ring_id" not in head:
        return {}
    df = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["ring_id", "tradecraft"])
    df = df[df.ring_id != ""]
    return dict(zip(df.ring_id, df.tradecraft))


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


# ---- running ---------------------------------------------------------------------------------

@dataclass
class CellResult:
    cell: Cell
    accounts: int
    operator_accounts: int
    evidence: dict[str, Any]
    scores: list[Scores]
    build_seconds: float
    load_seconds: float
    detect_seconds: float
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell.label, "scenario": self.cell.scenario, "seed": self.cell.seed,
            "dropped": list(self.cell.dropped), "world": None if self.cell.world is None else str(self.cell.world),
            "accounts": self.accounts, "operator_accounts": self.operator_accounts, "evidence": self.evidence,
            "scores": [s.as_dict() for s in self.scores], "missed_rings": self.scores[0].missed if self.scores else [],
            "build_seconds": round(self.build_seconds, 1), "load_seconds": round(self.load_seconds, 1),
            "detect_seconds": round(self.detect_seconds, 1), "error": self.error,
        }


def run_matrix(cells: list[Cell], *, settings: Settings | None = None, reset: bool = False,
               work_dir: str | Path | None = None, keep_worlds: bool = False, size: dict | None = None,
               log: Log = lambda _: None) -> list[CellResult]:
    """Build, load, detect and score every cell, one after another, in the configured
    database. The database must be empty unless `reset` (as for `ringscope evaluate`);
    after the first cell the matrix wipes only what it loaded itself. A cell that
    fails is reported with its error and the run goes on."""
    from .evaluate import database_contents

    contents = database_contents(settings)
    if contents["has_data"] and not reset:
        raise RingScopeError(
            f"the database already holds data ({contents['accounts']:,} accounts, {contents['rings']:,} rings): "
            "the matrix loads every world into an EMPTY database; add --reset to wipe it first "
            "(investigator tags included), or point NEO4J_URI at a scratch database")
    own_tmp = work_dir is None
    work = Path(tempfile.mkdtemp(prefix="ringscope-matrix-")) if own_tmp else Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    results: list[CellResult] = []
    t_all = time.perf_counter()
    try:
        for i, cell in enumerate(cells, 1):
            log(f"[{i}/{len(cells)}] {cell.label}: building the world")
            t0 = time.perf_counter()
            try:
                world = build_world(cell, work, size)
                build_s = time.perf_counter() - t0
                labels = read_labels(world)
                evidence = ring_evidence(world, labels)
                log(f"[{i}/{len(cells)}] {cell.label}: {len(labels):,} accounts, {evidence['rings']} rings "
                    f"({evidence['tied']} tied by the data); loading and detecting")
                # empty, or the caller agreed to wipe it: from here on only the matrix's own worlds are wiped
                out = evaluate_world(world, settings=settings, reset=True)
            except RingScopeError as exc:
                log(f"[{i}/{len(cells)}] {cell.label}: FAILED: {exc}")
                results.append(CellResult(cell, 0, 0, {}, [], time.perf_counter() - t0, 0, 0, error=str(exc)))
                continue
            ours = out["scores"][0]
            res = CellResult(cell, out["accounts"], out["operator_accounts"], evidence, out["scores"], build_s,
                             out["load_seconds"], out["detect_seconds"])
            results.append(res)
            log(f"[{i}/{len(cells)}] {cell.label}: P {ours.precision:.3f} R {ours.recall:.3f} F1 {ours.f1:.3f}, "
                f"{ours.rings_found}/{ours.true_rings} rings, {ours.false_rings} false; "
                f"load {out['load_seconds']:.0f}s detect {out['detect_seconds']:.1f}s "
                f"({time.perf_counter() - t_all:.0f}s so far)")
            if cell.world is None and not keep_worlds:
                shutil.rmtree(world, ignore_errors=True)
    finally:
        if own_tmp and not keep_worlds:
            shutil.rmtree(work, ignore_errors=True)
    return results


# ---- tables ----------------------------------------------------------------------------------

def _fig(s: Scores) -> str:
    return f"{s.precision:.2f}/{s.recall:.2f}/{s.f1:.2f} {s.rings_found}/{s.true_rings} {s.false_rings}f"


def _ties(ev: dict[str, Any]) -> str:
    if not ev:
        return ""
    by = ev.get("tied_by", {})
    text = f"{ev['tied']}/{ev['rings']} (" + ",".join(f"{f} {n}" for f, n in by.items() if n) + ")"
    if ev.get("untied_tradecrafts"):
        text += "; untied: " + ",".join(ev["untied_tradecrafts"])
    if ev.get("entangled_pairs"):
        text += f"; {ev['entangled_pairs']} ring pairs share (" + ",".join(ev.get("entangled_by", {})) + ")"
    return text


def format_matrix(results: list[CellResult]) -> str:
    """Plain-text table: per cell, P/R/F1, rings found/true and false rings for
    RingScope and both baselines, and how many rings the data ties together."""
    headers = ["cell", "tied by data (family: rings alone)", "RingScope P/R/F1 found false",
               "A: components", "B: components, cap 25", "load+detect s"]
    rows = []
    for r in results:
        if r.error:
            rows.append([r.cell.label, "", f"error: {r.error[:60]}", "", "", ""])
            continue
        rows.append([r.cell.label, _ties(r.evidence), *(_fig(s) for s in r.scores[:3]),
                     f"{r.load_seconds:.0f}+{r.detect_seconds:.0f}"])
    widths = [max(len(str(x[i])) for x in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in [headers, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("figures: account precision/recall/F1, true rings found with Jaccard >= 0.5 / true rings, "
                 "false rings (f: matching no true ring, mostly legitimate accounts)")
    return "\n".join(lines)


def markdown_matrix(results: list[CellResult]) -> str:
    """The same table in Markdown (README)."""
    out = ["| cell | rings tied by the data | RingScope P / R / F1 | found | false | A: P / R / F1, found, false "
           "| B (cap 25): P / R / F1, found, false |",
           "|---|---|---|---|---|---|---|"]
    for r in results:
        if r.error:
            out.append(f"| {r.cell.label} | | error: {r.error} | | | | |")
            continue
        ours, a, b = r.scores[:3]
        base = lambda s: f"{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f}, {s.rings_found}/{s.true_rings}, {s.false_rings}"
        out.append(f"| {r.cell.label} | {_ties(r.evidence)} | {ours.precision:.2f} / {ours.recall:.2f} / "
                   f"**{ours.f1:.2f}** | {ours.rings_found}/{ours.true_rings} | {ours.false_rings} | {base(a)} | {base(b)} |")
    return "\n".join(out)


def summary_rows(results: list[CellResult]) -> list[dict[str, Any]]:
    """Per group of cells (a scenario, a dropped family, or one given world): cells, min
    and mean F1, rings found / true / tied by the data, false rings, per method."""
    groups: dict[str, list[CellResult]] = defaultdict(list)
    for r in results:
        if r.error:
            continue
        key = r.cell.label if r.cell.world is not None else (
            r.cell.scenario + (" without " + ", ".join(r.cell.dropped) if r.cell.dropped else ""))
        groups[key].append(r)
    rows = []
    for key, rs in groups.items():
        row: dict[str, Any] = {"group": key, "cells": len(rs), "rings": sum(r.evidence.get("rings", 0) for r in rs),
                               "tied": sum(r.evidence.get("tied", 0) for r in rs)}
        for k, name in enumerate(("ringscope", "a", "b")):
            f1 = [r.scores[k].f1 for r in rs]
            row[name] = {"min_f1": min(f1), "mean_f1": sum(f1) / len(f1),
                         "found": sum(r.scores[k].rings_found for r in rs),
                         "false": sum(r.scores[k].false_rings for r in rs)}
        rows.append(row)
    return rows


def markdown_summary(results: list[CellResult]) -> str:
    """One line per scenario / dropped family: the matrix at a glance (README)."""
    out = ["| scenario (cells) | rings (tied by the data) | RingScope F1 min / mean | found | false rings "
           "| A: F1 mean, found, false | B (cap 25): F1 mean, found, false |", "|---|---|---|---|---|---|---|"]
    for g in summary_rows(results):
        o, a, b = g["ringscope"], g["a"], g["b"]
        out.append(f"| {g['group']} (x{g['cells']}) | {g['rings']} ({g['tied']}) | {o['min_f1']:.2f} / **{o['mean_f1']:.2f}** "
                   f"| {o['found']}/{g['rings']} | {o['false']} | {a['mean_f1']:.2f}, {a['found']}, {a['false']} "
                   f"| {b['mean_f1']:.2f}, {b['found']}, {b['false']} |")
    return "\n".join(out)


def to_json(results: list[CellResult]) -> str:
    return json.dumps([r.as_dict() for r in results], indent=2)


# ---- command line (`ringscope evaluate --matrix`, benchmarks/bench_matrix.py) ---------------------

def _csv_list(text: str | None, default: tuple, cast=str) -> tuple:
    if text is None:
        return default
    return tuple(cast(x.strip()) for x in text.split(",") if x.strip())


def parse_seeds(value: str) -> tuple[int, ...]:
    """Comma-separated seeds, whole numbers 0 or more; ValueError (one line) when not."""
    try:
        seeds = _csv_list(value, SEEDS, int)
    except ValueError:
        seeds = None
    if seeds is None or any(s < 0 for s in seeds):
        raise ValueError(f"{value!r} is not a comma-separated list of seeds: give whole numbers 0 or more, "
                         "such as 1,2,3")
    return seeds


def _seed_list(ctx, param, value: str | None) -> str | None:
    """`--seeds` / `--family-seeds`: whole numbers 0 or more, comma-separated, refused as a
    usage error when not (`--seeds x` ended in a ValueError traceback, after `--reset` was
    read). Returns the text unchanged; `run_cli` splits it."""
    import click

    if value is None:
        return None
    try:
        parse_seeds(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def matrix_options(f):
    """The matrix's options on `ringscope evaluate` (applied as one decorator so the
    evaluate command stays one small function)."""
    import click

    opts = [
        click.option("--matrix", is_flag=True,
                     help="Run the robustness matrix: every tradecraft scenario x seeds plus leave-one-family-out, "
                          "each world generated small, loaded into the (empty) database and scored with both baselines."),
        click.option("--world", "worlds", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
                     help="A labelled world directory to add as a matrix row (repeatable; e.g. held-out worlds). "
                          "Without --matrix, only these worlds are run."),
        click.option("--scenarios", default=None,
                     help=f"Matrix: comma-separated scenarios (default all: {', '.join(SCENARIOS)}); '' for none."),
        click.option("--seeds", default=None, callback=_seed_list,
                     help="Matrix: comma-separated seeds per scenario (default 1,2,3)."),
        click.option("--families", default=None,
                     help=f"Matrix: families to leave out one at a time from the standard world (default all: "
                          f"{', '.join(FAMILIES)}); '' for none."),
        click.option("--family-seeds", default=None, callback=_seed_list,
                     help="Matrix: seeds of the leave-one-family-out worlds (default 1,2,3)."),
        click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Matrix: folder for the generated worlds (default a temporary folder, removed after)."),
        click.option("--keep-worlds", is_flag=True, help="Matrix: keep the generated worlds after scoring them."),
        click.option("--markdown", is_flag=True, help="Matrix: print the table as Markdown (for README)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def run_cli(*, matrix: bool, worlds: tuple[Path, ...], scenarios: str | None, seeds: str | None,
            families: str | None, family_seeds: str | None, work_dir: Path | None, keep_worlds: bool,
            markdown: bool, reset: bool, as_json: bool, settings: Settings | None, echo: Log, log: Log) -> None:
    """What `ringscope evaluate --matrix` / `--world` does: plan, run, print."""
    if matrix:
        cells = plan_cells(_csv_list(scenarios, SCENARIOS), _csv_list(seeds, SEEDS, int),
                           _csv_list(families, FAMILIES), _csv_list(family_seeds, SEEDS, int), worlds)
    else:
        cells = plan_cells((), (), (), (), worlds)
    if not cells:
        raise RingScopeError("the matrix has no cells: give --matrix with scenarios or families, or --world DIR")
    t0 = time.perf_counter()
    results = run_matrix(cells, settings=settings, reset=reset, work_dir=work_dir, keep_worlds=keep_worlds, log=log)
    log(f"matrix: {len(results)} cells in {time.perf_counter() - t0:.0f}s")
    if as_json:
        echo(to_json(results))
    elif markdown:
        echo(markdown_summary(results) + "\n\n" + markdown_matrix(results))
    else:
        echo(format_matrix(results))
