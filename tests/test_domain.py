"""The domain declared once: the Cypher files and the modules that spell kinds and
statuses agree with ringscope/domain.py, and driver values become text one way."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from neo4j.time import DateTime

from ringscope import display, domain
from ringscope.catalog import get_query


def test_every_kind_and_record_key_has_its_uniqueness_constraint():
    text = get_query("schema_001_keys").cypher
    constrained = set(re.findall(r"FOR \(n:(\w+)\) REQUIRE n\.(\w+) IS UNIQUE", text))
    declared = {(k.label, k.key) for k in domain.KINDS.values()} | set(domain.RECORD_KEYS.items())
    assert constrained == declared


def test_the_export_query_names_kinds_as_the_domain_does():
    text = get_query("export_identifiers").cypher
    named = re.findall(r"WHEN x:(\w+) THEN '(\w+)'", text) + [("PromptTemplate", re.search(r"ELSE '(\w+)'", text)[1])]
    assert sorted(name for _, name in named) == sorted(domain.SHARED_IDENTIFIER_KINDS)
    assert all(domain.kind(label).name == name for label, name in named)


def test_statuses_titles_and_actions_are_one_list():
    from ringscope import tagging
    from ringscope.export import bundle

    assert tagging.STATUSES is domain.STATUSES
    assert bundle.ACTION_BY_STATUS is domain.ACTION_BY_STATUS
    assert set(domain.STATUS_TITLES) == set(domain.ACTION_BY_STATUS) == set(domain.STATUSES)


def test_kind_lookup_by_name_or_label():
    assert domain.kind("instrument") is domain.kind("PaymentInstrument") is domain.INSTRUMENT
    with pytest.raises(ValueError, match="unknown kind 'payment_instrument'"):
        domain.kind("payment_instrument")


@pytest.mark.parametrize(
    "value,text",
    [
        (DateTime(2025, 3, 1, 10, 0, 0, 123456789, tzinfo=timezone.utc), "2025-03-01T10:00:00.123456Z"),
        (datetime(2025, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))), "2025-03-01T10:00:00.000000Z"),
        (datetime(2025, 3, 1, 10, 0), "2025-03-01T10:00:00.000000Z"),
        ("2025-03-01T10:00:00.123456789+00:00", "2025-03-01T10:00:00.123456Z"),
        ("2025-03-01T05:00:00-05:00", "2025-03-01T10:00:00.000000Z"),
        ("2025-03-01T10:00:00Z[UTC]", "2025-03-01T10:00:00.000000Z"),
        (date(2025, 3, 1), "2025-03-01"),
        (None, None),
    ],
)
def test_iso_utc_writes_one_format(value, text):
    assert domain.iso_utc(value) == text


def test_iso_utc_refuses_what_is_not_a_time():
    for value in ("yesterday", "2025-03-01", 17):
        with pytest.raises(TypeError):
            domain.iso_utc(value)
    assert not domain.is_datetime_text("2025-03-01T10:00:00")  # no offset: which instant is unknown


def test_fixed_width_text_sorts_as_the_instants_do():
    instants = [datetime(2025, 3, 1, 10, 0, 0, us, tzinfo=timezone.utc) for us in (500000, 0, 1)]
    assert sorted(domain.iso_utc(i) for i in instants) == [domain.iso_utc(i) for i in sorted(instants)]


def test_decode_json_keeps_what_is_not_json():
    assert domain.decode_json('{"a": 1}') == {"a": 1}
    assert domain.decode_json("not json") == "not json"
    assert domain.decode_json(None) is None and domain.decode_json(3) == 3


def test_the_graph_view_draws_every_domain_kind():
    """What a node of each kind looks like on screen: a legend entry with its own colour, and
    a tooltip headed by its title and listing its display fields (a kind added to the domain
    and forgotten by the graph view fails here)."""
    from ringscope.app import graph_view

    entries = {e["kind"]: e for e in graph_view.legend()}
    assert set(entries) == {k.label for k in domain.KINDS.values()}
    assert len({e["colour"] for e in entries.values()}) == len(entries)
    for kind in domain.KINDS.values():
        assert entries[kind.label]["title"] == kind.title
        props = {name: f"v-{name}" for name in kind.display_fields}
        tip = graph_view.node_tooltip(graph_view.GNode(graph_view.node_id(kind.label, "k1"), kind.label, "k1", props))
        lines = tip.splitlines()
        assert lines[0] == f"{kind.title}: k1"
        assert lines[1:] == [f"{name.replace('_', ' ')}: v-{name}" for name in kind.display_fields]


def test_search_kinds_that_are_node_kinds_use_the_domain_names():
    from ringscope import search

    node_searches = set(search.SEARCH_KINDS) - {search.EMAIL, search.CIDR}
    assert node_searches <= set(domain.KINDS)
    for name, (_title, query) in search.SEARCH_KINDS.items():
        assert get_query(query).mode == "read", name
    every = {k for text in ("1.2.3.4", "10.0.0.0/8", "a@b.c", "acc-1") for k in search.guess_search_kinds(text)}
    assert every <= set(search.SEARCH_KINDS)


def test_every_signal_detection_writes_has_a_plain_title():
    """Issue 14: the app shows signals in words; every name Ring.signals can hold has one."""
    from ringscope.detection.registry import SIGNALS
    from ringscope.detection.rings import AUTOMATION_SIGNAL

    names = {s.query for s in SIGNALS} | {AUTOMATION_SIGNAL}
    assert names <= set(domain.SIGNAL_TITLES), names - set(domain.SIGNAL_TITLES)
    assert domain.signal_title("ip_cooccurrence") == "Same IP address at the same time"
    assert domain.signal_title("ip") == domain.signal_title("ip_cooccurrence")  # a family name too
    assert domain.signal_title("something_new") == "something_new"


def test_times_read_in_utc_to_the_second():
    import datetime as dt

    import neo4j.time

    from ringscope import display

    assert display.when("2025-03-01T10:00:05.123456789Z") == "2025-03-01 10:00:05 UTC"
    assert display.when("2025-03-01T12:00:05+02:00") == "2025-03-01 10:00:05 UTC"
    assert display.when(neo4j.time.DateTime(2025, 3, 1, 10, 0, 5, 999999999, tzinfo=dt.timezone.utc)) == \
        "2025-03-01 10:00:05 UTC"
    for other in ("b-01", "2025-03-01", 3, None, ["x"]):
        assert display.when(other) == other


def test_compact_counts_fit_a_metric_tile():
    """Field report (newcomer QA): the ring view cut a token count off ("10,119,…")."""
    assert display.compact(9_999) == "9,999"
    assert display.compact(10_119_385) == "10.1 M"
    assert display.compact(44_800_000_000) == "44.8 B"
    assert display.compact(123_456) == "123 k"
    assert display.compact(None) == "–"
    assert display.compact(999_999) == "1 M" and display.compact(999_999_999) == "1 B"
    assert display.compact(12_345_678_901_234) == "12,346 B"


def test_a_pasted_query_loses_the_zero_width_spaces_the_app_shows_in_data():
    """The app puts a zero-width space where a link would form in data it shows (`ui.md`:
    `boss\u200b@evil.example`), so an e-mail copied from a page carries one; searching it
    must still find the account."""
    from ringscope import search
    from ringscope.app import ui

    shown = ui.md("boss@evil.example")
    pasted = shown.replace("\\", "")  # what the screen shows, as copied
    assert "\u200b" in pasted and search.clean_query(f"  {pasted} ") == "boss@evil.example"
    assert search.guess_search_kinds(pasted) == search.guess_search_kinds("boss@evil.example")
    assert search.search_params("account", pasted)["q"] == "boss@evil.example"


def test_counts_read_in_the_singular_for_one():
    """Field report (newcomer): the console said "1 rows", `query run` "(1 rows)" and the
    graph "1 relationships"."""
    assert [display.count(n, "row") for n in (0, 1, 2, 1200)] == ["0 rows", "1 row", "2 rows", "1,200 rows"]
    assert display.count(1, "relationship") == "1 relationship" and display.count(3, "match", "matches") == "3 matches"
