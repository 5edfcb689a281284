"""The stored-query catalog: headers, parameters, and every query run on a live server."""
from __future__ import annotations

import json
import re
import textwrap

import pytest

from ringscope import db
from ringscope.catalog import (
    CatalogError,
    coerce_cli_value,
    get_query,
    load_catalog,
    parse_file,
    to_cypher_literal,
)
from ringscope.config import PROJECT_ROOT


def write(tmp_path, text, name="q.cypher"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


GOOD = """
    // name: demo_query
    // title: A demo
    // description: First line
    //   continues here.
    // category: exploration
    // mode: read
    // version: 3
    // param: account_id -- the account
    // param: limit = 25 -- rows at most
    // param: kinds = ["vpn", "hosting"]
    //
    // :param account_id => 'a1'
    // :param limit => 25
    MATCH (a:Account {account_id: $account_id}) RETURN a LIMIT $limit
"""


def test_header_is_parsed(tmp_path):
    q = parse_file(write(tmp_path, GOOD))
    assert q.name == "demo_query" and q.version == 3 and q.mode == "read"
    assert q.description == "First line continues here."
    assert [p.name for p in q.params] == ["account_id", "limit", "kinds"]
    assert q.params[0].required and not q.params[1].required
    assert q.params[1].default == 25 and q.params[2].default == ["vpn", "hosting"]
    assert q.cypher.startswith("MATCH (a:Account")


def test_binding_fills_defaults_and_refuses_unknown_or_missing(tmp_path):
    q = parse_file(write(tmp_path, GOOD))
    assert q.bind({"account_id": "x"}) == {"account_id": "x", "limit": 25, "kinds": ["vpn", "hosting"]}
    with pytest.raises(CatalogError, match="needs --param account_id"):
        q.bind({})
    with pytest.raises(CatalogError, match="has no parameter 'acount_id'"):
        q.bind({"acount_id": "x"})


def test_cli_values_take_the_type_of_the_default(tmp_path):
    q = parse_file(write(tmp_path, GOOD))
    assert coerce_cli_value(q, "limit", "10") == 10
    assert coerce_cli_value(q, "account_id", "123") == "123"  # identifiers stay opaque strings
    assert coerce_cli_value(q, "account_id", '["a", "b"]') == ["a", "b"]
    assert coerce_cli_value(q, "kinds", '["vpn"]') == ["vpn"]


@pytest.mark.parametrize("name, raw, expected", [
    ("limit", "abc", "a whole number"), ("limit", "2.5", "a whole number"), ("limit", "true", "a whole number"),
    ("kinds", "vpn", "a JSON list"), ("min_score", "abc", "a number"), ("min_score", '"0.9"', "a number"),
    ("strict", "yes", "true or false"), ("strict", "1", "true or false"),
])
def test_a_cli_value_of_the_wrong_type_is_one_line(tmp_path, name, raw, expected):
    """Newcomer QA: `query run ring_queue -p min_score=abc` printed "(no rows)" with exit 0
    (the server compares the string with a number as null), `-p limit=abc` a server
    "SyntaxError: Type mismatch"."""
    typed = GOOD.replace("    // param: kinds", "    // param: min_score = 0.0\n    // param: strict = false\n"
                                                   "    // param: kinds")
    q = parse_file(write(tmp_path, typed))
    with pytest.raises(CatalogError) as refused:
        coerce_cli_value(q, name, raw)
    assert str(refused.value).startswith(f"--param {name}={raw} is not {expected}")
    assert str(refused.value).endswith("`ringscope query show demo_query` describes the parameters")
    assert coerce_cli_value(q, "min_score", "1") == 1.0 and coerce_cli_value(q, "strict", "true") is True
    assert coerce_cli_value(q, "kinds", "[]") == []


def test_a_quoted_cli_value_of_a_required_parameter_is_the_text_inside_the_quotes(tmp_path):
    # `--param`'s help offers JSON "text"; the quotes must not become part of the id
    q = parse_file(write(tmp_path, GOOD))
    assert coerce_cli_value(q, "account_id", '"acc_1"') == "acc_1"
    assert coerce_cli_value(q, "account_id", '"00123"') == "00123"
    assert coerce_cli_value(q, "account_id", "00123") == "00123"


def test_param_lines_are_valid_browser_commands(tmp_path):
    q = parse_file(write(tmp_path, GOOD))
    lines = q.param_lines({"account_id": "it's"})
    assert ":param account_id => 'it\\'s'" in lines
    assert ":param kinds => ['vpn', 'hosting']" in lines
    assert to_cypher_literal({"a": [1, None, True]}) == "{`a`: [1, null, true]}"


@pytest.mark.parametrize("missing", ["description", "title", "category", "mode", "version"])
def test_a_query_without_a_header_field_is_refused(tmp_path, missing):
    text = "\n".join(line for line in textwrap.dedent(GOOD).splitlines() if not line.startswith(f"// {missing}:"))
    text = re.sub(r"^//   continues here\.\n", "", text, flags=re.M) if missing == "description" else text
    with pytest.raises(CatalogError, match=f"lacks {missing}"):
        parse_file(write(tmp_path, text))


def test_statements_split_on_semicolons_at_line_end(tmp_path):
    q = parse_file(
        write(
            tmp_path,
            """
            // name: two
            // title: t
            // description: d
            // category: schema
            // mode: write
            // version: 1
            CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x);
            // a comment between
            CREATE INDEX b IF NOT EXISTS FOR (n:B) ON (n.y);
            """,
        )
    )
    assert q.statements() == [
        "CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x)",
        "// a comment between\nCREATE INDEX b IF NOT EXISTS FOR (n:B) ON (n.y)",
    ]


def test_every_stored_query_is_described():
    catalog = load_catalog()
    assert catalog, "the catalog is not empty"
    for q in catalog.values():
        assert len(q.description) >= 20, f"{q.path}: describe what {q.name} finds and why"
        assert q.title and q.title != q.name, f"{q.path}: give {q.name} a plain-sentence title"
        for p in q.params:
            assert p.help, f"{q.path}: parameter ${p.name} has no help text"


def test_every_read_query_documents_its_browser_param_lines():
    for q in load_catalog().values():
        if q.mode != "read":
            continue
        text = q.path.read_text()
        for p in q.params:
            assert f":param {p.name} =>" in text, f"{q.path}: add `// :param {p.name} => ...` for Neo4j Browser"


def test_unknown_query_names_suggest_close_ones():
    with pytest.raises(CatalogError) as close:
        get_query("fanout")
    assert str(close.value) == "no stored query named 'fanout' (did you mean device_fanout, instrument_fanout?)"
    with pytest.raises(CatalogError) as far:
        get_query("definitely-not-a-query")
    assert str(far.value) == ("no stored query named 'definitely-not-a-query'; "
                              "`ringscope query list` shows them all")


def _sample_value(param):
    if not param.required:
        return param.default
    name = param.name
    if name.endswith("_ids") or name.endswith("s") and name not in ("address",):
        return ["none"]
    return "none"


def test_every_stored_query_runs_on_the_live_server(clean_db):
    """Cartography's rule: every packaged query is executed against a real Neo4j.
    Reads run as EXPLAIN (syntax, labels and parameters checked by the planner);
    writes run for real on an empty database, through the one runner (db.run). The
    benchmarks' own queries (benchmarks/cypher/, outside the catalog) are run the same way."""
    bench = load_catalog(PROJECT_ROOT / "benchmarks" / "cypher")
    assert not set(bench) & set(load_catalog()), "a benchmark query is also in the product catalog"
    for q in sorted([*load_catalog().values(), *bench.values()], key=lambda q: q.name):
        params = {p.name: _sample_value(p) for p in q.params}
        try:
            if q.mode == "read":
                db.run_read("EXPLAIN " + q.cypher, params)
            elif q.name in bench:
                db.run_write(q.cypher, q.bind(params))
            else:
                db.run(q.name, params, mode=db.WRITE)
        except Exception as exc:  # report which file failed
            pytest.fail(f"{q.path.name}: {exc}")


def test_a_semicolon_inside_a_comment_string_or_name_does_not_split(tmp_path):
    q = parse_file(
        write(
            tmp_path,
            """
            // name: tricky
            // title: t
            // description: d
            // category: tagging
            // mode: write
            // version: 1
            // why: the note may say "a; b";
            MATCH (r:Ring) SET r.note = 'one; two;
            three' // trailing; comment;
            SET r.`odd;name` = "x\\";y" /* block;
            comment; */ RETURN r;
            MATCH (n) RETURN n
            """,
        )
    )
    statements = q.statements()
    assert len(statements) == 2, statements
    assert statements[0].startswith("MATCH (r:Ring) SET r.note = 'one; two;\nthree'")
    assert statements[0].endswith("comment; */ RETURN r")
    assert statements[1] == "MATCH (n) RETURN n"


def test_a_file_of_only_comments_after_the_last_semicolon_adds_no_statement(tmp_path):
    q = parse_file(write(tmp_path, GOOD.replace("LIMIT $limit", "LIMIT $limit;\n    // the end;")))
    assert len(q.statements()) == 1


def test_an_empty_catalog_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CatalogError, match=r"no stored queries \(\*\.cypher\) in .*empty"):
        load_catalog(tmp_path / "empty")


