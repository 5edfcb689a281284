"""`ringscope detect`, `ringscope rings`, `ringscope evaluate`."""
from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

import click

from .. import display
from ..catalog import run_query
from ..config import load_settings
from ..errors import RingScopeError
from ..progress import ProgressBars
from .matrix import matrix_options, run_cli as run_matrix_cli


def _positive_threshold(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """A threshold above 0 and finite: 0 divided by zero (a traceback), a negative one made
    every candidate group a ring with no evidence, and nan silently found none."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise click.BadParameter(f"{value} is not a finite number above 0: give the evidence a ring needs "
                                 "(default 1.75)")
    return value


@click.command()
@click.option("--dry-run", is_flag=True, help="Find and print rings without writing them to the graph.")
@click.option("--threshold", type=float, default=None, callback=_positive_threshold,
              help="Evidence (structure + behaviour, see README 'The decision rule') a group needs to be a ring, "
                   "above 0 (default 1.75).")
# a group is built from strong links, each between two accounts: 2 is the smallest group there is
@click.option("--min-size", type=click.IntRange(min=2), default=None,
              help="Smallest ring reported, in accounts, 2 or more (default 3).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary as JSON instead of text.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show progress bars on stderr.")
def detect(dry_run: bool, threshold: float | None, min_size: int | None, as_json: bool, progress: bool) -> None:
    """Run every detection signal, build and score rings, and write them as (:Ring) nodes.

    Idempotent: a re-run keeps the id of every ring whose membership barely changed
    (Jaccard >= 0.5), never overwrites investigator status, labels, notes or member
    edits, and never deletes a ring it flagged: one it no longer finds is kept (retired,
    stale) and marked weakened, as is one found with fewer accounts or less evidence.
    Each run is recorded as a (:DetectionRun) with what it changed.
    """
    from .pipeline import DetectParams, detect as run_detect

    params = DetectParams()
    if threshold is not None:
        params.rings.threshold = threshold
    if min_size is not None:
        params.rings.min_size = min_size
    bar = ProgressBars(progress, unit="", leave=False)
    try:
        result = run_detect(load_settings(), params=params, progress=bar, write=not dry_run)
    finally:
        bar.close()
    summary: dict[str, Any] = {**result.stats, "seconds": result.timings}
    if result.write is not None:
        summary["written"] = {
            "created": result.write.created, "kept": result.write.kept,
            "retired": result.write.retired, "deleted": result.write.deleted,
            "changes": result.changes,
        }
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    total = sum(result.timings.values())
    for line in data_lines(result.stats):
        click.echo(line)
    click.echo(f"{len(result.rings):,} rings, {result.flagged_accounts:,} accounts flagged "
               f"({result.stats['candidate_groups']:,} candidate groups from {result.stats['strong_links']:,} strong links) "
               f"in {total:.1f}s")
    if result.write is not None:
        w = result.write
        ch = result.changes
        click.echo(f"written: {w.created} new, {w.kept} kept their id ({ch.get('grew', 0)} grew, "
                   f"{ch.get('weakened', 0)} weakened, {ch.get('found_again', 0)} found again), "
                   f"{w.retired} no longer found (kept as weakened)")
    else:
        click.echo("dry run: nothing written")
        for ring in result.rings[:50]:
            kinds = ", ".join(ring.evidence.get("summary", {}).get("evidence_kinds", []))
            click.echo(f"  score {ring.score:.3f}  size {ring.size:>5}  evidence: {kinds}  signals: {', '.join(ring.signals)}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: one line per ring; csv: ring_id,account_id,score, one row per member (the scored interface: ids "
                   "exact, control and bidi characters made visible on a terminal); json: rings with members, ASCII "
                   "(other characters as \\uXXXX escapes).")
@click.option("--min-score", type=float, default=0.0, show_default=True, help="Leave out rings scoring less.")
@click.option("--include-retired", is_flag=True, help="Table only: also list rings the latest detection no longer finds.")
@click.option("--limit", type=click.IntRange(min=0), default=1000, show_default=True, help="Table only: rings listed at most.")
def rings(fmt: str, min_score: float, include_retired: bool, limit: int) -> None:
    """List detected rings. `--format csv` prints `ring_id,account_id,score`, one row
    per current member of every detected (not retired) ring."""
    settings = load_settings()
    if fmt == "csv":
        rows = run_query("detected_ring_members", {"min_score": min_score}, settings=settings)
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(["ring_id", "account_id", "score"])
        # to a file or a pipe ids stay exact (the scored interface joins them back to the
        # graph); on a terminal control and bidi characters are made visible, as in
        # `alerts --format csv`, so an attacker-chosen id cannot drive the terminal
        shown = _clean if sys.stdout.isatty() else str
        for row in rows:
            out.writerow([shown(row["ring_id"]), shown(row["account_id"]), _num(row["score"])])
        return
    if fmt == "json":
        rows = run_query("detected_ring_members", {"min_score": min_score}, settings=settings)
        by_ring: dict[str, dict[str, Any]] = {}
        for row in rows:
            ring = by_ring.setdefault(row["ring_id"], {"ring_id": row["ring_id"], "score": row["score"], "members": []})
            ring["members"].append(row["account_id"])
        click.echo(json.dumps(list(by_ring.values()), indent=2))
        return
    listed = run_query("detected_rings", {"include_retired": include_retired, "limit": limit}, settings=settings)
    listed = [r for r in listed if (r["score"] or 0.0) >= min_score]
    if not listed:
        click.echo(_none_listed(settings, min_score=min_score, include_retired=include_retired, limit=limit), err=True)
        return
    click.echo(f"{'ring_id':<16} {'score':>6} {'members':>8}  {'status':<14} signals")
    for r in listed:
        status = (r["status"] or "new") + (" (retired)" if r["retired"] else "")
        signals = ", ".join(s for s in (r["signals"] or []))
        click.echo(f"{_clean(r['ring_id']):<16} {r['score'] or 0:>6.3f} {r['members']:>8}  {_clean(status):<14} {_clean(signals)}")


def _none_listed(settings: Any, *, min_score: float, include_retired: bool, limit: int) -> str:
    """Why the table is empty: no ring at all (detection has not run), or rings the filters
    left out (it said "run `ringscope detect` first" about a graph holding rings)."""
    counts = run_query("ring_counts", {}, settings=settings)[0]
    exist = counts["detected"] + (counts["retired"] if include_retired else 0)
    if not exist and counts["retired"]:
        return (f"no rings the latest detection finds: {counts['retired']:,} retired "
                f"ring{'' if counts['retired'] == 1 else 's'}, --include-retired lists them")
    if not exist:
        return "no rings: run `ringscope detect` first"
    # rings exist and --limit took some unless it is 0: then --min-score left out the rest
    left_out = "--limit 0" if limit == 0 else f"--min-score {min_score:g}"
    return (f"no rings listed: {exist:,} ring{' exists' if exist == 1 else 's exist'}, but {left_out} left none: "
            f"{'raise --limit' if limit == 0 else 'lower --min-score'}")


@click.command()
@click.argument("world_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--reset", is_flag=True,
              help="Wipe a database that already holds data (investigator tags included) before loading the world.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON instead of a table.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show progress bars on stderr.")
@matrix_options
def evaluate(world_dir: Path | None, reset: bool, as_json: bool, progress: bool, **matrix: Any) -> None:
    """Load a labelled world into an EMPTY database, detect rings, and compare with its
    labels.csv next to two baselines (components over every shared card/device/IP, and
    the same without identifiers shared by more than 25 accounts).

    Refuses a database that already holds data unless --reset is given, so an
    investigator's tags are never wiped by accident.
    """
    from .evaluate import evaluate_world, format_table

    if matrix["matrix"] or matrix["worlds"] or world_dir is None:
        if world_dir is not None:
            matrix["worlds"] = (world_dir, *matrix["worlds"])
        if not matrix["matrix"] and not matrix["worlds"]:
            raise click.UsageError("give WORLD_DIR, --world DIR or --matrix")
        run_matrix_cli(**matrix, reset=reset, as_json=as_json, settings=load_settings(), echo=click.echo,
                       log=lambda m: click.echo(m, err=True))
        return
    bar = ProgressBars(progress, unit="", leave=False)
    try:
        out = evaluate_world(world_dir, settings=load_settings(), reset=reset, progress=bar)
    finally:
        bar.close()
    if as_json:
        click.echo(json.dumps({
            "world": out["world"], "accounts": out["accounts"], "operator_accounts": out["operator_accounts"],
            "load_seconds": out["load_seconds"], "detect_seconds": out["detect_seconds"],
            "scores": [s.as_dict() for s in out["scores"]],
            "data": out["detection"].stats.get("data"), "not_judged": out["detection"].stats.get("not_judged"),
            "missed_rings": out["scores"][0].missed,
        }, indent=2))
        return
    click.echo(f"world {out['world']}: {out['accounts']:,} accounts, {out['operator_accounts']:,} in rings; "
               f"loaded in {out['load_seconds']:.0f}s, detected in {out['detect_seconds']:.1f}s")
    for line in data_lines(out["detection"].stats):
        click.echo(line)
    click.echo(format_table(out["scores"]))


@click.command()
@click.argument("account_ids", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON instead of text.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show progress bars on stderr.")
def explain(account_ids: tuple[str, ...], as_json: bool, progress: bool) -> None:
    """Why each ACCOUNT_ID is, or is not, in a ring: the identifiers it shares, its
    strongest links, its behaviour, and for a ring member the ring's evidence; for
    any other account which family or threshold kept it out. Runs detection without
    writing anything (a minute or more on a large graph)."""
    from .pipeline import detect as run_detect
    from .why import explain as why

    settings = load_settings()
    present = {r["account_id"] for r in run_query("accounts_present", {"account_ids": list(account_ids)}, settings=settings)}
    missing = [a for a in dict.fromkeys(account_ids) if a not in present]
    if missing:
        shown = ", ".join(repr(_clean(a)) for a in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise RingScopeError(f"no account {shown} in the graph: check the id (`ringscope query run search_account -p "
                             f"q=TEXT` finds accounts by id or name); nothing was run")
    bar = ProgressBars(progress, unit="", leave=False)
    try:
        result = run_detect(settings, progress=bar, write=False)
    finally:
        bar.close()
    items = why(list(account_ids), result)
    if as_json:
        click.echo(json.dumps(items, indent=2, default=str))
        return
    for item in items:
        click.echo(f"{_clean(item['account_id'])}: {item['verdict']}: {_clean(item['reason'])}")
        beh = item.get("behaviour")
        if beh:
            click.echo(f"  behaviour: operator-likeness {beh['operator_likeness']}")
        else:
            click.echo(f"  behaviour: {item.get('behaviour_note') or 'no exchanges'}")
        for fam, ids in (item.get("identifiers") or {}).items():
            shown = ", ".join(f"{_clean(x['id'])} ({x['accounts']} accounts)" if "id" in x else f"+{x['more']} more" for x in ids)
            click.echo(f"  shares {fam}: {shown}")
        for link in item.get("links") or []:
            fams = ", ".join(f"{f} {v}" for f, v in link["families"].items())
            click.echo(f"  link to {_clean(link['account_id'])}: {link['total']} ({'strong' if link['strong'] else 'weak'}; {fams})")


def data_lines(stats: dict[str, Any]) -> list[str]:
    """What kinds of data the graph held and which judgements it did not allow."""
    from .registry import DATA_KINDS

    data = stats.get("data") or {}
    if not data:
        return []
    have = [f"{k} {data[k]:,}" for k in DATA_KINDS if data.get(k)]
    lack = [k for k in DATA_KINDS if not data.get(k)]
    lines = [f"data: {data.get('accounts', 0):,} accounts; " + ", ".join(have) + (f"; none: {', '.join(lack)}" if lack else "")]
    for reason in stats.get("not_judged") or []:
        lines.append(f"not judged: {reason}")
    return lines


def _num(value: Any) -> str:
    if value is None:
        return ""
    return f"{float(value):.4f}"


def _clean(text: Any) -> str:
    """Ids and names can be attacker-chosen: one line, bidi controls shown as their code
    point, other control characters as `?` (`display.terminal`)."""
    return display.terminal(text)
