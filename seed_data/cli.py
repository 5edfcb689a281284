"""`ringscope seed`: write a generated world (interchange files + labels.csv)."""
from __future__ import annotations

from pathlib import Path

import click

from ringscope.errors import RingScopeError

from .presets import PRESETS, SCENARIOS, TRADECRAFT_NAMES, resolve
from .variants import FAMILIES


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--preset", type=click.Choice(list(PRESETS)), default="demo", show_default=True,
              help="World size: demo (~4k accounts, committed copy in seed_data/demo), medium (~100k), "
                   "incident (1M legit + 25k operator accounts, >= 28.8M operator exchanges).")
@click.option("--seed", type=int, default=7, show_default=True,
              help="Random seed; the same seed and options give byte-identical files.")
@click.option("--accounts", "legit_accounts", type=int, default=None,
              help="Number of legitimate accounts, at least 200 (overrides the preset).")
@click.option("--operator-accounts", type=int, default=None,
              help="Number of operator (fraud-ring) accounts across all rings, at least 5 a ring (overrides the preset).")
@click.option("--rings", type=int, default=None,
              help="Number of rings, at least 1; tradecrafts are mixed and each appears once there are at least 5.")
@click.option("--days", type=int, default=None, help="Length of the observation window in days, 3 to 366.")
@click.option("--exchanges-scale", type=float, default=None,
              help="Multiply every account's exchange volume (e.g. 0.1 for a quick world).")
@click.option("--exchanges-format", type=click.Choice(["parquet", "csv"]), default=None,
              help="File format of exchanges (default parquet; csv writes ISO-8601 timestamps).")
@click.option("--gzip/--no-gzip", "compress_csv", default=None,
              help="Write the CSV files as .csv.gz.")
@click.option("--scenario", type=click.Choice(list(SCENARIOS)), default=None,
              help="Operator tradecraft preset: standard (classic mix), human_traffic (operators' volume, hours and "
                   "output lengths drawn from legit accounts'), own_cards_devices (no card or device shared inside a "
                   "ring), template_only (rings tied only by a private template set and a residential proxy pool), "
                   "front_org (front org on part of the ring, cards in pairs, one hosting hub), template_thin "
                   "(template_only with each account on a thin slice of the set), identifiers_only (no "
                   "exchanges), identifiers_only_no_logins (no exchanges, no logins). The options below override it.")
@click.option("--tradecrafts", default=None,
              help=f"Comma-separated ring tradecrafts to plan with, evenly mixed (from {', '.join(TRADECRAFT_NAMES)}); "
                   "default: the classic five.")
@click.option("--human-traffic/--scripted-traffic", "human_traffic", default=None,
              help="Operators' volume, hours of day and output lengths drawn from legitimate accounts' "
                   "(default: scripted, steady, round the clock).")
@click.option("--own-cards-devices/--shared-cards-devices", "own_cards_devices", default=None,
              help="Give every ring account its own card and device: nothing shared inside a ring.")
@click.option("--template-share", "template_share", default=None, metavar="LOW,HIGH",
              callback=lambda ctx, param, value: _share(value),
              help="Share of its ring's private template set each template_only account sends, drawn between "
                   "LOW and HIGH (default 0.25,0.6; the template_thin scenario: 0.08,0.2).")
@click.option("--exchanges/--no-exchanges", "exchanges", default=None,
              help="Write the exchanges file; --no-exchanges gives an identifier-only world.")
@click.option("--logins/--no-logins", "logins", default=None,
              help="Write logins.csv (devices and login addresses).")
@click.option("--drop-family", "drop_family", type=click.Choice(FAMILIES), multiple=True,
              help="After generating, remove one identifier family as the interchange contract allows "
                   "(repeatable): cards, devices, ips, templates, emails.")
@click.option("--returning-rings", "returning_rings", type=int, default=None,
              help="Rings whose operator is enforced against during the window (their accounts stop) and comes back "
                   "2-5 days later with fresh accounts (labels role `returning`, ring `<old ring id>_r`) reusing some "
                   "of the old ring's cards, devices or private templates (default 0: none).")
@click.option("--returning-reuse", "returning_reuse", type=click.Choice(["some", "none"]), default=None,
              help="What comebacks take from their old ring: some (default: at least one of its cards, devices or "
                   "private template set) or none (everything fresh: only a new ring can give them away).")