def test_the_catalog_is_read_as_package_data():
    from importlib import resources

    folder = resources.files("ringscope.cypher")
    assert (folder / "schema" / "001_keys.cypher").is_file()
    assert get_query("instrument_fanout").path.read_text() == (folder / "detection" / "instrument_fanout.cypher").read_text()


def test_largest_ring_without_parameters_names_the_ring_with_most_current_members(clean_db):
    """The app benchmarks' stored query (it was inline text in both): removed members do not
    count, ties go by ring_id, and a named ring gives its own count. Its empty default must be
    the empty string (a default written '' bound the two-quote text and found no ring)."""
    from ringscope import db

    db.run_write("UNWIND range(1, 5) AS i CREATE (:Account {account_id: 'a-' + i})", settings=clean_db)
    db.run_write(
        "CREATE (big:Ring {ring_id: 'R-big'}), (tie:Ring {ring_id: 'R-a'}), (small:Ring {ring_id: 'R-small'}) "
        "WITH big, tie, small MATCH (a:Account) "
        "CREATE (big)-[:HAS_MEMBER {removed: a.account_id IN ['a-4', 'a-5']}]->(a) "
        "FOREACH (_ IN CASE WHEN a.account_id IN ['a-1', 'a-2', 'a-3'] THEN [1] ELSE [] END | "
        "  CREATE (tie)-[:HAS_MEMBER {removed: false}]->(a)) "
        "FOREACH (_ IN CASE WHEN a.account_id = 'a-1' THEN [1] ELSE [] END | CREATE (small)-[:HAS_MEMBER]->(a))",
        settings=clean_db)
    assert get_query("largest_ring").bind({}) == {"ring_id": ""}
    assert db.run("largest_ring", {}, mode=db.READ, settings=clean_db) == [{"ring_id": "R-a", "accounts": 3}]
    assert db.run("largest_ring", {"ring_id": "R-small"}, mode=db.READ, settings=clean_db) == \
        [{"ring_id": "R-small", "accounts": 1}]


