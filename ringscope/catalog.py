"""The stored-query catalog: the one loader of the `.cypher` files under `cypher/`.

Each file is plain Cypher that runs unchanged in Neo4j Browser or cypher-shell,
preceded by a comment header the CLI, the app and the tests read::

    // name: instrument_fanout
    // title: Payment instruments funding many accounts
    // description: Cards, wallets or accounts shared by at least $min_accounts accounts.
    // category: detection
    // mode: read
    // version: 1
    // param: min_accounts = 3  -- accounts one instrument must fund
    // param: limit = 100       -- rows returned at most
    //
    // In Neo4j Browser or cypher-shell, set the parameters first:
    // :param min_accounts => 3
    // :param limit => 100
    MATCH ...

A header line `description:` may continue on following `//` lines indented by
two or more spaces. Files holding several statements (schema migrations,
multi-step writes) separate them with `;` (one inside a string, a quoted name or
a comment does not count).

The files are package data of `ringscope.cypher` and are read with
`importlib.resources` (as Cartography reads its job files), so an installed wheel
finds them as an editable checkout does. A catalog with no query is an error.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Iterator

from .errors import RingScopeError

#: The package whose data files are the stored queries (the repository's `cypher/` folder).
CYPHER_PACKAGE = "ringscope.cypher"

REQUIRED_FIELDS = ("name", "title", "description", "category", "mode", "version")
CATEGORIES = ("schema", "admin", "detection", "exploration", "triage", "tagging", "export", "ingest", "detection-write", "evaluation", "alert",
              # the queries that keep analysts' saved console queries (cypher/library/)
              "library",
              # analysts' saved console queries (ringscope.saved_queries): files exported from the graph, never in cypher/
              "saved")
MODES = ("read", "write")
#: `// transaction: auto` marks a file whose statements must run outside a transaction
#: function (schema commands, `CALL { } IN TRANSACTIONS`); the default is managed.
TRANSACTIONS = ("managed", "auto")
#: `// rows: values` marks a read whose rows hold only values (numbers, strings, times,
#: lists and maps of them), never nodes, relationships or paths: the runner hands them
#: over as the driver decoded them instead of converting each one (`Record.data()`
#: walks every list element in Python: 36 of the 54 client CPU seconds of
#: `ip_cooccurrence` on the incident world); the default is `graph`.
ROWS = ("graph", "values")

_HEADER_LINE = re.compile(r"^//\s?(?P<key>[a-z_]+):\s*(?P<value>.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*(?P<default>.*?))?\s*(?:--\s*(?P<help>.*))?$")


class CatalogError(RingScopeError):
    """A stored query is missing, malformed, or was given bad parameters."""


@dataclass(frozen=True)
class Param:
    name: str
    default: Any = None
    help: str = ""
    required: bool = False


@dataclass(frozen=True)
class StoredQuery:
    name: str
    title: str
    description: str
    category: str
    mode: str
    version: int
    params: tuple[Param, ...]
    cypher: str
    #: Where the file was read from (a Path for any unzipped install).
    path: Path | Traversable
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_write(self) -> bool:
        return self.mode == "write"

    @property
    def values_only(self) -> bool:
        """True when the header says `rows: values` (see ROWS)."""
        return self.extra.get("rows") == "values"

    @property
    def auto_commit(self) -> bool:
        """True when the header says `transaction: auto`."""
        return self.extra.get("transaction") == "auto"

    def statements(self) -> list[str]:
        """The file's statements, split on each `;` outside strings, quoted names and
        comments; a piece holding only comments is dropped, comments before a statement
        stay with it."""
        return [p.strip() for p in split_statements(self.cypher) if _strip_comments(p).strip()]

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params if not p.required}

    def bind(self, given: dict[str, Any] | None = None) -> dict[str, Any]:
        """Defaults overlaid with `given`; unknown or missing parameters are refused."""
        given = dict(given or {})
        known = {p.name for p in self.params}
        unknown = sorted(set(given) - known)
        if unknown:
            raise CatalogError(
                f"query {self.name!r} has no parameter {unknown[0]!r}; it takes: {', '.join(sorted(known)) or 'none'}"
            )
        bound = self.defaults()
        bound.update(given)
        missing = [p.name for p in self.params if p.required and p.name not in bound]
        if missing:
            raise CatalogError(f"query {self.name!r} needs --param {missing[0]}=VALUE")
        return bound

    def param_lines(self, values: dict[str, Any] | None = None) -> str:
        """`:param` lines that set these values in Neo4j Browser / cypher-shell."""
        values = self.bind(values) if values is not None else self.defaults()
        return "\n".join(f":param {k} => {to_cypher_literal(v)}" for k, v in values.items())


def split_statements(cypher: str) -> list[str]:
    """Cypher text cut at each `;` that ends a statement: one inside '...', "...",
    `...`, a `// line` or a `/* block */` comment is part of the text, not a separator.
    Backslash escapes inside strings are honoured (`'it\\'s; fine'`)."""
    parts: list[str] = []
    start = 0
    i, n = 0, len(cypher)
    while i < n:
        c = cypher[i]
        if c in "'\"`":
            i += 1
            while i < n and cypher[i] != c:
                i += 2 if cypher[i] == "\\" and c != "`" else 1
        elif cypher.startswith("//", i):
            end = cypher.find("\n", i)
            i = n if end < 0 else end
        elif cypher.startswith("/*", i):
            end = cypher.find("*/", i + 2)
            i = n if end < 0 else end + 1
        elif c == ";":
            parts.append(cypher[start:i])
            start = i + 1
        i += 1
    parts.append(cypher[start:])
    return parts


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))


def parse_literal(text: str) -> Any:
    """A parameter value as written in a header or on the command line.

    JSON where it parses (numbers, true/false/null, "strings", [lists], {maps}),
    otherwise the text itself as a string.
    """
    text = text.strip()
    if text == "":
        return ""
    try:
        return json.loads(text)
    except ValueError:
        return text


def to_cypher_literal(value: Any) -> str:
    """Render a parameter value as a Cypher literal (for `:param` lines only)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_cypher_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"`{k}`: {to_cypher_literal(v)}" for k, v in value.items()) + "}"
    return to_cypher_literal(str(value))


