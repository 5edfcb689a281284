"""Schema migrations (`cypher/schema/*.cypher`) and emptying the database.

Every statement uses `IF NOT EXISTS`, so applying a migration twice is
harmless; the graph records each applied version as a `(:SchemaMigration)`
node, so `ringscope db status` and the tests can tell what is in place.
Every query here is a stored one (`cypher/admin/`), run through `db.run`.
"""
from __future__ import annotations

import hashlib
from typing import Callable

from . import db
from .catalog import StoredQuery, queries_in
from .config import Settings
from .progress import running_total


def migrations() -> list[StoredQuery]:
    return sorted(queries_in("schema"), key=lambda q: q.version)


def applied_versions(settings: Settings | None = None) -> list[int]:
    return [r["v"] for r in db.run("admin_schema_applied_versions", mode=db.READ, settings=settings)]


def migrate(settings: Settings | None = None) -> list[int]:
    """Apply every schema file; returns the versions newly recorded."""
    done = set(applied_versions(settings)) if _has_migration_label(settings) else set()
    newly = []
    for migration in migrations():
        db.run(migration.name, mode=db.WRITE, settings=settings)
        if migration.version not in done:
            newly.append(migration.version)
        checksum = hashlib.sha256(migration.cypher.encode()).hexdigest()
        db.run(
            "admin_schema_record_migration",
            {"version": migration.version, "name": migration.name, "checksum": checksum},
            mode=db.WRITE,
            settings=settings,
        )
    db.run("admin_schema_await_indexes", mode=db.READ, settings=settings)
    return newly


def _has_migration_label(settings: Settings | None) -> bool:
    rows = db.run("admin_schema_has_migrations", mode=db.READ, settings=settings)
    return bool(rows and rows[0]["n"])


def reset(settings: Settings | None = None, *, progress: Callable[[int, int | None, str], None] | None = None) -> int:
    """Delete every node and relationship (in rounds of small transactions, so a large
    store does not need one huge transaction), drop the schema, then re-apply it.
    Returns the number of nodes deleted. `progress(done, total, message)` (a
    `progress.ProgressBars`) follows the relationships, then the nodes: a graph of
    millions takes minutes."""
    size = db.run("admin_graph_size", mode=db.READ, settings=settings)[0] if progress else {}

    def follow(message: str, total: int | None) -> Callable[[int], None] | None:
        if progress is None:
            return None
        progress(0, total, message)
        return running_total(progress, total, message)

    db.run_until_done("admin_delete_relationships", settings=settings,
                      progress=follow("deleting relationships", size.get("relationships")))
    deleted = db.run_until_done("admin_delete_nodes", settings=settings,
                                progress=follow("deleting nodes", size.get("nodes")))
    # Constraints first: dropping one also drops the index it owns.
    for row in db.run("admin_schema_constraints", mode=db.READ, settings=settings):
        db.run("admin_drop_constraint", {"name": row["name"]}, mode=db.WRITE, settings=settings)
    for row in db.run("admin_schema_indexes", mode=db.READ, settings=settings):
        db.run("admin_drop_index", {"name": row["name"]}, mode=db.WRITE, settings=settings)
    migrate(settings)
    return deleted
