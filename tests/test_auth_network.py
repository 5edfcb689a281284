"""The console cannot make the database server fetch URLs.

Anyone who can type Cypher (the app's console, `ringscope query run`) runs it in a read
transaction; a read transaction still runs `LOAD CSV FROM 'http://...'` and APOC's
loaders, which would let them make the server request internal addresses (a cloud
metadata endpoint, an admin port) and read the answers. The server configuration written
by `ringscope db start` (and docker-compose.yml) closes that: these tests start a real
HTTP server on loopback, try every way in from the read path, and count the requests it
received. They also check that the APOC procedures RingScope uses still run.
"""
from __future__ import annotations

import http.server
import re
import threading
import urllib.request

import pytest

from ringscope import db
from ringscope.catalog import run_query
from ringscope.config import PROJECT_ROOT
from ringscope.errors import RingScopeError
from ringscope.server import local


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a small CSV/JSON body and remembers the path asked for."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.requests.append(self.path)
        body = b'{"secret": "metadata"}' if self.path.endswith(".json") else b"secret,metadata\n1,2\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture
def listener():
    """A real HTTP server on 127.0.0.1 (a free port) that records each request it gets."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The listener works: a request from this process is seen (so zero later means refused).
    port = server.server_address[1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/probe.csv", timeout=5) as answer:
        assert answer.read().startswith(b"secret")
    assert server.requests == ["/probe.csv"]
    server.requests.clear()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _attempts(port: int) -> dict[str, str]:
    base = f"http://127.0.0.1:{port}"
    return {
        "load csv": f"LOAD CSV FROM '{base}/load-csv.csv' AS row RETURN row",
        "load csv with headers": f"LOAD CSV WITH HEADERS FROM '{base}/headers.csv' AS row RETURN row",
        "apoc.load.json": f"CALL apoc.load.json('{base}/apoc.json') YIELD value RETURN value",
        "apoc.load.jsonParams": f"CALL apoc.load.jsonParams('{base}/params.json', {{}}, null) YIELD value RETURN value",
        "apoc.load.csv": f"CALL apoc.load.csv('{base}/apoc.csv') YIELD list RETURN list",
        "apoc.import.json": f"CALL apoc.import.json('{base}/import.json')",
        "apoc.load.xml": f"CALL apoc.load.xml('{base}/x.json') YIELD value RETURN value",
        "file url": "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    }


BLOCKLIST = r"access to /127\.0\.0\.1 is blocked via the configuration property internal\.dbms\.cypher_ip_blocklist"


def _no_procedure(name: str) -> str:
    return rf"no procedure with the name `{re.escape(name)}` registered for this database"


#: Why each attempt is refused: the configuration's reasons, not a typo in the test. The
#: blocklist for LOAD CSV over HTTP, file URLs switched off, and APOC's loaders not on the
#: allow-list (so not registered at all).
REFUSALS = {
    "load csv": BLOCKLIST,
    "load csv with headers": BLOCKLIST,
    "apoc.load.json": _no_procedure("apoc.load.json"),
    "apoc.load.jsonParams": _no_procedure("apoc.load.jsonParams"),
    "apoc.load.csv": _no_procedure("apoc.load.csv"),
    "apoc.import.json": _no_procedure("apoc.import.json"),
    "apoc.load.xml": _no_procedure("apoc.load.xml"),
    "file url": r"'dbms\.security\.allow_csv_import_from_file_urls' is false",
}


def test_a_read_transaction_cannot_make_the_server_fetch_a_url(neo4j_settings, listener):
    port = listener.server_address[1]
    refused = {}
    for name, cypher in _attempts(port).items():
        with pytest.raises(RingScopeError) as caught:
            db.run_read(cypher, settings=neo4j_settings, timeout=20)
        refused[name] = str(caught.value)
    assert listener.requests == [], (f"the database server fetched {listener.requests}: was the test server "
                                     "started before this configuration? `ringscope db stop` it and run again")
    assert refused.keys() == REFUSALS.keys()
    wrong = {name: text for name, text in refused.items() if not re.search(REFUSALS[name], text, re.I | re.S)}
    assert not wrong, wrong


def test_nor_can_the_same_cypher_in_a_write_transaction(neo4j_settings, listener):
    port = listener.server_address[1]
    for name in ("load csv", "apoc.load.json", "file url"):
        with pytest.raises(RingScopeError) as caught:
            db.run_write(_attempts(port)[name], settings=neo4j_settings)
        assert re.search(REFUSALS[name], str(caught.value), re.I | re.S), (name, str(caught.value))
    assert listener.requests == []


def test_the_apoc_procedures_ringscope_uses_still_run(clean_db):
    row = db.run_read(
        "RETURN apoc.convert.toJson({a: 1}) AS json, apoc.map.fromPairs([['k', 2]]) AS map, "
        "apoc.text.regreplace('mail123', '[0-9]+$', '') AS stem, apoc.util.md5(['10.0.0.1']) AS md5",
        settings=clean_db,
    )[0]
    assert row == {"json": '{"a":1}', "map": {"k": 2}, "stem": "mail",
                   "md5": __import__("hashlib").md5(b"10.0.0.1").hexdigest()}
    # the stored queries that CALL APOC procedures (meta stats, page-cache warm-up)
    db.run_write("CREATE (:Account {account_id: 'net-1'})", settings=clean_db)
    counts = run_query("ingest_graph_counts", {}, settings=clean_db)
    assert counts[0]["labels"].get("Account") == 1, counts
    assert run_query("warm_page_cache", {}, settings=clean_db)[0]["bytes"] > 0
    # built-in procedures are not affected by the APOC allow-list
    assert db.run_read("CALL db.labels() YIELD label RETURN collect(label) AS labels", settings=clean_db)[0]["labels"]


def test_the_allow_list_is_exactly_what_the_stored_queries_call():
    used = set()
    for path in (PROJECT_ROOT / "cypher").rglob("*.cypher"):
        used |= set(re.findall(r"\b(apoc(?:\.\w+)+)\s*\(", path.read_text()))
    assert used == set(local.APOC_USED)
    assert set(local.APOC_UNRESTRICTED) <= set(local.APOC_USED)


def test_the_local_configuration_closes_url_loading():
    from pathlib import Path

    from ringscope.config import LocalServer

    rendered = local.render_config(LocalServer(home=Path("/x")), local.ServerPaths(Path("/x")))
    settings = dict(line.split("=", 1) for line in rendered.splitlines() if line and not line.startswith("#"))
    assert settings["internal.dbms.cypher_ip_blocklist"] == "0.0.0.0/0,::/0"
    assert settings["dbms.security.allow_csv_import_from_file_urls"] == "false"
    assert "*" not in settings["dbms.security.procedures.allowlist"]
    assert "*" not in settings["dbms.security.procedures.unrestricted"]
    assert "apoc.import.file.enabled=false" in local.render_apoc_config().splitlines()


def test_compose_closes_url_loading_the_same_way():
    import yaml

    env = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]["neo4j"]["environment"]
    assert env["NEO4J_internal_dbms_cypher__ip__blocklist"] == local.CYPHER_IP_BLOCKLIST
    assert env["NEO4J_dbms_security_procedures_allowlist"] == ",".join(local.APOC_USED)
    # APOC's own settings: the image turns NEO4J_apoc_a_b__c into apoc.a.b_c in apoc.conf
    for key, value in local.APOC_SETTINGS.items():
        assert env["NEO4J_" + key.replace("_", "__").replace(".", "_")] == value, key
