"""Saved queries: an analyst saves a console query with a title and a description for the
whole team (BloodHound's saved queries), and the team exports and imports them as files in
the catalog's own `.cypher` format (the header `ringscope/catalog.py` reads, category
`saved`, mode `read`), so a saved query can be reviewed, versioned in git, and pasted into
Neo4j Browser with its `:param` lines.

A saved query is a `(:SavedQuery {name})` in the graph with its title, description, Cypher
text, parameters (a JSON object of values) and a version; every save and delete appends an
`(:AuditEvent)-[:ABOUT]->(:SavedQuery)` in the same transaction (`cypher/library/`). A
deleted query keeps its node and history. Saved queries only ever run in the console's
read transactions, so saving one cannot make anything write; a query that writes, or that
the console would refuse (`console.vet`), is refused when saved or imported.

Rights: anyone who may use the console (viewer and up) saves queries and changes their own;
changing or deleting someone else's needs `manage_saved_queries` (admin).

    >>> save("cards_on_many_rings", "Cards used in more than one ring", "...", "MATCH ...", {}, by=me)
    >>> text = to_cypher_file(get("cards_on_many_rings"))     # a .cypher file
    >>> import_text(text, by=colleague, replace=True)
"""
from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import console
from .auth import Identity
from .catalog import _HEADER_LINE, CatalogError, StoredQuery, load_catalog, parse_text, run_query, to_cypher_literal
from .config import Settings
from .domain import iso_utc
from .errors import RingScopeError
from .tagging import acting

#: The header's category for saved queries (catalog.CATEGORIES).
CATEGORY = "saved"
NAME = re.compile(r"^[a-z][a-z0-9_]{2,63}$")
MAX_TITLE_CHARS = 120
MAX_DESCRIPTION_CHARS = 2_000
MAX_CYPHER_CHARS = 50_000


class SavedQueryError(RingScopeError):
    """A saved-query request was refused: bad name, text or file, a name taken, a stale edit."""


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    cypher: str
    #: Parameter name -> value, as the console's "Parameters (JSON object)" holds them.
    params: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    created_by: str | None = None
    created_by_subject: str | None = None
    updated_by: str | None = None
    #: ISO-8601 UTC.
    updated_at: str | None = None


def _clean(name: str, title: str, description: str, cypher: str, params: dict[str, Any] | None) -> tuple:
    name = str(name or "").strip()
    if not NAME.match(name):
        raise SavedQueryError(f"name {name[:70]!r}: 3 to 64 lower-case letters, digits and underscores, starting "
                              "with a letter (cards_on_many_rings)")
    if name in load_catalog():
        raise SavedQueryError(f"{name!r} is the name of a stored query of the catalog: choose another")
    title = " ".join(str(title or "").split())
    if not title or len(title) > MAX_TITLE_CHARS or not title.isprintable():
        raise SavedQueryError(f"a title is one line of printable text, at most {MAX_TITLE_CHARS} characters")
    description = " ".join(str(description or "").split())
    if not description or len(description) > MAX_DESCRIPTION_CHARS or not description.isprintable():
        raise SavedQueryError("say what the query answers (a description of printable text, at most "
                              f"{MAX_DESCRIPTION_CHARS} characters)")
    cypher = str(cypher or "").strip()
    if not cypher:
        raise SavedQueryError("there is no Cypher to save")
    if len(cypher) > MAX_CYPHER_CHARS:
        raise SavedQueryError(f"the query is longer than {MAX_CYPHER_CHARS} characters")
    for line in cypher.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("//"):
            break
        if _HEADER_LINE.match(stripped) and not stripped.startswith("// :param"):
            # In its .cypher file this line would be read as part of the header (mode, name, ...).
            raise SavedQueryError(f"the query starts with the comment {stripped[:60]!r}, which its file would read "
                                  "as a header line: move the comment below the first line of Cypher")
    params = dict(params or {})
    bad = [k for k in params if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(k))]
    if bad:
        raise SavedQueryError(f"parameter name {str(bad[0])[:40]!r} is not a Cypher parameter name")
    try:
        params_text = json.dumps(params, sort_keys=True)
    except (TypeError, ValueError):
        raise SavedQueryError("parameters must be JSON values") from None
    return name, title, description, cypher, params_text


def _query(row: dict[str, Any]) -> SavedQuery:
    try:
        params = json.loads(row["params"] or "{}")
    except ValueError:
        params = {}
    return SavedQuery(name=row["name"], title=row["title"], description=row["description"], cypher=row["cypher"],
                      params=params if isinstance(params, dict) else {}, version=int(row["version"] or 0),
                      created_by=row["created_by"], created_by_subject=row["created_by_subject"],
                      updated_by=row["updated_by"], updated_at=iso_utc(row["updated_at"]))


def list_saved(settings: Settings | None = None) -> list[SavedQuery]:
    """The team's saved queries, by name."""
    return [_query(r) for r in run_query("saved_queries", {"name": None}, settings=settings)]


def get(name: str, settings: Settings | None = None) -> SavedQuery | None:
    rows = run_query("saved_queries", {"name": str(name or "").strip()}, settings=settings)
    return _query(rows[0]) if rows else None


def _may_change(existing: SavedQuery, by: Identity) -> None:
    if existing.created_by_subject != by.subject:
        acting(by, "manage_saved_queries")


