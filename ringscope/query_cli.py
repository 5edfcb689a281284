"""`ringscope query ...`: list, show and run the stored queries of `cypher/`."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from .catalog import CatalogError, coerce_cli_value, get_query, load_catalog, run_query


@click.group()
def query() -> None:
    """The stored-query catalog: every detection, exploration, triage, tagging
    and export query, each runnable unchanged in Neo4j Browser or cypher-shell."""


@query.command("list")
@click.option("--category", help="Only this category (schema, detection, exploration, triage, tagging, export, ...).")
@click.option("--markdown", is_flag=True, help="A Markdown table (the README's query catalog is made with this).")
@click.option("--update-readme", type=click.Path(exists=True, dir_okay=False), help="Rewrite the catalog table between the catalog markers of this README.")
def list_queries(category: str | None, markdown: bool, update_readme: str | None) -> None:
    """One line per stored query: name, category, read/write, title."""
    catalog = sorted(load_catalog().values(), key=lambda q: (q.category, q.name))
    if category:
        catalog = [q for q in catalog if q.category == category]
        if not catalog:
            raise CatalogError(f"no stored query in category {category!r}")
    if markdown or update_readme:
        table = "\n".join(
            ["| name | category | mode | what it answers |", "|---|---|---|---|"]
            + [f"| `{q.name}` | {q.category} | {q.mode} | {q.title} |" for q in catalog]
        )
        if not update_readme:
            click.echo(table)
            return
        path = Path(update_readme)
        text = path.read_text()
        start, end = "<!-- catalog:start -->", "<!-- catalog:end -->"
        if start not in text or end not in text:
            raise CatalogError(f"{path} has no {start} ... {end} markers")
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        path.write_text(f"{head}{start}\n{table}\n{end}{tail}")
        click.echo(f"{path}: catalog table rewritten ({len(catalog)} queries)")
        return
    width = max((len(q.name) for q in catalog), default=10)
    for q in catalog:
        click.echo(f"{q.name:<{width}}  {q.category:<12} {q.mode:<5}  {q.title}")


@query.command()
@click.argument("name")
def show(name: str) -> None:
    """Print a query with its description, parameters and the `:param` lines for Neo4j Browser."""
    q = get_query(name)
    click.echo(f"// {q.title}  (v{q.version}, {q.category}, {q.mode})")
    click.echo(f"// {q.description}")
    for p in q.params:
        default = "required" if p.required else f"default {json.dumps(p.default)}"
        click.echo(f"//   ${p.name}: {p.help or ''} ({default})")
    click.echo(f"// file: {q.path}")
    lines = q.param_lines() if not any(p.required for p in q.params) else ""
    if lines:
        click.echo(lines)
    click.echo(q.cypher)


def _parse_params(q, pairs: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise CatalogError(f"--param {pair!r} must look like name=value")
        key, raw = pair.split("=", 1)
        params[key.strip()] = coerce_cli_value(q, key.strip(), raw)
    return params


#: The command that runs a category's identity-recording write queries, with the identity.
RECORDING_COMMANDS = {"tagging": "`ringscope tag` (or `ringscope mark`)", "export": "`ringscope export`",
                      "alert": "`ringscope alerts`", "library": "`ringscope query saved`"}


@query.command()
@click.argument("name")
@click.option("--param", "-p", "pairs", multiple=True, metavar="K=V", help="A parameter (JSON values: 3, 0.5, true, \"text\", [1,2]); repeatable.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: control and bidi characters made visible; csv: formula cells quoted, control and bidi "
                   "characters made visible on a terminal; json: exact values, ASCII (other characters as \\uXXXX "
                   "escapes).")
@click.option("--limit-rows", default=1000, show_default=True, type=click.IntRange(min=1), help="Print at most this many rows.")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds before the server cancels a read query.")
@click.option("--write", "allow_write", is_flag=True, help="Allow a query declared `mode: write` to run.")
def run(name: str, pairs: tuple[str, ...], fmt: str, limit_rows: int, timeout: float, allow_write: bool) -> None:
    """Run a stored query. Reads run in read transactions: the server refuses any write.
    Write queries that record who made a change (tagging, marks, exports, alerts, saved
    queries) are refused here: their own commands record you."""
    try:
        q = get_query(name)
    except CatalogError as exc:
        raise CatalogError(f"{exc}{_saved_hint(name)}") from None
    if any(p.name == "by_subject" for p in q.params):
        # these record who made a change; typed here, `by` would be whatever was typed (a
        # field report: a status change and an export recorded as a signed-in lead)
        raise CatalogError(f"query {name!r} records who makes the change: run it through "
                           f"{RECORDING_COMMANDS.get(q.category, 'the ringscope command that does it')}, "
                           "which records you (--by and the OS user)")
    params = _parse_params(q, pairs)
    if q.is_write and not allow_write:
        raise CatalogError(f"query {name!r} writes to the graph: add --write to run it")
    rows = run_query(name, params, allow_write=allow_write, timeout=timeout, max_rows=limit_rows)
    emit_rows(rows, fmt)


def _saved_hint(name: str) -> str:
    """When NAME is one of the team's saved console queries, say where those run."""
    from . import saved_queries

    try:
        found = saved_queries.get(name)
    except Exception:  # no server to ask: the stored-query error alone is the answer
        return ""
    if found is None:
        return ""
    return (f"; {name!r} is a saved console query: `ringscope query saved show {name}` prints it, "
            "to run in the app's console or Neo4j Browser")


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str, sort_keys=True)
    return "" if value is None else str(value)


