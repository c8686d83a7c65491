"""storylines: the level above event clusters. Each cluster belongs to one storyline
(clusters.storyline_id); existing clusters each start one of their own, under the
cluster's id. The clusters trigger of 9b4e6d2a1f07 now also watches storyline_id.

Revision ID: 4f2c8e1b7a95
Revises: 9b4e6d2a1f07
Create Date: 2026-11-24 07:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4f2c8e1b7a95"
down_revision: str | None = "9b4e6d2a1f07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GENERATION = "(SELECT generation FROM ingest_lock WHERE id = 1)"
_OLD = "size, centroid, first_published, last_published, merged_into"
_NEW = f"{_OLD}, storyline_id"


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "storylines",
        sa.Column("id", big_id, autoincrement=True, nullable=False),
        sa.Column("merged_into", big_id, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["storylines.id"], name="fk_storylines_merged_into_storylines"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_storylines"),
    )
    op.create_index("ix_storylines_merged_into", "storylines", ["merged_into"])
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "clusters",
            sa.Column(
                "storyline_id",
                big_id,
                sa.ForeignKey("storylines.id", name="fk_clusters_storyline_id_storylines"),
                nullable=True,
            ),
        )
    else:  # SQLite adds a column with its reference in place; alembic would copy the table
        op.execute(
            "ALTER TABLE clusters ADD COLUMN storyline_id INTEGER REFERENCES storylines (id)"
        )
    op.create_index("ix_clusters_storyline_id", "clusters", ["storyline_id"])
    op.execute("INSERT INTO storylines (id, created_at) SELECT id, created_at FROM clusters")
    op.execute("UPDATE clusters SET storyline_id = id")
    _watch_clusters(_NEW)
    if op.get_bind().dialect.name == "postgresql":  # ids taken over: the sequence follows
        op.execute(
            "SELECT setval(pg_get_serial_sequence('storylines', 'id'),"
            " (SELECT COALESCE(MAX(id), 0) + 1 FROM storylines), false)"
        )


def downgrade() -> None:
    op.drop_index("ix_clusters_storyline_id", "clusters")
    if op.get_bind().dialect.name == "postgresql":
        _watch_clusters(_OLD)
        op.drop_constraint("fk_clusters_storyline_id_storylines", "clusters", type_="foreignkey")
        op.drop_column("clusters", "storyline_id")
    else:  # SQLite cannot drop a referencing column in place: the table is copied, and
        # its triggers go with the old one
        op.execute("DROP TRIGGER clusters_changed")
        op.execute("DROP TRIGGER clusters_inserted")
        with op.batch_alter_table("clusters", recreate="always") as batch:
            batch.drop_column("storyline_id")
        mark = f"UPDATE clusters SET changed_in = {_GENERATION} WHERE id = NEW.id;"
        op.execute(f"CREATE TRIGGER clusters_inserted AFTER INSERT ON clusters BEGIN {mark} END")
        op.execute(
            f"CREATE TRIGGER clusters_changed AFTER UPDATE OF {_OLD} ON clusters BEGIN {mark} END"
        )
    op.drop_index("ix_storylines_merged_into", "storylines")
    op.drop_table("storylines")


def _watch_clusters(columns: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER clusters_changed ON clusters")
        op.execute(
            f"CREATE TRIGGER clusters_changed BEFORE INSERT OR UPDATE OF {columns}"
            " ON clusters FOR EACH ROW EXECUTE FUNCTION story_mark_changed()"
        )
        return
    op.execute("DROP TRIGGER clusters_changed")
    op.execute(
        f"CREATE TRIGGER clusters_changed AFTER UPDATE OF {columns} ON clusters BEGIN"
        f" UPDATE clusters SET changed_in = {_GENERATION} WHERE id = NEW.id; END"
    )
