"""`ringscope evaluate`: the scoring rules on known inputs, the refusal to touch a
database holding data, the baselines on a hand-built graph, and the whole run on
the committed demo world."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ringscope import db
from ringscope.cli import cli
from ringscope.config import PROJECT_ROOT
from ringscope.detection.evaluate import baseline_rings, read_labels, score
from ringscope.errors import RingScopeError
from test_detect_support import World

DEMO = PROJECT_ROOT / "seed_data" / "demo"


def test_score_counts_precision_recall_found_and_false_rings():
    labels = {f"r1_{i}": "R1" for i in range(4)} | {f"r2_{i}": "R2" for i in range(4)} | {f"l{i}": "" for i in range(10)}
    detected = [
        {"r1_0", "r1_1", "r1_2", "l0"},  # J = 3/5 with R1: found
        {"r2_0", "l1", "l2"},  # J = 1/6 with R2: not found; 2 of 3 legit: a false ring
        {"l3", "l4"},  # all legit: a false ring
    ]
    s = score("x", detected, labels)
    assert s.flagged == 9
    assert s.precision == pytest.approx(4 / 9)
    assert s.recall == pytest.approx(4 / 8)
    assert s.rings_found == 1 and s.true_rings == 2 and s.missed == ["R2"]
    assert s.rings_detected == 3 and s.false_rings == 2
    assert s.f1 == pytest.approx(2 * (4 / 9) * 0.5 / (4 / 9 + 0.5))


def test_score_a_ring_half_legit_is_not_false():
    labels = {"a": "R1", "b": "R1", "c": "R1", "d": "R1", "e": "R1", "x": "", "y": ""}
    s = score("x", [{"a", "x"}], labels)  # matches nothing (J = 1/6) but only half legit
    assert s.false_rings == 0 and s.rings_found == 0


def test_read_labels_csv_and_parquet(tmp_path: Path):
    (tmp_path / "labels.csv").write_text("account_id,ring_id,role\na1,R1,operator\na2,,legit\n")
    assert read_labels(tmp_path) == {"a1": "R1", "a2": ""}
    other = tmp_path / "p"
    other.mkdir()
    import pandas as pd

    pd.DataFrame({"account_id": ["a1", "a2"], "ring_id": ["R9", None]}).to_parquet(other / "labels.parquet")
    assert read_labels(other) == {"a1": "R9", "a2": ""}
    with pytest.raises(RingScopeError, match="no labels.csv"):
        read_labels(tmp_path / "nowhere")


def test_baselines_are_components_over_shared_cards_devices_and_ips(clean_db):
    w = World()
    for a in ("a", "b", "c", "d", "e", "f", "g"):
        w.account(a)
    w.card("a", "c1"); w.card("b", "c1")        # a-b by card
    w.device("b", "d1"); w.device("c", "d1")    # b-c by device
    w.ip("d", "1.1.1.1"); w.ip("e", "1.1.1.1")  # d-e by IP
    w.write(clean_db)
    assert sorted(sorted(c) for c in baseline_rings(None, clean_db)) == [["a", "b", "c"], ["d", "e"]]
    # a 'supernode' card on everyone joins all under A; B (cap 2 here) drops it
    w2 = World()
    for a in ("a", "b", "c", "d", "e", "f", "g"):
        w2.card(a, "everyone")
    w2.accounts = []
    w2.write(clean_db)
    assert [sorted(c) for c in baseline_rings(None, clean_db)] == [["a", "b", "c", "d", "e", "f", "g"]]
    assert sorted(sorted(c) for c in baseline_rings(2, clean_db)) == [["a", "b", "c"], ["d", "e"]]


def test_evaluate_refuses_a_database_holding_data_then_scores_the_demo_world(clean_db):
    db.run_write("CREATE (:Account {account_id: 'keep-me'}) CREATE (:Ring {ring_id: 'R-mine', status: 'confirmed'})",
                 settings=clean_db)
    runner = CliRunner()
    out = runner.invoke(cli, ["evaluate", str(DEMO), "--no-progress"])
    assert out.exit_code != 0
    assert "--reset" in str(out.exception) or "--reset" in out.output
    assert db.run_read("MATCH (r:Ring {ring_id: 'R-mine'}) RETURN r.status AS s", settings=clean_db) == [{"s": "confirmed"}]

    out = runner.invoke(cli, ["evaluate", str(DEMO), "--no-progress", "--json", "--reset"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert db.run_read("MATCH (a:Account {account_id: 'keep-me'}) RETURN count(a) AS n", settings=clean_db)[0]["n"] == 0
    assert data["accounts"] == 4000
    ours, base_a, base_b = data["scores"]
    assert [ours["method"], base_a["method"][:2], base_b["method"][:2]] == ["RingScope", "A:", "B:"]
    # the targets, on the demo world
    assert ours["precision"] >= 0.95 and ours["recall"] >= 0.95
    assert ours["rings_found_share"] >= 0.9
    assert ours["false_rings_share"] <= 0.05
    # the naive baselines are worse at something that matters
    assert base_a["precision"] < 0.5 and base_b["precision"] < 0.5
    assert ours["f1"] > max(base_a["f1"], base_b["f1"])
    # the rings are in the graph, as `ringscope rings --format csv` shows them
    csv_out = runner.invoke(cli, ["rings", "--format", "csv"], catch_exceptions=False).output.splitlines()
    assert csv_out[0] == "ring_id,account_id,score"
    assert len(csv_out) - 1 == ours["flagged_accounts"]


@pytest.mark.parametrize("argv", [
    ["--seeds", "x"], ["--family-seeds", "1.5"], ["--seeds", "1,-2"],
])
def test_matrix_refuses_seeds_that_are_not_whole_numbers_in_one_line(clean_db, argv, capsys):
    """Break-it pass: `evaluate --matrix --seeds x --reset` (or `--family-seeds 1.5`) ended in a
    ValueError traceback from the seed list; like `--scenarios bogus`, it is one line, and
    nothing is wiped or generated."""
    from ringscope.cli import main

    db.run_write("CREATE (:Account {account_id: 'kept'})", settings=clean_db)
    with pytest.raises(SystemExit) as stop:
        main(["evaluate", "--matrix", "--reset", "--no-progress", *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Invalid value for '{argv[0]}'") and err.count("\n") == 1, err
    assert "whole numbers 0 or more" in err
    assert db.run_read("MATCH (a:Account) RETURN count(a) AS n", settings=clean_db)[0]["n"] == 1