@click.option("--daily/--whole", "daily", default=None,
              help="Write the world as daily export files (accounts_2026-03-14.csv, exchanges_2026-03-14.parquet, ...; "
                   "labels and ip_intel whole), the way `ringscope cycle` receives them (default: one file per kind).")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar.")
@click.option("--force", is_flag=True,
              help="Write into OUT_DIR even when it holds interchange files without labels.csv (an export, "
                   "not a generated world): they are overwritten.")
def seed(out_dir: Path, preset: str, seed: int, progress: bool, scenario: str | None, tradecrafts: str | None,
         drop_family: tuple[str, ...], force: bool, **overrides) -> None:
    """Generate a world into OUT_DIR: accounts, payment_instruments, logins,
    exchanges, ip_intel and labels.csv (ground truth: ring_id, role, tradecraft).
    A folder holding another generated world is written over: the files of that world,
    whole or daily (accounts.csv, exchanges_2025-03-03.parquet, ...), are removed first and
    any other file is left alone. One holding an export (interchange files, no labels.csv)
    is refused unless --force."""
    from .variants import drop_families
    from .world import generate

    if not force:
        export = foreign_export(out_dir)
        if export:
            raise RingScopeError(f"{out_dir} holds {', '.join(export[:3])}{' ...' if len(export) > 3 else ''} and no "
                                 "labels.csv: an export, not a generated world, and seed would overwrite it; "
                                 "choose an empty folder, or pass --force")

    if tradecrafts is not None:
        overrides["tradecrafts"] = tuple(t.strip() for t in tradecrafts.split(",") if t.strip())
    cfg = resolve(preset, seed, scenario=scenario, **overrides)
    if drop_family and cfg.daily:
        raise RingScopeError("--drop-family works on whole files: write the world without --daily, or drop after "
                             "cutting it yourself")
    try:
        summary = generate(cfg, out_dir, progress=progress, log=lambda m: click.echo(m, err=True))
        if drop_family:
            drop_families(out_dir, out_dir, drop_family)
            summary["knobs"] = [*summary.get("knobs", []), "without " + ", ".join(drop_family)]
    except OSError as exc:
        raise RingScopeError(f"could not write the world to {out_dir}: {exc.strerror or exc}; "
                             "check the directory is writable and the disk has space") from exc
    click.echo(format_summary(summary))


def _share(value: str | None) -> tuple[float, float] | None:
    """`--template-share LOW,HIGH` as two floats (checked with the rest of the config)."""
    if value is None:
        return None
    try:
        low, high = (float(x) for x in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r}: give LOW,HIGH, e.g. 0.08,0.2") from None
    return (low, high)


def foreign_export(out_dir: Path) -> list[str]:
    """Names of the interchange files in `out_dir` when it has no labels file (every world
    seed writes has one), else []."""
    from .daily import TIME_COLUMN, find_files

    if not out_dir.is_dir() or find_files(out_dir, "labels"):
        return []
    return sorted(p.name for kind in (*TIME_COLUMN, "ip_intel") for p in find_files(out_dir, kind))


def format_summary(s: dict) -> str:
    lines = [f"world written to {s['out_dir']} (preset {s['preset']}, seed {s['seed']}, {s['seconds']} s)",
             f"  accounts {s['accounts']:,} ({s['legit_accounts']:,} legitimate, {s['operator_accounts']:,} in rings)",
             f"  rings {s['rings']}: " + ", ".join(f"{k} {v}" for k, v in s["rings_by_tradecraft"].items()),
             f"  exchanges {s['exchanges']:,} ({s['operator_exchanges']:,} by operator accounts)"]
    if s.get("knobs"):
        lines.append("  tradecraft knobs: " + "; ".join(s["knobs"]))
    for r in s.get("returning", []):
        lines.append(f"  returning: {r['ring_id']} enforced on day {r['enforced_day']:.1f}, back on day {r['back_day']:.1f} "
                     f"as {r['returning_ring_id']} ({r['accounts']} accounts reusing {', '.join(r['reuses']) or 'nothing'})")
    if s.get("daily"):
        lines.append(f"  written as daily export files: {s['daily']['days']} days, {s['daily']['first']} to {s['daily']['last']}")
    width = max([28, *(len(name) for name, _rows, _size in s["files"])])
    for name, rows, size in s["files"]:
        lines.append(f"  {name:<{width}} {rows:>12,} rows {size / 1e6:>9.2f} MB")
    return "\n".join(lines)
