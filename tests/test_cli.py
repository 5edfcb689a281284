"""Every command and option of `ringscope` has help text, and errors are one line."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ringscope.cli import COMMANDS, cli


def walk(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            yield from walk(command.get_command(ctx, name), path + (name,))


def all_commands():
    return list(walk(cli))


def test_every_registered_subcommand_loads():
    ctx = click.Context(cli)
    for name in COMMANDS:
        assert isinstance(cli.get_command(ctx, name), click.Command), name


@pytest.mark.parametrize("path,command", all_commands(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_help_text_on_every_command_and_option(path, command):
    assert (command.help or command.short_help or "").strip(), f"`ringscope {' '.join(path)}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("help", "version"):
            assert (param.help or "").strip(), f"`ringscope {' '.join(path)}` option {param.opts} has no help text"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_an_unknown_subcommand_is_refused():
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code != 0
    assert "No such command" in result.output


def test_an_error_quoting_data_shows_it_inert(clean_db, tmp_path, capsys):
    """An error line quotes the data it refused (here a column name from the file's header):
    a terminal control sequence (OSC: retitle the window) or a direction override in it must
    not reach the terminal. The error stays one line and the exit non-zero."""
    from ringscope.cli import main

    world = tmp_path / "world"
    world.mkdir()
    (world / "accounts.csv").write_text("account_id,\x1b]0;pwned\x07col\u202e\nacc-1,x\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main(["ingest", str(world)])
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: accounts.csv refused: header lacks required column created_at") and err.count("\n") == 1
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err
    assert "?]0;pwned?col⟨U+202E⟩" in err


def test_export_refuses_an_unknown_status_before_asking_who(capsys, monkeypatch):
    """Field report (newcomer): `export --status bogus --out x` asked for --by first, and only
    once given a name said that no ring has status bogus: nothing exported."""
    from ringscope.cli import main

    monkeypatch.delenv("RINGSCOPE_INVESTIGATOR", raising=False)
    with pytest.raises(SystemExit) as stop:
        main(["export", "--status", "bogus", "--out", "unused"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert "'bogus' is not one of 'new', 'investigating', 'confirmed'" in err and "--by" not in err


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_query_run_refuses_a_row_limit_below_one(limit):
    """`query run NAME --limit-rows -5` printed "(no rows)" although the query had rows."""
    result = CliRunner().invoke(cli, ["query", "run", "search_account", "-p", "q=a", "--limit-rows", limit])
    assert result.exit_code == 2 and "--limit-rows" in result.output


def test_query_run_refuses_a_parameter_of_the_wrong_type_in_one_line(capsys):
    """`query run ring_queue -p min_score=abc` printed "(no rows)" and exited 0: the
    investigator read "no ring scores that high" from a typo."""
    from ringscope.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["query", "run", "ring_queue", "-p", "min_score=abc"])
    assert stop.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: --param min_score=abc is not a number (its default is 0.0): "
        "`ringscope query show ring_queue` describes the parameters"]


def test_a_retried_deadlock_is_one_line_on_stderr(capsys):
    """Field report (`ringscope cycle --workers 2` on the incident world): the driver's
    retry of a deadlock between two ingest sessions printed a multi-line lock dump."""
    import logging

    from ringscope.cli import driver_warnings_one_line

    driver_warnings_one_line()
    driver_warnings_one_line()  # idempotent: one line, not two
    logging.getLogger("neo4j.pool").warning(
        "Transaction failed and will be retried in 1.034757902470695s ({neo4j_code: "
        "Neo.TransientError.Transaction.DeadlockDetected} {message: ForsetiClient[transactionId=652, clientId=2] "
        "can't acquire ExclusiveLock{owner=ForsetiClient[transactionId=649, clientId=33]} on "
        "NODE_RELATIONSHIP_GROUP_DELETE(2312750) because holders of that lock are waiting.\n Wait list:ExclusiveLock[\n"
        "Client[649] waits for [ForsetiClient[transactionId=652, clientId=2]]]} {gql_status: 50N05})")
    logging.getLogger("neo4j").warning("first line\u202e\nsecond line")
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "note: a Neo4j transaction met Neo.TransientError.Transaction.DeadlockDetected and is retried in 1.0 s "
        "(the driver retries it; nothing to do)",
        "neo4j: first line\u27e8U+202E\u27e9",
    ]


@pytest.mark.parametrize("argv, says", [
    (["export", "--ring", "R1"], "give --out DIR"),
    (["mark", "--bad", "--good"], "give one of --bad, --good or --clear"),
    (["frobnicate"], "No such command 'frobnicate'"),
])
def test_a_usage_error_is_one_line_that_points_at_help(argv, says, capsys):
    """Field report (newcomer QA): click's usage errors took three lines (usage, hint,
    error), against the house rule of one line saying what failed and what to do."""
    from ringscope.cli import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and says in err
    assert err.rstrip().endswith("--help` shows the usage)")


TERMINAL_ATTACK = "\x1b]0;pwned\x07\x1b[2Jacc\u2067x\u2069\u2028y"  # retitle, clear the screen, an isolate


def on_a_terminal(*args: str) -> str:
    """What `ringscope ARGS` shows on a real terminal: stdout is a pseudo-terminal."""
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    ringscope = Path(sys.executable).parent / "ringscope"
    main, secondary = pty.openpty()
    try:
        proc = subprocess.Popen([str(ringscope), *args], stdout=secondary, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the command exited and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
    finally:
        os.close(main)
    return shown.decode("utf-8")


def piped(*args: str) -> str:
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run([str(Path(sys.executable).parent / "ringscope"), *args], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.decode("utf-8")


@pytest.mark.parametrize("argv", [
    ["rings", "--format", "csv"], ["rings"], ["rings", "--format", "json"],
    ["query", "run", "search_account", "-p", "q=\"acc\"", "--format", "csv"],
    ["query", "run", "search_account", "-p", "q=\"acc\""],
    ["query", "run", "search_account", "-p", "q=\"acc\"", "--format", "json"],
])
def test_rings_and_query_results_on_a_terminal_show_control_and_bidi_characters_inert(clean_db, argv):
    """`rings --format csv` and `query run NAME --format csv` wrote an attacker's escape
    sequences raw to the terminal (clear the screen, set the window title), as `alerts
    --format csv` once did. On a terminal they are made visible; to a pipe ids stay exact."""
    import csv
    import io

    from ringscope import db

    db.run_write("UNWIND $ids AS id CREATE (a:Account {account_id: id, display_name: 'name ' + id}) "
                 "WITH collect(a) AS members "
                 "CREATE (r:Ring {ring_id: $rid, status: 'new', score: 0.9, signals: ['instrument_fanout'], retired: false}) "
                 "WITH r, members UNWIND members AS a CREATE (r)-[:HAS_MEMBER {removed: false}]->(a)",
                 {"ids": ["acc-" + TERMINAL_ATTACK, "acc-evil\u202egnp.exe", "acc-ok"], "rid": "R-\u202e" + TERMINAL_ATTACK},
                 settings=clean_db)
    text = on_a_terminal(*argv)
    assert "pwned" in text, repr(text)  # the hostile ring id or account id is shown
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\u2067" not in text, repr(text)
    assert "\u2028" not in text
    if "json" not in argv:  # JSON shows them as \u escapes (ASCII), as the data it is
        assert "?]0;pwned??[2Jacc\u27e8U+2067\u27e9x\u27e8U+2069\u27e9" in text, repr(text)
        assert "evil\u27e8U+202E\u27e9gnp.exe" in text or argv == ["rings"]  # the table lists rings, not members
    if argv[-1] == "csv":
        # to a pipe or a file the ids stay as stored (they join back to the graph)
        rows = list(csv.DictReader(io.StringIO(piped(*argv))))
        key = "account_id" if argv[0] == "rings" else "key"
        assert sorted(r[key] for r in rows) == sorted(["acc-" + TERMINAL_ATTACK, "acc-evil\u202egnp.exe", "acc-ok"])