def coerce_cli_value(query: StoredQuery, name: str, raw: str) -> Any:
    """`--param k=v` text, typed after the parameter's default where it has one."""
    param = next((p for p in query.params if p.name == name), None)
    value = parse_literal(raw)
    if param is not None and param.required and not isinstance(value, (list, dict, str)):
        # Identifiers are opaque strings ("00123" and "123" both): only a list,
        # a map or a quoted JSON string is parsed for a parameter that has no
        # typed default (`-p q='"acc"'` means acc, as --param's help says).
        return raw
    if param is not None and isinstance(param.default, str) and not isinstance(value, str):
        return raw
    if param is not None and isinstance(param.default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if param is not None and not param.required and param.default is not None and value is not None:
        # A value of the wrong type is refused here: `-p min_score=abc` printed "(no rows)"
        # (the server compares a number with a string as null) and `-p limit=abc` a server
        # "SyntaxError: Type mismatch".
        expected = _wrong_type(value, param.default)
        if expected:
            raise CatalogError(f"--param {name}={raw} is not {expected} (its default is {json.dumps(param.default)}): "
                               f"`ringscope query show {query.name}` describes the parameters")
    return value


#: (type of a default, whether a value fits it, what it must be): bool before int, a bool
#: being an int to Python
_PARAM_TYPES = (
    (bool, lambda v: isinstance(v, bool), "true or false"),
    (int, lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    (float, lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    (list, lambda v: isinstance(v, list), 'a JSON list (["a", "b"])'),
)


def _wrong_type(value: Any, default: Any) -> str | None:
    """What a value for a parameter with this default must be ("a number"), when `value` is
    not that; None when it fits or the default's type is not checked."""
    for kind, fits, words in _PARAM_TYPES:
        if isinstance(default, kind):
            return None if fits(value) else words
    return None


def parse_file(path: Path | Traversable) -> StoredQuery:
    return parse_text(path.read_text(encoding="utf-8"), path)


def parse_text(text: str, path: Path | Traversable | str = "<text>") -> StoredQuery:
    """A stored query from the text of a `.cypher` file (`path` names it in errors)."""
    header: dict[str, str] = {}
    params: list[Param] = []
    body_start = 0
    last_key = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("//"):
            if stripped == "":
                last_key = None
                continue
            body_start = i
            break
        body_start = i + 1
        m = _HEADER_LINE.match(stripped)
        if m and not stripped.startswith("// :param"):
            key, value = m.group("key"), m.group("value").strip()
            if key == "param":
                pm = _PARAM.match(value)
                if not pm:
                    raise CatalogError(f"{path}: malformed param line {value!r}")
                default_text = pm.group("default")
                params.append(
                    Param(
                        name=pm.group("name"),
                        default=None if default_text is None else parse_literal(default_text),
                        help=(pm.group("help") or "").strip(),
                        required=default_text is None,
                    )
                )
            else:
                header[key] = value
            last_key = key
        elif last_key == "description" and re.match(r"^//\s{2,}\S", stripped):
            header["description"] += " " + stripped[2:].strip()
        else:
            last_key = None
    missing = [f for f in REQUIRED_FIELDS if not header.get(f)]
    if missing:
        raise CatalogError(f"{path}: header lacks {', '.join(missing)}")
    if header["mode"] not in MODES:
        raise CatalogError(f"{path}: mode must be read or write, not {header['mode']!r}")
    if header["category"] not in CATEGORIES:
        raise CatalogError(f"{path}: unknown category {header['category']!r} (one of {', '.join(CATEGORIES)})")
    if header.get("transaction", "managed") not in TRANSACTIONS:
        raise CatalogError(f"{path}: transaction must be managed or auto, not {header['transaction']!r}")
    if header.get("rows", "graph") not in ROWS:
        raise CatalogError(f"{path}: rows must be graph or values, not {header['rows']!r}")
    try:
        version = int(header["version"])
    except ValueError:
        raise CatalogError(f"{path}: version must be a whole number") from None
    cypher = "\n".join(lines[body_start:]).strip()
    if not cypher:
        raise CatalogError(f"{path}: no Cypher after the header")
    extra = {k: v for k, v in header.items() if k not in REQUIRED_FIELDS}
    return StoredQuery(
        name=header["name"],
        title=header["title"],
        description=header["description"],
        category=header["category"],
        mode=header["mode"],
        version=version,
        params=tuple(params),
        cypher=cypher,
        path=path,
        extra=extra,
    )


def _cypher_files(folder: Traversable) -> Iterator[Traversable]:
    # Traversable has no rglob: walk it, in name order so the catalog loads the same way everywhere.
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            yield from _cypher_files(entry)
        elif entry.name.endswith(".cypher"):
            yield entry


def _package_folder() -> Traversable:
    try:
        return resources.files(CYPHER_PACKAGE)
    except ModuleNotFoundError:
        raise CatalogError(
            f"the stored queries are missing: package {CYPHER_PACKAGE} is not installed; reinstall ringscope"
        ) from None


@lru_cache(maxsize=None)
def _load(where: str) -> dict[str, StoredQuery]:
    folder: Traversable = Path(where) if where != CYPHER_PACKAGE else _package_folder()
    catalog: dict[str, StoredQuery] = {}
    for path in _cypher_files(folder):
        query = parse_file(path)
        if query.name in catalog:
            raise CatalogError(f"{path}: name {query.name!r} already used by {catalog[query.name].path}")
        catalog[query.name] = query
    if not catalog:
        shown = folder if where != CYPHER_PACKAGE else f"{CYPHER_PACKAGE} ({folder})"
        raise CatalogError(f"no stored queries (*.cypher) in {shown}: the install lacks its query files; reinstall ringscope")
    return catalog


def load_catalog(directory: Path | None = None) -> dict[str, StoredQuery]:
    """Every stored query, by name (schema migrations included): from `directory` when
    given, else from the installed package data. Raises CatalogError when none is found."""
    return dict(_load(str(Path(directory).resolve()) if directory else CYPHER_PACKAGE))


def get_query(name: str, directory: Path | None = None) -> StoredQuery:
    catalog = load_catalog(directory)
    try:
        return catalog[name]
    except KeyError:
        close = [n for n in catalog if name.lower() in n.lower()]
        hint = f" (did you mean {', '.join(close[:3])}?)" if close else "; `ringscope query list` shows them all"
        raise CatalogError(f"no stored query named {name!r}{hint}") from None


def queries_in(category: str, directory: Path | None = None) -> list[StoredQuery]:
    return [q for q in load_catalog(directory).values() if q.category == category]


def run_query(
    name: str,
    params: dict[str, Any] | None = None,
    *,
    settings=None,
    allow_write: bool = False,
    timeout: float | None = None,
    max_rows: int | None = None,
) -> list[dict[str, Any]]:
    """Run a stored query by name through the one runner (`db.run`): reads in read
    transactions, declared writes only when the caller allows writes."""
    from . import db

    query = get_query(name)
    if query.is_write and not allow_write:
        raise CatalogError(f"query {name!r} is declared a write: run it where writes are allowed")
    return db.run(name, params, mode=query.mode, settings=settings, timeout=timeout, max_rows=max_rows)
