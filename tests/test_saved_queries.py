"""Saved queries on a live Neo4j: saved for the team with an audit trail, rights (own vs
others'), and export/import as .cypher files in the catalog's own format (round trip, the
catalog's parser reads them, hostile files refused)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from auth_people import person
from ringscope import db, saved_queries
from ringscope.auth import PermissionDenied
from ringscope.catalog import parse_text
from ringscope.cli import cli
from ringscope.saved_queries import SavedQueryError

CYPHER = "MATCH (r:Ring) WHERE r.score >= $min_score\nRETURN r.ring_id AS ring ORDER BY ring LIMIT $limit"


def events(settings, name):
    return db.run_read("MATCH (e:AuditEvent)-[:ABOUT]->(:SavedQuery {name: $n}) RETURN e.action AS action, e.by AS by, "
                       "e.before AS before, e.after AS after ORDER BY e.seq", {"n": name}, settings=settings)


def test_a_saved_query_is_shared_versioned_and_audited(clean_db):
    alice, bob = person("alice", role="viewer"), person("bob", role="investigator")
    saved = saved_queries.save("strong_rings", "Rings scoring at least a bound",
                               "Every ring whose score is at least\n$min_score, by id.", CYPHER,
                               {"min_score": 0.8, "limit": 50}, by=alice, settings=clean_db)
    assert (saved.version, saved.created_by, saved.params) == (1, "alice", {"limit": 50, "min_score": 0.8})
    assert saved.description == "Every ring whose score is at least $min_score, by id."
    assert [q.name for q in saved_queries.list_saved(settings=clean_db)] == ["strong_rings"]
    # a taken name is refused unless replacing; someone else's needs the admin's right
    with pytest.raises(SavedQueryError, match="exists .*replace it"):
        saved_queries.save("strong_rings", "t", "d", "RETURN 1", {}, by=alice, settings=clean_db)
    with pytest.raises(PermissionDenied, match="manage saved queries needs admin"):
        saved_queries.save("strong_rings", "t", "d", "RETURN 1", {}, by=bob, replace=True, settings=clean_db)
    with pytest.raises(PermissionDenied):
        saved_queries.delete("strong_rings", by=bob, settings=clean_db)
    again = saved_queries.save("strong_rings", "Strong rings", "Rings at or above $min_score.", CYPHER,
                               {"min_score": 0.9, "limit": 50}, by=alice, replace=True, settings=clean_db)
    assert again.version == 2
    saved_queries.save("strong_rings", "Strong rings", "Rings at or above $min_score.", CYPHER, {},
                       by=person("ada", role="admin"), replace=True, settings=clean_db)
    trail = events(clean_db, "strong_rings")
    assert [(e["action"], e["by"]) for e in trail] == [("save_query", "alice"), ("save_query", "alice"),
                                                       ("save_query", "ada")]
    assert json.loads(trail[1]["before"])["title"] == "Rings scoring at least a bound"
    saved_queries.delete("strong_rings", by=alice, settings=clean_db)
    assert saved_queries.list_saved(settings=clean_db) == []
    assert events(clean_db, "strong_rings")[-1]["action"] == "delete_query"
    # the name is free again; the history stays on the one node
    saved_queries.save("strong_rings", "Again", "Saved again after delete.", "RETURN 1", {}, by=bob, settings=clean_db)
    assert db.run_read("MATCH (q:SavedQuery) RETURN count(q) AS n", settings=clean_db)[0]["n"] == 1


@pytest.mark.parametrize("name, title, description, cypher, params, error", [
    ("Bad Name", "t", "d", "RETURN 1", {}, "lower-case letters"),
    ("ring_queue", "t", "d", "RETURN 1", {}, "stored query of the catalog"),
    ("fine_name", "", "d", "RETURN 1", {}, "a title is one line"),
    ("fine_name", "t\u202e", "d", "RETURN 1", {}, "a title is one line"),
    ("fine_name", "t", " ", "RETURN 1", {}, "say what the query answers"),
    ("fine_name", "t", "d", "  ", {}, "no Cypher"),
    ("fine_name", "t", "d", "// mode: write\nRETURN 1", {}, "read as a header line"),
    ("fine_name", "t", "d", "RETURN 1", {"bad-key": 1}, "not a Cypher parameter name"),
    # field report: a write saved (or imported from a file declared `mode: read`) failed for
    # everyone who opened it; administration the console refuses is refused at the save too
    ("fine_name", "t", "d", "MATCH (a:Account) SET a.flag = true RETURN count(a)", {}, "saved queries only read"),
    ("fine_name", "t", "d", "CREATE (n:Note) RETURN n", {}, "saved queries only read"),
    ("fine_name", "t", "d", "TERMINATE TRANSACTIONS 'neo4j-transaction-1'", {}, "not administration commands"),
    ("fine_name", "t", "d", "MATCH (a:Account {account_id: $id}) RETURN a", {}, None),
])
def test_bad_saves_are_refused_and_write_nothing(clean_db, name, title, description, cypher, params, error):
    if error is None:  # a read with a parameter the save does not give plans, and saves
        saved_queries.save(name, title, description, cypher, params, by=person("alice"), settings=clean_db)
        stored = saved_queries.get(name, settings=clean_db)
        assert stored is not None and (stored.name, stored.cypher) == (name, cypher)
        return
    with pytest.raises(SavedQueryError, match=error):
        saved_queries.save(name, title, description, cypher, params, by=person("alice"), settings=clean_db)
    assert db.run_read("MATCH (n) WHERE n:SavedQuery OR n:AuditEvent RETURN count(n) AS n", settings=clean_db)[0]["n"] == 0


def test_a_file_in_the_catalogs_format_round_trips(clean_db, tmp_path):
    saved_queries.save("strong_rings", "Strong rings", "A long description " * 12, CYPHER,
                       {"min_score": 0.8, "limit": 50, "kinds": ["ip", "device"]}, by=person("alice"),
                       settings=clean_db)
    text = saved_queries.to_cypher_file(saved_queries.get("strong_rings", settings=clean_db))
    assert text.startswith("// name: strong_rings\n// title: Strong rings\n// description: A long")
    assert "// category: saved\n// mode: read\n// version: 1\n" in text
    assert "// :param kinds => ['ip', 'device']" in text and "// :param min_score => 0.8" in text
    parsed = parse_text(text)  # the catalog's own parser reads it
    assert (parsed.name, parsed.category, parsed.mode, parsed.cypher) == ("strong_rings", "saved", "read", CYPHER)
    assert parsed.description == ("A long description " * 12).strip()
    assert parsed.defaults() == {"kinds": ["ip", "device"], "limit": 50, "min_score": 0.8}
    # a colleague imports the file into another graph (here: after a delete) and gets the same query
    saved_queries.delete("strong_rings", by=person("alice"), settings=clean_db)
    back = saved_queries.import_text(text, by=person("bob"), settings=clean_db)
    assert (back.title, back.description, back.cypher, back.params) == (
        "Strong rings", ("A long description " * 12).strip(), CYPHER, {"min_score": 0.8, "limit": 50, "kinds": ["ip", "device"]})
    assert saved_queries.to_cypher_file(back).replace("version: 2", "version: 1").replace("bob", "alice") == text


@pytest.mark.parametrize("text, error", [
    ("MATCH (n) RETURN n", "header lacks"),
    ("// name: x_writes\n// title: t\n// description: d\n// category: saved\n// mode: write\n// version: 1\nCREATE (n)",
     "saved queries only read"),
    ("// name: x_sneaky\n// title: t\n// description: d\n// category: saved\n// mode: read\n// version: 1\n"
     "MATCH (a:Account) DETACH DELETE a", "saved queries only read"),
    ("// name: weird\n// title: t\n// description: d\n// category: nope\n// mode: read\n// version: 1\nRETURN 1",
     "unknown category"),
    ("\x00\x01binary", "not a text file"),
])
def test_bad_files_are_refused(clean_db, text, error):
    with pytest.raises(SavedQueryError, match=error):
        saved_queries.import_text(text, by=person("alice"), settings=clean_db)
    assert saved_queries.list_saved(settings=clean_db) == []


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def test_cli_exports_imports_shows_and_deletes(clean_db, tmp_path):
    saved_queries.save("strong_rings", "Strong rings", "Rings at or above a score.", CYPHER, {"min_score": 0.8,
                       "limit": 5}, by=person("alice"), settings=clean_db)
    assert "import" in invoke("query", "saved", "--help").output
    assert "strong_rings  Strong rings  (v1, by alice)" in invoke("query", "saved").output
    shown = invoke("query", "saved", "show", "strong_rings").output
    assert shown.startswith("// name: strong_rings")
    result = invoke("query", "saved", "export", str(tmp_path / "out"))
    assert result.exit_code == 0 and (tmp_path / "out" / "strong_rings.cypher").read_text() == shown
    refused = invoke("query", "saved", "import", str(tmp_path / "out" / "strong_rings.cypher"), "--by", "carol")
    assert refused.exit_code != 0 and "exists" in str(refused.exception)
    ok = invoke("query", "saved", "import", str(tmp_path / "out" / "strong_rings.cypher"), "--by", "carol", "--replace")
    assert ok.exit_code == 0, ok.output  # the CLI acts as admin (it holds the database password)
    assert "saved strong_rings (v2)" in ok.output
    assert invoke("query", "saved", "delete", "strong_rings", "--by", "carol").exit_code == 0
    assert invoke("query", "saved").output.strip() == "no saved queries"


def test_cli_export_to_a_folder_that_cannot_be_made_is_one_line(clean_db, tmp_path):
    """`ringscope query saved export FILE/sub` ended in a NotADirectoryError traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = invoke("query", "saved", "export", str(blocker / "queries"))
    assert result.exit_code == 1 and isinstance(result.exception, saved_queries.SavedQueryError)
    assert "cannot write to" in str(result.exception) and "(Not a directory)" in str(result.exception)


def test_query_run_on_a_saved_query_says_where_saved_queries_run(clean_db):
    """Field report (newcomer QA): `ringscope query run <saved name>` said only "no stored
    query ...; `ringscope query list`", which does not list saved queries."""
    saved_queries.save("my_rings", "Mine", "Rings by id.", "MATCH (r:Ring) RETURN r.ring_id AS ring", {},
                       by=person("alice", role="investigator"), settings=clean_db)
    result = CliRunner().invoke(cli, ["query", "run", "my_rings"])
    assert result.exit_code != 0
    assert "'my_rings' is a saved console query: `ringscope query saved show my_rings` prints it" in str(result.exception)
    other = CliRunner().invoke(cli, ["query", "run", "nothing_like_it"])
    assert "saved console query" not in str(other.exception)
