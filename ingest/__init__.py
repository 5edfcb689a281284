"""Ingestion: the provider's interchange files into the graph (see README, Ingest).

    from ringscope.ingest import ingest_world
    summary = ingest_world("seed_data/demo")
    print(summary.table())
"""
from __future__ import annotations


def ingest_world(*args, **kwargs):
    from .job import ingest_world as _ingest_world

    return _ingest_world(*args, **kwargs)


def __getattr__(name):
    if name in ("IngestSummary", "FileReport"):
        from . import report

        return getattr(report, name)
    raise AttributeError(name)


__all__ = ["ingest_world", "IngestSummary", "FileReport"]
