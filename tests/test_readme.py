"""README stays true: every stored query and every CLI command is in it."""
from __future__ import annotations

from ringscope.catalog import load_catalog
from ringscope.cli import COMMANDS
from ringscope.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()


def test_every_stored_query_is_in_the_readme_catalog():
    start, end = README.index("<!-- catalog:start -->"), README.index("<!-- catalog:end -->")
    table = README[start:end]
    missing = sorted(name for name in load_catalog() if f"`{name}`" not in table)
    assert not missing, f"README query catalog lacks {missing}: regenerate it with `ringscope query list --markdown`"


def test_every_command_is_in_the_readme():
    for name in COMMANDS:
        assert f"`ringscope {name}" in README, f"README does not document `ringscope {name}`"


def test_the_two_commands_are_the_ones_ci_runs():
    assert "make demo" in README and "make test" in README
    run = (PROJECT_ROOT / ".ci" / "run").read_text()
    exec_line = next(line for line in run.splitlines() if line.startswith("exec "))
    assert exec_line.endswith(" make test"), exec_line
    assert "env -i PATH=/usr/bin:/bin " in exec_line, "CI must run the suite in a minimal environment"
