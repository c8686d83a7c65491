"""articles.changed_in, clusters.changed_in: the ingest-lock generation of the
transaction that last inserted or changed the row, set by triggers (so no write path
can forget it). A writer that finds other writers came in between reads what changed
since its own last transaction instead of forgetting everything it had cached.

Revision ID: 9b4e6d2a1f07
Revises: 3d8a51c0e7b2
Create Date: 2026-11-24 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b4e6d2a1f07"
down_revision: str | None = "3d8a51c0e7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GENERATION = "(SELECT generation FROM ingest_lock WHERE id = 1)"
# What a writer caches of a row: an article's cluster and copy root, a cluster's state.
_WATCHED = {
    "articles": ("pk", "cluster_id, duplicate_of_pk"),
    "clusters": ("id", "size, centroid, first_published, last_published, merged_into"),
}


def upgrade() -> None:
    for table in _WATCHED:
        op.add_column(
            table, sa.Column("changed_in", sa.BigInteger(), nullable=False, server_default="0")
        )
        op.create_index(f"ix_{table}_changed_in", table, ["changed_in"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION story_mark_changed() RETURNS trigger AS $$"
            f" BEGIN NEW.changed_in := {_GENERATION}; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        for table, (_, columns) in _WATCHED.items():
            op.execute(
                f"CREATE TRIGGER {table}_changed BEFORE INSERT OR UPDATE OF {columns}"
                f" ON {table} FOR EACH ROW EXECUTE FUNCTION story_mark_changed()"
            )
        return
    for table, (key, columns) in _WATCHED.items():  # SQLite: AFTER triggers set it
        mark = f"UPDATE {table} SET changed_in = {_GENERATION} WHERE {key} = NEW.{key};"
        op.execute(f"CREATE TRIGGER {table}_inserted AFTER INSERT ON {table} BEGIN {mark} END")
        op.execute(
            f"CREATE TRIGGER {table}_changed AFTER UPDATE OF {columns} ON {table} BEGIN {mark} END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _WATCHED:
            op.execute(f"DROP TRIGGER {table}_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS story_mark_changed()")
    else:
        for table in _WATCHED:
            op.execute(f"DROP TRIGGER {table}_inserted")
            op.execute(f"DROP TRIGGER {table}_changed")
    for table in _WATCHED:
        op.drop_index(f"ix_{table}_changed_in", table)
        op.drop_column(table, "changed_in")
