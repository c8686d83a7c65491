"""Repositories: the only module that speaks SQL. Every function takes the session."""

from __future__ import annotations

import json
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache

from sqlalchemy import TextClause, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.store.models import (
    Article,
    Cluster,
    IndexLayout,
    IngestLock,
    LangStat,
    LshPosting,
    SourceLine,
    TermStat,
)

# Keep IN lists and multi-row statements well under every driver's parameter limit.
_CHUNK = 500


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lookup(session: Session, key_col, value_col, keys: Iterable, *conditions) -> dict:
    """key -> value for the given keys, in chunks that fit any driver's parameter limit."""
    found: dict = {}
    connection = session.connection()  # Core rows: the ORM's per-row work is not needed
    for chunk in _chunks(sorted(set(keys))):
        statement = select(key_col, value_col).where(*conditions, key_col.in_(chunk))
        found.update(connection.execute(statement).all())
    return found


def _insert_for(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


# -- locking ---------------------------------------------------------------------------


# one turn lock per engine, forgotten with the engine
_local_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_local_writers_guard = threading.Lock()


@contextmanager
def writer_turn(session: Session) -> Iterator[None]:
    """The writers of one process take turns on a thread lock before they ask the
    database for the ingest lock. On SQLite the busy handler polls with growing sleeps,
    so under load some writers waited seconds while others went ahead; on any database,
    threads waiting inside a transaction competed for the interpreter with the thread
    holding the lock and stretched its turn. Other processes and replicas still meet at
    ``acquire_ingest_lock``."""
    bind = session.get_bind()
    with _local_writers_guard:
        lock = _local_writers.setdefault(bind, threading.Lock())
    with lock:
        yield


def acquire_ingest_lock(session: Session) -> None:
    """Serialise writers: held until the transaction ends (row lock on PostgreSQL, the
    database write lock on SQLite). Must be the first write of the transaction."""
    result = session.execute(
        update(IngestLock).where(IngestLock.id == 1).values(generation=IngestLock.generation + 1)
    )
    if result.rowcount == 0:  # a schema made without the migration's seed row
        session.add(IngestLock(id=1, generation=1))
        session.flush()


# -- LSH buckets -----------------------------------------------------------------------


@lru_cache(maxsize=32)
def _probe_statement(n_keys: int) -> TextClause:
    """One statement for all bands: per band key, the newest ``cap`` postings (an index
    range scan each), so a probe reads at most n_keys * cap rows however busy a bucket."""
    per_key = (
        f"SELECT * FROM (SELECT article_pk FROM lsh_postings"
        f" WHERE lsh_index = :lsh_index AND band_key = :k{i}"
        f" ORDER BY article_pk DESC LIMIT :cap) AS b{i}"
        for i in range(n_keys)
    )
    return text(" UNION ALL ".join(per_key))


class SqlBucketStore:
    """The BucketStore protocol on the ``lsh_postings`` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, index: int, article_pk: int, keys: Sequence[int]) -> None:
        rows = [{"lsh_index": index, "band_key": k, "article_pk": article_pk} for k in set(keys)]
        insert = _insert_for(self.session)
        for chunk in _chunks(rows):
            self.session.execute(insert(LshPosting).on_conflict_do_nothing(), list(chunk))

    def probe(self, index: int, keys: Sequence[int], bucket_cap: int) -> dict[int, int]:
        if not keys:
            return {}
        params: dict[str, int] = {"lsh_index": index, "cap": bucket_cap}
        params.update({f"k{i}": key for i, key in enumerate(keys)})
        rows = self.session.execute(_probe_statement(len(keys)), params).scalars()
        return dict(Counter(rows))

    def remove(self, article_pk: int) -> None:
        self.session.execute(delete(LshPosting).where(LshPosting.article_pk == article_pk))


def delete_postings(session: Session) -> None:
    session.execute(delete(LshPosting))


def count_postings(session: Session, article_pk: int | None = None) -> int:
    statement = select(func.count()).select_from(LshPosting)
    if article_pk is not None:
        statement = statement.where(LshPosting.article_pk == article_pk)
    return session.execute(statement).scalar_one()


# -- articles --------------------------------------------------------------------------


def article_by_id(session: Session, article_id: str) -> Article | None:
    return session.execute(select(Article).where(Article.id == article_id)).scalar_one_or_none()


def ids_by_pks(session: Session, pks: Iterable[int]) -> dict[int, str]:
    return _lookup(session, Article.pk, Article.id, pks)


def add_article(session: Session, article: Article) -> Article:
    session.add(article)
    session.flush()
    return article


def delete_article_row(session: Session, article: Article) -> None:
    session.delete(article)
    session.flush()


def copies_of(session: Session, root_pk: int) -> list[Article]:
    statement = select(Article).where(Article.duplicate_of_pk == root_pk).order_by(Article.pk)
    return list(session.execute(statement).scalars())


def count_articles(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Article)).scalar_one()


# -- clusters --------------------------------------------------------------------------


def resolve_cluster_id(session: Session, cluster_id: int) -> int | None:
    """Follow merges to the surviving cluster; None if there is no such cluster."""
    seen: set[int] = set()
    current: int | None = cluster_id
    while current is not None and current not in seen:
        seen.add(current)
        merged_into = session.execute(
            select(Cluster.merged_into).where(Cluster.id == current)
        ).one_or_none()
        if merged_into is None:
            return None
        if merged_into[0] is None:
            return current
        current = merged_into[0]
    return current


def clusters_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Cluster]:
    found: dict[int, Cluster] = {}
    for chunk in _chunks(sorted(set(ids))):
        for cluster in session.execute(select(Cluster).where(Cluster.id.in_(chunk))).scalars():
            found[cluster.id] = cluster
    return found


def get_cluster(session: Session, cluster_id: int) -> Cluster | None:
    return session.get(Cluster, cluster_id)


def add_cluster(session: Session, cluster: Cluster) -> Cluster:
    session.add(cluster)
    session.flush()
    return cluster


def move_members(session: Session, from_cluster: int, to_cluster: int) -> None:
    session.execute(
        update(Article).where(Article.cluster_id == from_cluster).values(cluster_id=to_cluster)
    )


def member_terms(
    session: Session, cluster_id: int
) -> list[tuple[int, dict, datetime | None, int | None, str]]:
    """(pk, story_terms, published_at, duplicate_of_pk, lang) of every member, oldest
    first."""
    statement = (
        select(
            Article.pk,
            Article.story_terms,
            Article.published_at,
            Article.duplicate_of_pk,
            Article.lang,
        )
        .where(Article.cluster_id == cluster_id)
        .order_by(Article.pk)
    )
    return [tuple(row) for row in session.execute(statement)]


def move_articles(session: Session, pks: Iterable[int], to_cluster: int) -> None:
    for chunk in _chunks(sorted(set(pks))):
        session.execute(update(Article).where(Article.pk.in_(chunk)).values(cluster_id=to_cluster))


def cluster_members(
    session: Session, cluster_id: int, after_pk: int | None, limit: int
) -> list[Article]:
    statement = select(Article).where(Article.cluster_id == cluster_id)
    if after_pk is not None:
        statement = statement.where(Article.pk > after_pk)
    statement = statement.order_by(Article.pk).limit(limit)
    return list(session.execute(statement).scalars())


def first_member(session: Session, cluster_id: int) -> Article | None:
    members = cluster_members(session, cluster_id, None, 1)
    return members[0] if members else None


def member_time_span(session: Session, cluster_id: int) -> tuple[datetime | None, datetime | None]:
    row = session.execute(
        select(func.min(Article.published_at), func.max(Article.published_at)).where(
            Article.cluster_id == cluster_id
        )
    ).one()
    return row[0], row[1]


def list_clusters(
    session: Session,
    *,
    updated_since: datetime | None,
    min_size: int,
    after_id: int | None,
    limit: int,
) -> list[Cluster]:
    statement = select(Cluster).where(
        Cluster.merged_into.is_(None), Cluster.size >= max(1, min_size)
    )
    if updated_since is not None:
        statement = statement.where(Cluster.updated_at >= updated_since)
    if after_id is not None:
        statement = statement.where(Cluster.id > after_id)
    return list(session.execute(statement.order_by(Cluster.id).limit(limit)).scalars())


# -- term statistics -------------------------------------------------------------------


_DF_BY_ARRAY = {
    # One bound parameter for thousands of terms: no IN-list to expand and compile. On
    # PostgreSQL a join, not "= ANY(array)": a generic plan tests ANY element by element
    # for every row, which grew to 300 ms per article at 10k terms.
    "postgresql": text(
        "SELECT s.term, s.df FROM unnest(CAST(:terms AS text[])) AS t(term)"
        " JOIN term_stats s ON s.lang = :lang AND s.term = t.term"
    ),
    "sqlite": text(
        "SELECT term, df FROM term_stats"
        " WHERE lang = :lang AND term IN (SELECT value FROM json_each(:terms))"
    ),
}


def document_frequencies(session: Session, lang: str, terms: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(terms))
    dialect = session.get_bind().dialect.name
    if dialect not in _DF_BY_ARRAY:
        return _lookup(session, TermStat.term, TermStat.df, wanted, TermStat.lang == lang)
    param = wanted if dialect == "postgresql" else json.dumps(wanted)
    rows = session.connection().execute(_DF_BY_ARRAY[dialect], {"lang": lang, "terms": param})
    return dict(rows.all())


def language_docs(session: Session, lang: str) -> int:
    docs = session.execute(select(LangStat.docs).where(LangStat.lang == lang)).scalar_one_or_none()
    return docs or 0


def bump_term_stats(session: Session, lang: str, terms: Iterable[str], delta: int) -> None:
    """Add ``delta`` to the document frequency of each term and to the language's count."""
    insert = _insert_for(session)
    rows = [{"lang": lang, "term": term, "df": delta} for term in sorted(set(terms))]
    for chunk in _chunks(rows):
        statement = insert(TermStat)
        statement = statement.on_conflict_do_update(
            index_elements=[TermStat.lang, TermStat.term],
            set_={"df": TermStat.df + statement.excluded.df},
        )
        session.execute(statement, list(chunk))
    statement = insert(LangStat).values(lang=lang, docs=delta)
    statement = statement.on_conflict_do_update(
        index_elements=[LangStat.lang], set_={"docs": LangStat.docs + statement.excluded.docs}
    )
    session.execute(statement)
    if delta < 0:
        session.execute(delete(TermStat).where(TermStat.lang == lang, TermStat.df <= 0))


# -- boilerplate -----------------------------------------------------------------------


def source_line_counts(session: Session, source: str, hashes: Iterable[int]) -> dict[int, int]:
    condition = SourceLine.source == source
    return _lookup(session, SourceLine.line_hash, SourceLine.articles, hashes, condition)


def bump_source_lines(session: Session, source: str, hashes: Iterable[int]) -> None:
    insert = _insert_for(session)
    rows = [{"source": source, "line_hash": h, "articles": 1} for h in sorted(set(hashes))]
    for chunk in _chunks(rows):
        statement = insert(SourceLine)
        statement = statement.on_conflict_do_update(
            index_elements=[SourceLine.source, SourceLine.line_hash],
            set_={"articles": SourceLine.articles + 1},
        )
        session.execute(statement, list(chunk))


# -- readiness -------------------------------------------------------------------------


def ping(session: Session) -> None:
    session.execute(select(1))


# -- candidate loading (narrow rows: the probe path must stay cheap) --------------------


def candidate_refs(
    session: Session, pks: Iterable[int]
) -> dict[int, tuple[int, int | None, datetime | None]]:
    """pk -> (cluster_id, duplicate_of_pk, published_at)."""
    found: dict[int, tuple[int, int | None, datetime | None]] = {}
    for chunk in _chunks(sorted(set(pks))):
        statement = select(
            Article.pk, Article.cluster_id, Article.duplicate_of_pk, Article.published_at
        ).where(Article.pk.in_(chunk))
        for pk, cluster_id, duplicate_of_pk, published_at in session.execute(statement):
            found[pk] = (cluster_id, duplicate_of_pk, published_at)
    return found


def dup_signatures(session: Session, pks: Iterable[int]) -> dict[int, bytes]:
    return _lookup(session, Article.pk, Article.dup_signature, pks)


# -- index layout ----------------------------------------------------------------------


def index_layout(session: Session) -> dict | None:
    row = session.get(IndexLayout, 1)
    return dict(row.params) if row is not None else None


def save_index_layout(session: Session, params: dict, now: datetime) -> None:
    row = session.get(IndexLayout, 1)
    if row is None:
        session.add(IndexLayout(id=1, params=params, updated_at=now))
    else:
        row.params, row.updated_at = params, now
    session.flush()


def signature_batches(
    session: Session, batch_size: int = 500
) -> Iterator[list[tuple[int, bytes, bytes]]]:
    """(pk, dup_signature, story_signature) of every article, in pk order, in batches."""
    after = 0
    while True:
        statement = (
            select(Article.pk, Article.dup_signature, Article.story_signature)
            .where(Article.pk > after)
            .order_by(Article.pk)
            .limit(batch_size)
        )
        batch = [tuple(row) for row in session.execute(statement)]
        if not batch:
            return
        yield batch
        after = batch[-1][0]
