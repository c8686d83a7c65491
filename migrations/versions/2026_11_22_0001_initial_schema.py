"""Initial schema: articles, clusters, lsh_postings and the statistics tables.

Revision ID: 59b9b68b3331
Revises:
Create Date: 2026-11-22 08:29:35.472213
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "59b9b68b3331"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clusters",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "merged_into", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("first_published", sa.DateTime(), nullable=True),
        sa.Column("last_published", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["clusters.id"], name=op.f("fk_clusters_merged_into_clusters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clusters")),
    )
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clusters_merged_into"), ["merged_into"], unique=False)
        batch_op.create_index(batch_op.f("ix_clusters_updated_at"), ["updated_at"], unique=False)

    ingest_lock = op.create_table(
        "ingest_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_lock")),
    )
    # The single row every writer locks first (see app.store.repo.acquire_ingest_lock).
    op.bulk_insert(ingest_lock, [{"id": 1, "generation": 0}])
    op.create_table(
        "lang_stats",
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("docs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("lang", name=op.f("pk_lang_stats")),
    )
    op.create_table(
        "source_lines",
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("line_hash", sa.BigInteger(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "line_hash", name=op.f("pk_source_lines")),
    )
    op.create_table(
        "term_stats",
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("term", sa.String(length=128), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("lang", "term", name=op.f("pk_term_stats")),
    )
    op.create_table(
        "articles",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "cluster_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "duplicate_of_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("near_duplicates", sa.JSON(), nullable=False),
        sa.Column("boilerplate_lines", sa.JSON(), nullable=False),
        sa.Column("story_terms", sa.JSON(), nullable=False),
        sa.Column("dup_signature", sa.LargeBinary(), nullable=False),
        sa.Column("story_signature", sa.LargeBinary(), nullable=False),
        sa.Column("signature_scheme", sa.String(length=32), nullable=False),
        sa.Column("signature_seed", sa.Integer(), nullable=False),
        sa.Column("story_score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name=op.f("fk_articles_cluster_id_clusters")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_pk"], ["articles.pk"], name=op.f("fk_articles_duplicate_of_pk_articles")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_articles")),
        sa.UniqueConstraint("id", name=op.f("uq_articles_id")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_articles_duplicate_of_pk"), ["duplicate_of_pk"], unique=False
        )

    op.create_table(
        "lsh_postings",
        sa.Column("lsh_index", sa.SmallInteger(), nullable=False),
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column(
            "article_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.pk"],
            name=op.f("fk_lsh_postings_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "lsh_index", "band_key", "article_pk", name=op.f("pk_lsh_postings")
        ),
    )
    with op.batch_alter_table("lsh_postings", schema=None) as batch_op:
        batch_op.create_index("ix_lsh_postings_article_pk", ["article_pk"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lsh_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_lsh_postings_article_pk")

    op.drop_table("lsh_postings")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_duplicate_of_pk"))
        batch_op.drop_index(batch_op.f("ix_articles_cluster_id"))

    op.drop_table("articles")
    op.drop_table("term_stats")
    op.drop_table("source_lines")
    op.drop_table("lang_stats")
    op.drop_table("ingest_lock")
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clusters_updated_at"))
        batch_op.drop_index(batch_op.f("ix_clusters_merged_into"))

    op.drop_table("clusters")
