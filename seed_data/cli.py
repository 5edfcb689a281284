"""`ringscope seed`: write a generated world (interchange files + labels.csv)."""
from __future__ import annotations

from pathlib import Path

import click

from ringscope.errors import RingScopeError

from .presets import PRESETS, resolve


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--preset", type=click.Choice(list(PRESETS)), default="demo", show_default=True,
              help="World size: demo (~4k accounts, committed copy in seed_data/demo), medium (~100k), "
                   "incident (1M legit + 25k operator accounts, >= 28.8M operator exchanges).")
@click.option("--seed", type=int, default=7, show_default=True,
              help="Random seed; the same seed and options give byte-identical files.")
@click.option("--accounts", "legit_accounts", type=int, default=None,
              help="Number of legitimate accounts (overrides the preset).")
@click.option("--operator-accounts", type=int, default=None,
              help="Number of operator (fraud-ring) accounts across all rings (overrides the preset).")
@click.option("--rings", type=int, default=None,
              help="Number of rings; tradecrafts are mixed and each appears once there are at least 5.")
@click.option("--days", type=int, default=None, help="Length of the observation window in days.")
@click.option("--exchanges-scale", type=float, default=None,
              help="Multiply every account's exchange volume (e.g. 0.1 for a quick world).")
@click.option("--exchanges-format", type=click.Choice(["parquet", "csv"]), default=None,
              help="File format of exchanges (default parquet; csv writes ISO-8601 timestamps).")
@click.option("--gzip/--no-gzip", "compress_csv", default=None,
              help="Write the CSV files as .csv.gz.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar.")
def seed(out_dir: Path, preset: str, seed: int, progress: bool, **overrides) -> None:
    """Generate a world into OUT_DIR: accounts, payment_instruments, logins,
    exchanges, ip_intel and labels.csv (ground truth: ring_id, role, tradecraft)."""
    from .world import generate

    cfg = resolve(preset, seed, **overrides)
    try:
        summary = generate(cfg, out_dir, progress=progress, log=lambda m: click.echo(m, err=True))
    except OSError as exc:
        raise RingScopeError(f"could not write the world to {out_dir}: {exc.strerror or exc}; "
                             "check the directory is writable and the disk has space") from exc
    click.echo(format_summary(summary))


def format_summary(s: dict) -> str:
    lines = [f"world written to {s['out_dir']} (preset {s['preset']}, seed {s['seed']}, {s['seconds']} s)",
             f"  accounts {s['accounts']:,} ({s['legit_accounts']:,} legitimate, {s['operator_accounts']:,} in rings)",
             f"  rings {s['rings']}: " + ", ".join(f"{k} {v}" for k, v in s["rings_by_tradecraft"].items()),
             f"  exchanges {s['exchanges']:,} ({s['operator_exchanges']:,} by operator accounts)"]
    for name, rows, size in s["files"]:
        lines.append(f"  {name:<28} {rows:>12,} rows {size / 1e6:>9.2f} MB")
    return "\n".join(lines)
