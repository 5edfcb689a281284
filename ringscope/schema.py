"""Schema migrations (`cypher/schema/*.cypher`) and emptying the database.

Every statement uses `IF NOT EXISTS`, so applying a migration twice is
harmless; the graph records each applied version as a `(:SchemaMigration)`
node, so `ringscope db status` and the tests can tell what is in place.
"""
from __future__ import annotations

import hashlib
from typing import Callable

from . import db
from .catalog import StoredQuery, queries_in
from .config import Settings


def migrations() -> list[StoredQuery]:
    return sorted(queries_in("schema"), key=lambda q: q.version)


def applied_versions(settings: Settings | None = None) -> list[int]:
    rows = db.run_read("MATCH (m:SchemaMigration) RETURN m.version AS v ORDER BY v", settings=settings)
    return [r["v"] for r in rows]


def migrate(settings: Settings | None = None) -> list[int]:
    """Apply every schema file; returns the versions newly recorded."""
    done = set(applied_versions(settings)) if _has_migration_label(settings) else set()
    newly = []
    for migration in migrations():
        for statement in migration.statements():
            db.run_auto_commit(statement, settings=settings)
        if migration.version not in done:
            newly.append(migration.version)
        checksum = hashlib.sha256(migration.cypher.encode()).hexdigest()
        db.run_write(
            "MERGE (m:SchemaMigration {version: $version}) "
            "ON CREATE SET m.applied_at = datetime() "
            "SET m.name = $name, m.checksum = $checksum",
            {"version": migration.version, "name": migration.name, "checksum": checksum},
            settings=settings,
        )
    db.run_auto_commit("CALL db.awaitIndexes(300)", settings=settings)
    return newly


def _has_migration_label(settings: Settings | None) -> bool:
    rows = db.run_read("CALL db.labels() YIELD label WHERE label = 'SchemaMigration' RETURN count(*) AS n", settings=settings)
    return bool(rows and rows[0]["n"])


def reset(settings: Settings | None = None, *, progress: Callable[[int], None] | None = None) -> int:
    """Delete every node and relationship (in batches, so a large store does not
    need one huge transaction), drop the schema, then re-apply it. Returns the
    number of nodes deleted."""
    deleted = 0
    while True:
        # Relationships first, in small transactions: a dense graph's DETACH DELETE of
        # 20,000 nodes at once ran a 1 GB heap out of memory (medium world).
        rows = db.run_auto_commit(
            "MATCH ()-[r]->() WITH r LIMIT 200000 "
            "CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS RETURN count(*) AS n",
            settings=settings,
        )
        if not (rows and rows[0]["n"]):
            break
    while True:
        rows = db.run_auto_commit(
            "MATCH (n) WITH n LIMIT 200000 "
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS RETURN count(*) AS n",
            settings=settings,
        )
        n = rows[0]["n"] if rows else 0
        deleted += n
        if progress and n:
            progress(n)
        if n == 0:
            break
    for row in db.run_read("SHOW CONSTRAINTS YIELD name RETURN name", settings=settings):
        db.run_auto_commit(f"DROP CONSTRAINT `{_name(row['name'])}` IF EXISTS", settings=settings)
    for row in db.run_read("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name", settings=settings):
        db.run_auto_commit(f"DROP INDEX `{_name(row['name'])}` IF EXISTS", settings=settings)
    migrate(settings)
    return deleted


def _name(name: str) -> str:
    # Schema names come from the server, not from users; backticks escaped anyway.
    return name.replace("`", "``")
