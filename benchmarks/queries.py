"""The benchmarks' own stored queries (benchmarks/cypher/, same headers as the product's):
kept out of the product catalog, so `ringscope query list` and the app offer none of them.
The benchmarks pass their text to db.run_read / db.run_write, parameters bound against the
header here; tests/test_catalog.py runs them on the live server with the product's."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ringscope import db
from ringscope.catalog import StoredQuery, get_query

BENCH_CYPHER = Path(__file__).resolve().parent / "cypher"


def bench_query(name: str) -> StoredQuery:
    return get_query(name, BENCH_CYPHER)


def run_bench_read(name: str, params: dict[str, Any] | None = None, *, settings=None) -> list[dict[str, Any]]:
    query = bench_query(name)
    return db.run_read(query.cypher, query.bind(params), settings=settings)


def run_bench_write(name: str, params: dict[str, Any] | None = None, *, settings=None) -> list[dict[str, Any]]:
    query = bench_query(name)
    return db.run_write(query.cypher, query.bind(params), settings=settings)