def test_query_run_table_shows_hostile_text_inert(clean_db):
    """A display name with a direction override and an escape sequence must not reorder or
    recolour the analyst's terminal in `query run`'s table; json keeps it exact."""
    from click.testing import CliRunner

    from ringscope.cli import cli

    hostile = "evil\u202egnp.exe \x1b[2J\x1b[31mred"
    db.run_write("CREATE (:Account {account_id: 'qa-1', display_name: $name})", {"name": hostile}, settings=clean_db)
    runner = CliRunner()
    table = runner.invoke(cli, ["query", "run", "search_account", "-p", "q=qa-"], color=True)
    assert table.exit_code == 0, table.output
    assert "\u202e" not in table.output and "\x1b" not in table.output
    assert "evil⟨U+202E⟩gnp.exe ?[2J?[31mred" in table.output
    as_json = runner.invoke(cli, ["query", "run", "search_account", "-p", "q=qa-", "--format", "json"], color=True)
    assert json.loads(as_json.output)[0]["name"] == hostile


def test_query_run_csv_keeps_formulas_from_running_in_a_spreadsheet(clean_db):
    """Field report (newcomer QA): `query run --format csv` wrote a display name
    `=HYPERLINK(...)` as is, which a spreadsheet runs; exports, alerts and rejects already
    quoted such cells (now through one function, `display.spreadsheet_safe`)."""
    import csv
    import io

    from click.testing import CliRunner

    from ringscope.cli import cli
    from ringscope.display import spreadsheet_safe

    formula = '=HYPERLINK("http://evil.test","click")'
    db.run_write("CREATE (:Account {account_id: 'qa-2', display_name: $name})", {"name": formula}, settings=clean_db)
    out = CliRunner().invoke(cli, ["query", "run", "search_account", "-p", "q=qa-2", "--format", "csv"])
    assert out.exit_code == 0, out.output
    [row] = list(csv.DictReader(io.StringIO(out.output)))
    assert row["name"] == "'" + formula and "qa-2" in row.values()
    assert [spreadsheet_safe(v) for v in ("-5", "+3.5", "@x", "\tx", "-x", "plain", None)] == \
        ["-5", "+3.5", "'@x", "'\tx", "'-x", "plain", ""]