def emit_rows(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, default=str, indent=2, sort_keys=True))
        return
    if not rows:
        click.echo("(no rows)", err=True)
        return
    keys = list(rows[0].keys())
    from . import display
    from .display import spreadsheet_safe, terminal

    if fmt == "csv":
        # cells a spreadsheet would run as formulas (`=HYPERLINK(...)` in a display name)
        # get a leading apostrophe; json keeps every value exact (ASCII, \uXXXX escapes).
        # On a terminal the CSV is read by a person: control and bidi characters are made
        # visible (display.terminal), as in `alerts --format csv`, so a display name cannot
        # clear the screen or set the window title; to a file or a pipe cells stay as stored.
        shown = terminal if sys.stdout.isatty() else str
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(keys)
        for row in rows:
            writer.writerow([shown(spreadsheet_safe(_cell(row.get(k)))) for k in keys])
        return
    # a terminal table shows data from the graph inert (bidi controls, escape sequences)
    cells = [[terminal(_cell(row.get(k))) for k in keys] for row in rows]
    widths = [min(60, max(len(k), *(len(c[i]) for c in cells))) for i, k in enumerate(keys)]
    click.echo("  ".join(k.ljust(w) for k, w in zip(keys, widths)))
    click.echo("  ".join("-" * w for w in widths))
    for c in cells:
        click.echo("  ".join(v[:w].ljust(w) for v, w in zip(c, widths)))
    click.echo(f"({display.count(len(rows), 'row')})", err=True)


# --------------------------------------------------------------------------- saved queries


@query.group("saved", invoke_without_command=True)
@click.pass_context
def saved(ctx: click.Context) -> None:
    """The team's saved console queries: list, show, export and import as .cypher files in
    the catalog's format, delete. (Save one from the app's Cypher console, or import a file.)

    \b
      ringscope query saved                                  # list them
      ringscope query saved show cards_on_many_rings         # as its .cypher file
      ringscope query saved export queries/                  # one NAME.cypher per query
      ringscope query saved import queries/*.cypher --by alice [--replace]
      ringscope query saved delete cards_on_many_rings --by alice
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(saved_list)


@saved.command("list")
def saved_list() -> None:
    """List the saved queries."""
    from . import saved_queries
    from .display import terminal

    found = saved_queries.list_saved()
    if not found:
        click.echo("no saved queries")
    for q in found:
        click.echo(terminal(f"{q.name}  {q.title}  (v{q.version}, by {q.created_by})"))


@saved.command("show")
@click.argument("name")
def saved_show(name: str) -> None:
    """Print one saved query as its .cypher file."""
    from . import saved_queries

    found = saved_queries.get(name)
    if found is None:
        raise saved_queries.SavedQueryError(f"no saved query named {name!r}: `ringscope query saved` lists them")
    click.echo(saved_queries.to_cypher_file(found), nl=False)


@saved.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("names", nargs=-1)
def saved_export(out_dir: Path, names: tuple[str, ...]) -> None:
    """Write every saved query (or the NAMES given) as OUT_DIR/NAME.cypher."""
    from . import saved_queries

    written = saved_queries.export_files(out_dir, names or None)
    for path in written:
        click.echo(str(path))
    click.echo(f"{len(written)} saved quer{'y' if len(written) == 1 else 'ies'} written")


@saved.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace saved queries of the same name (yours; others' need admin).")
@click.option("--by", metavar="NAME", help="Your name for the audit trail (default: RINGSCOPE_INVESTIGATOR).")
def saved_import(files: tuple[Path, ...], replace: bool, by: str | None) -> None:
    """Save the queries of .cypher files (the catalog's header format, mode read)."""
    from . import auth, saved_queries
    from .config import load_settings

    settings = load_settings()
    who = auth.cli_identity(by, settings)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise saved_queries.SavedQueryError(f"cannot read {path}: {exc}") from None
        query = saved_queries.import_text(text, by=who, replace=replace, where=str(path), settings=settings)
        click.echo(f"{path}: saved {query.name} (v{query.version})")


@saved.command("delete")
@click.argument("name")
@click.option("--by", metavar="NAME", help="Your name for the audit trail (default: RINGSCOPE_INVESTIGATOR).")
def saved_delete(name: str, by: str | None) -> None:
    """Delete a saved query (its history stays in the graph)."""
    from . import auth, saved_queries
    from .config import load_settings

    settings = load_settings()
    saved_queries.delete(name, by=auth.cli_identity(by, settings), settings=settings)
    click.echo(f"deleted {name}")
