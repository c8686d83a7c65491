"""articles.placed_at: where an article sits in time (its cluster's span, the time
signal): its published_at, else its arrival over the API. Stored articles keep what
they had: their published_at (an undated one stays undated; its arrival was not kept).

Revision ID: 6a1d3f9c2e48
Revises: 4f2c8e1b7a95
Create Date: 2026-11-24 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6a1d3f9c2e48"
down_revision: str | None = "4f2c8e1b7a95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("placed_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE articles SET placed_at = published_at")


def downgrade() -> None:
    op.drop_column("articles", "placed_at")
