"""``ingest_lock.regrouped_in``: the generation of the last transaction that moved
articles from one cluster to another (a merge, a repair's split).

A writer process that finds no such transaction since its own last turn knows that
every cluster the others changed meanwhile changed only by their new articles joining
it (or starting it), so its cache can apply those joins itself, as the other writer
did, instead of reading and decoding each changed centroid again: with two writer
processes most of an article's candidate clusters were changed or made by the other.

Revision ID: 5d9e1b7c2a40
Revises: c3a8f1d5b742
Create Date: 2026-12-04 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d9e1b7c2a40"
down_revision: str | None = "c3a8f1d5b742"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "ingest_lock",
        sa.Column("regrouped_in", sa.BigInteger(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # in place, not rebuilt: the triggers of migration 0004 read ingest_lock
    op.execute("ALTER TABLE ingest_lock DROP COLUMN regrouped_in")
