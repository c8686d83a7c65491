"""clusters.lang: written with a cluster's first article and never read; dropped.

Revision ID: 3d8a51c0e7b2
Revises: 7c1e2f4a9d10
Create Date: 2026-11-24 06:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3d8a51c0e7b2"
down_revision: str | None = "7c1e2f4a9d10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases (SQLite has dropped columns in place since 3.35):
# batch mode would copy the clusters table, a minute and a half at 20,000 articles.
def upgrade() -> None:
    op.drop_column("clusters", "lang")


def downgrade() -> None:
    op.add_column("clusters", sa.Column("lang", sa.String(length=8), nullable=True))
