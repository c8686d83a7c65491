"""Tables. Operators query these directly: names are part of the interface."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

# BIGINT keys on PostgreSQL; INTEGER (the rowid alias, auto-incrementing) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

DUP_INDEX = 1
STORY_INDEX = 2


class Storyline(Base):
    """Events that continue one another (one war, one summit saga). What it holds is
    read from its clusters; the row keeps its identity and where it was merged to."""

    __tablename__ = "storylines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merged_into: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("storylines.id"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    merged_into: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("clusters.id"), index=True, default=None
    )
    # Sum of unit term vectors of the members (before IDF), truncated to the top terms.
    centroid: Mapped[dict] = mapped_column(JSON, default=dict)
    first_published: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_published: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    # set by a trigger: the ingest-lock generation that last inserted or changed it
    changed_in: Mapped[int] = mapped_column(BigInteger, server_default="0", index=True)
    storyline_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("storylines.id"), index=True, default=None
    )


class Article(Base):
    __tablename__ = "articles"

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str | None] = mapped_column(Text, default=None)
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    source: Mapped[str | None] = mapped_column(String(255), default=None)
    lang: Mapped[str] = mapped_column(String(8))
    published_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # Where the article sits in time (cluster spans, the time signal): published_at,
    # else its arrival over the API; NULL for an undated back-fill or replay.
    placed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    ingested_at: Mapped[datetime] = mapped_column(DateTime)
    content_hash: Mapped[str] = mapped_column(String(64))
    cluster_id: Mapped[int] = mapped_column(BigId, ForeignKey("clusters.id"), index=True)
    duplicate_of_pk: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("articles.pk"), index=True, default=None
    )
    # [[pk, similarity], ...] of the copies found when the article came in
    near_duplicates: Mapped[list] = mapped_column(JSON, default=list)
    boilerplate_lines: Mapped[list] = mapped_column(JSON, default=list)
    story_terms: Mapped[dict] = mapped_column(JSON, default=dict)
    dup_signature: Mapped[bytes] = mapped_column(LargeBinary)
    story_signature: Mapped[bytes] = mapped_column(LargeBinary)
    signature_scheme: Mapped[str] = mapped_column(String(32))
    signature_seed: Mapped[int] = mapped_column(Integer)
    story_score: Mapped[float | None] = mapped_column(Float, default=None)
    # set by a trigger: the ingest-lock generation that last inserted it or changed its
    # cluster or copy root
    changed_in: Mapped[int] = mapped_column(BigInteger, server_default="0", index=True)


class LshPosting(Base):
    """One row per (index, band key, article): the LSH buckets, in SQL."""

    __tablename__ = "lsh_postings"

    lsh_index: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # No foreign key: PostgreSQL checked it for each of an article's 64 postings, a
    # third of their insert (migration 0008). The writer files postings with their
    # article, a trigger deletes them with it, `story-clusters check` finds any orphan.
    article_pk: Mapped[int] = mapped_column(BigId, primary_key=True)

    __table_args__ = (Index("ix_lsh_postings_article_pk", "article_pk"),)


class TermStat(Base):
    """Document frequency of a stemmed term among the articles of one language."""

    __tablename__ = "term_stats"

    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    term: Mapped[str] = mapped_column(String(128), primary_key=True)
    df: Mapped[int] = mapped_column(Integer, default=0)


class LangStat(Base):
    __tablename__ = "lang_stats"

    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    docs: Mapped[int] = mapped_column(Integer, default=0)


class SourceLine(Base):
    """How many articles of a source carried a line: repeated lines are boilerplate."""

    __tablename__ = "source_lines"

    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    line_hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    articles: Mapped[int] = mapped_column(Integer, default=0)


class IngestLock(Base):
    """A single row; every write transaction updates it first, which serialises the
    probe-and-assign step across threads, processes and replicas on any database."""

    __tablename__ = "ingest_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
    # the generation of the last transaction that removed postings: a writer that finds
    # none since its own last turn can catch up on the others' new articles exactly
    removed_in: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # the generation of the last transaction that moved articles between clusters (a
    # merge, a split): a writer that finds none since its last turn can follow the
    # others' joins in its cache instead of reading the clusters they changed
    regrouped_in: Mapped[int] = mapped_column(BigInteger, server_default="0")


class IndexLayout(Base):
    """A single row: how the stored signatures and band keys were made. A service
    configured differently would probe keys the index does not hold, so it refuses."""

    __tablename__ = "index_layout"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    params: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
