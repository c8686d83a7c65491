"""LSH postings without a foreign key to their article; a trigger keeps the cascade.
And ``ingest_lock.removed_in``: the generation of the last transaction that removed
postings (a deletion, a replacement, a reindex), so that a writer process that finds
others only added articles since its last turn can catch up on them exactly.

The foreign key made PostgreSQL check every posting against the articles table: 64
referential-integrity lookups per article, each a locking read (``FOR KEY SHARE``).
Measured on the team's 2-core machine (3,000 articles, each one row and 64 postings,
committed every 200): 1,240 and 1,468 against 995 and 997 us per article with and
without the key, two runs each. The check guards nothing the writer does not already
guarantee: an article's postings are written in the statement (PostgreSQL) or the
transaction (SQLite) that writes its row, and ``story-clusters check`` reports any
posting of a missing article. What the key also did, delete an article's postings with
it, a trigger now does, so rows deleted by hand leave no postings behind either.

SQLite rebuilds the postings table to drop the key (it has no ALTER for it): on a large
database this migration takes a while once.

Revision ID: 4f2c9a7d3e15
Revises: 9b7e2d4c1f30
Create Date: 2026-11-24 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4f2c9a7d3e15"
down_revision: str | None = "9b7e2d4c1f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "fk_lsh_postings_article_pk_articles"
_DROP = "DELETE FROM lsh_postings WHERE article_pk = OLD.pk;"


def upgrade() -> None:
    op.add_column(
        "ingest_lock",
        sa.Column("removed_in", sa.BigInteger(), nullable=False, server_default="0"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(_KEY, "lsh_postings", type_="foreignkey")
        op.execute(
            "CREATE OR REPLACE FUNCTION story_drop_postings() RETURNS trigger AS $$"
            f" BEGIN {_DROP} RETURN OLD; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER articles_drop_postings AFTER DELETE ON articles"
            " FOR EACH ROW EXECUTE FUNCTION story_drop_postings()"
        )
        return
    with op.batch_alter_table("lsh_postings") as batch:
        batch.drop_constraint(_KEY, type_="foreignkey")
    op.execute(f"CREATE TRIGGER articles_drop_postings AFTER DELETE ON articles BEGIN {_DROP} END")


def downgrade() -> None:
    # in place, not rebuilt: the triggers of migration 0004 read ingest_lock
    op.execute("ALTER TABLE ingest_lock DROP COLUMN removed_in")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER articles_drop_postings ON articles")
        op.execute("DROP FUNCTION story_drop_postings()")
        op.create_foreign_key(
            _KEY, "lsh_postings", "articles", ["article_pk"], ["pk"], ondelete="CASCADE"
        )
        return
    op.execute("DROP TRIGGER articles_drop_postings")
    with op.batch_alter_table("lsh_postings") as batch:
        batch.create_foreign_key(_KEY, "articles", ["article_pk"], ["pk"], ondelete="CASCADE")