def save(name: str, title: str, description: str, cypher: str, params: dict[str, Any] | None, *, by: Identity,
         replace: bool = False, settings: Settings | None = None) -> SavedQuery:
    """Save a console query for the team; audited. A name already taken is refused unless
    `replace` (and then only its author, or someone with manage_saved_queries). Returns the
    query as saved (its version counts the saves)."""
    name, title, description, cypher, params_text = _clean(name, title, description, cypher, params)
    acting(by, "console")
    try:
        console.vet_saved(cypher, params, settings=settings)
    except RingScopeError as exc:
        raise SavedQueryError(f"{name}: {exc}") from None
    existing = get(name, settings)
    if existing is not None:
        if not replace:
            raise SavedQueryError(f"a saved query named {name!r} exists ({existing.title}, by {existing.created_by}): "
                                  "replace it, or choose another name")
        _may_change(existing, by)
    rows = run_query("save_query", {"name": name, "title": title, "description": description, "cypher": cypher,
                                    "params": params_text, "expected_version": existing.version if existing else 0,
                                    **by.audit()}, settings=settings, allow_write=True)
    if not rows:
        raise SavedQueryError(f"{name!r} was changed by someone else meanwhile: look at it again, then save")
    saved = get(name, settings)
    assert saved is not None
    return saved


def delete(name: str, *, by: Identity, settings: Settings | None = None) -> None:
    """Delete a saved query (its node and history stay); its author, or manage_saved_queries."""
    acting(by, "console")
    existing = get(name, settings)
    if existing is None:
        raise SavedQueryError(f"no saved query named {str(name)[:70]!r}")
    _may_change(existing, by)
    if not run_query("delete_saved_query", {"name": existing.name, **by.audit()}, settings=settings,
                     allow_write=True):
        raise SavedQueryError(f"{existing.name!r} was deleted meanwhile")


# --------------------------------------------------------------------------- files


def to_cypher_file(query: SavedQuery) -> str:
    """The saved query as a `.cypher` file in the catalog's format (category `saved`, mode
    `read`, version = its version): header, `:param` lines, then the Cypher text."""
    lines = [f"// name: {query.name}", f"// title: {query.title}"]
    wrapped = textwrap.wrap(query.description, 90) or [query.description]
    lines.append(f"// description: {wrapped[0]}")
    lines += [f"//   {part}" for part in wrapped[1:]]
    lines += [f"// category: {CATEGORY}", "// mode: read", f"// version: {max(1, query.version)}"]
    if query.created_by:
        lines.append(f"// saved_by: {' '.join(str(query.created_by).split())}")
    for key, value in sorted(query.params.items()):
        lines.append(f"// param: {key} = {json.dumps(value, sort_keys=True)} -- saved with the query")
    lines.append("//")
    if query.params:
        lines.append("// In Neo4j Browser or cypher-shell, set the parameters first:")
        lines += [f"// :param {key} => {to_cypher_literal(value)}" for key, value in sorted(query.params.items())]
    return "\n".join(lines) + "\n" + query.cypher.strip() + "\n"


def from_cypher_file(text: str, where: str = "<file>") -> SavedQuery:
    """A saved query from a `.cypher` file: the catalog's header is required (name, title,
    description, category, mode, version); the mode must be read."""
    if "\x00" in text:
        raise SavedQueryError(f"{where}: not a text file")
    try:
        stored: StoredQuery = parse_text(text, where)
    except CatalogError as exc:
        raise SavedQueryError(str(exc)) from None
    if stored.mode != "read":
        raise SavedQueryError(f"{where}: {stored.name} is declared mode: {stored.mode}; saved queries only read")
    params = {p.name: p.default for p in stored.params}
    return SavedQuery(name=stored.name, title=stored.title, description=stored.description, cypher=stored.cypher,
                      params=params, version=stored.version)


def import_text(text: str, *, by: Identity, replace: bool = False, where: str = "<file>",
                settings: Settings | None = None) -> SavedQuery:
    """Save the query a `.cypher` file holds (as `save`: refused when the name is taken,
    unless `replace`)."""
    query = from_cypher_file(text, where)
    return save(query.name, query.title, query.description, query.cypher, query.params, by=by, replace=replace,
                settings=settings)


def export_files(out_dir: str | Path, names: Iterable[str] | None = None,
                 settings: Settings | None = None) -> list[Path]:
    """Write every saved query (or those named) as `<name>.cypher` under `out_dir`."""
    out = Path(out_dir)
    wanted = set(names) if names else None
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for query in list_saved(settings):
            if wanted is None or query.name in wanted:
                path = out / f"{query.name}.cypher"
                path.write_text(to_cypher_file(query), encoding="utf-8")
                written.append(path)
    except OSError as exc:
        raise SavedQueryError(f"cannot write to {out} ({exc.strerror or exc}): choose a folder you can write to") from None
    if wanted:
        missing = sorted(wanted - {p.stem for p in written})
        if missing:
            raise SavedQueryError(f"no saved query named {missing[0]!r}")
    return written


__all__ = ["CATEGORY", "SavedQuery", "SavedQueryError", "delete", "export_files", "from_cypher_file", "get",
           "import_text", "list_saved", "save", "to_cypher_file"]
