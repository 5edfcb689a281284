"""Progress reports: bars on a terminal, periodic plain lines in a file or a pipe."""
from __future__ import annotations

import io

from ringscope.progress import ProgressBars


def test_lines_not_redraws_when_not_a_terminal():
    out = io.StringIO()  # a StringIO is no terminal: the default picks plain lines
    bars = ProgressBars(stream=out, interval=3600)
    for done in range(0, 1001, 10):
        bars(done, 1000, "loading exchanges")
    bars(5, 5, "refreshing totals")
    bars.close()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines == [
        "loading exchanges: 0/1,000 rows (0%)",
        "loading exchanges: 1,000/1,000 rows (100%)",
        "refreshing totals: 5/5 rows (100%)",
    ]


def test_lines_repeat_after_the_interval():
    out = io.StringIO()
    bars = ProgressBars(stream=out, unit="", interval=0)
    for done in (1, 2, 2, 3):
        bars(done, None, "detecting")
    assert out.getvalue().splitlines() == ["detecting: 1", "detecting: 2", "detecting: 3"]


def test_disabled_prints_nothing():
    out = io.StringIO()
    bars = ProgressBars(False, stream=out)
    bars(1, 2, "x")
    assert out.getvalue() == ""


def test_a_step_starting_with_nothing_counted_is_named_without_a_count():
    """Field report (newcomer, `make demo` log): "building 8 lookup indexes: 0 rows" read as
    nothing built. A step that starts with no count and no total is named alone; its counts,
    when they come, are printed as usual."""
    out = io.StringIO()
    bars = ProgressBars(stream=out, interval=0)
    bars(0, None, "building 8 lookup indexes")
    bars(0, None, "logins.csv: read")
    bars(2_558, None, "logins.csv: read")
    assert out.getvalue().splitlines() == [
        "building 8 lookup indexes ...", "logins.csv: read ...", "logins.csv: read: 2,558 rows"]
