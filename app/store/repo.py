"""Repositories: the only module that speaks SQL. Every function takes the session."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

import numpy as np
from sqlalchemy import (
    Row,
    Table,
    TextClause,
    bindparam,
    case,
    delete,
    false,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from app.db import PerEngine
from app.lsh.protocol import BucketStore
from app.store.models import (
    Article,
    Cluster,
    IndexLayout,
    IngestLock,
    LangStat,
    LshPosting,
    SourceLine,
    Storyline,
    TermStat,
)

# Keep IN lists and multi-row statements well under every driver's parameter limit.
_CHUNK = 500


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rows_by_key(session: Session, key_col, columns, keys: Iterable, *conditions) -> dict:
    """key -> (columns...) for the given keys, in chunks that fit any driver's parameter
    limit."""
    found: dict = {}
    connection = session.connection()  # Core rows: the ORM's per-row work is not needed
    for chunk in _chunks(sorted(set(keys))):
        statement = select(key_col, *columns).where(*conditions, key_col.in_(chunk))
        found.update((key, tuple(rest)) for key, *rest in connection.execute(statement))
    return found


def _lookup(session: Session, key_col, value_col, keys: Iterable, *conditions) -> dict:
    """key -> value for the given keys."""
    rows = _rows_by_key(session, key_col, [value_col], keys, *conditions)
    return {key: values[0] for key, values in rows.items()}


# Rows of one article go in as one array parameter (unnest on PostgreSQL, json_each on
# SQLite): one statement per table, not one per row.
def _array(session: Session, values: list) -> list | str:
    """On PostgreSQL integers as an array literal (``_int_array``), other values as a
    list; on SQLite JSON."""
    if session.get_bind().dialect.name != "postgresql":
        return json.dumps(values)
    return _int_array(values) if values and isinstance(values[0], int) else values


def _int_array(values: Iterable[int]) -> str:
    """Integers as a PostgreSQL array literal, for a ``CAST(... AS bigint[])``: the
    driver adapts a list element by element in Python (90 µs for an article's 64 band
    keys and their indexes, against 14 µs for this text)."""
    return "{" + ",".join(map(str, values)) + "}"


def _execute_many(session: Session, sql: str, rows: list[tuple]) -> None:
    """One prepared statement over many rows (SQLite): the driver's executemany, through
    SQLAlchemy so its events and error mapping hold (7 µs more than the bare cursor for
    an article's 64 postings). ``rows`` must not be empty."""
    session.connection().exec_driver_sql(sql, rows)


def _by_dialect(session: Session, statements: dict[str, TextClause]) -> TextClause:
    return statements[session.get_bind().dialect.name]


_ADD_POSTINGS_PG = text(
    "INSERT INTO lsh_postings (lsh_index, band_key, article_pk)"
    " SELECT * FROM unnest(CAST(:indexes AS smallint[]), CAST(:keys AS bigint[]),"
    " CAST(:pks AS bigint[])) ON CONFLICT DO NOTHING"
)
# SQLite: the driver's executemany of one prepared statement costs half what unpacking a
# JSON array in SQL does (0.22 against 0.44 ms for an article's 64 rows).
_ADD_POSTINGS_SQLITE = (
    "INSERT INTO lsh_postings (lsh_index, band_key, article_pk) VALUES (?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
_ADD_TERMS_PG_SQL = (
    "INSERT INTO term_stats (lang, term, df)"
    " SELECT :lang, t, d FROM unnest(CAST(:terms AS text[]), CAST(:deltas AS int[])) AS x(t, d)"
    " ON CONFLICT (lang, term) DO UPDATE SET df = term_stats.df + EXCLUDED.df"
)
_ADD_DOCS_PG_SQL = (
    "INSERT INTO lang_stats (lang, docs) VALUES (:lang, :docs)"
    " ON CONFLICT (lang) DO UPDATE SET docs = lang_stats.docs + EXCLUDED.docs"
)
# by (terms?, docs?): both in one statement when both change, as a transaction's end does
_ADD_COUNTS_PG = {
    (True, False): text(_ADD_TERMS_PG_SQL),
    (False, True): text(_ADD_DOCS_PG_SQL),
    (True, True): text(f"WITH t AS ({_ADD_TERMS_PG_SQL}) {_ADD_DOCS_PG_SQL}"),
}
_ADD_TERMS_SQLITE = (  # executemany, as the postings
    "INSERT INTO term_stats (lang, term, df) VALUES (?, ?, ?)"
    " ON CONFLICT (lang, term) DO UPDATE SET df = term_stats.df + excluded.df"
)
_DROP_UNUSED_TERMS = {
    "postgresql": text(
        "DELETE FROM term_stats WHERE lang = :lang AND df <= 0"
        " AND term IN (SELECT unnest(CAST(:terms AS text[])))"
    ),
    "sqlite": text(
        "DELETE FROM term_stats WHERE lang = :lang AND df <= 0"
        " AND term IN (SELECT value FROM json_each(:terms))"
    ),
}
_BUMP_LINES = {
    "postgresql": text(
        "INSERT INTO source_lines (source, line_hash, articles)"
        " SELECT :source, h, :delta FROM unnest(CAST(:hashes AS bigint[])) AS h"
        " ON CONFLICT (source, line_hash)"
        " DO UPDATE SET articles = source_lines.articles + EXCLUDED.articles"
    ),
    "sqlite": text(
        "INSERT INTO source_lines (source, line_hash, articles)"
        " SELECT :source, value, :delta FROM json_each(:hashes) WHERE true"
        " ON CONFLICT (source, line_hash)"
        " DO UPDATE SET articles = source_lines.articles + excluded.articles"
    ),
}
_DROP_UNUSED_LINES = {
    "postgresql": text(
        "DELETE FROM source_lines WHERE source = :source AND articles <= 0"
        " AND line_hash IN (SELECT unnest(CAST(:hashes AS bigint[])))"
    ),
    "sqlite": text(
        "DELETE FROM source_lines WHERE source = :source AND articles <= 0"
        " AND line_hash IN (SELECT value FROM json_each(:hashes))"
    ),
}


# -- locking ---------------------------------------------------------------------------


_turn_lock_for = PerEngine(threading.Lock)


@contextmanager
def writer_turn(session: Session) -> Iterator[None]:
    """The writers of one process take turns on a thread lock before they ask the
    database for the ingest lock. On SQLite the busy handler polls with growing sleeps,
    so under load some writers waited seconds while others went ahead; on any database,
    threads waiting inside a transaction competed for the interpreter with the thread
    holding the lock and stretched its turn. Other processes and replicas still meet at
    ``acquire_ingest_lock``."""
    with _turn_lock_for(engine_of(session)):
        yield


def acquire_ingest_lock(session: Session) -> tuple[int, int, int]:
    """Serialise writers: held until the transaction ends (row lock on PostgreSQL, the
    database write lock on SQLite). Must be the first write of the transaction.
    Returns the lock's new generation (one more than the last writer's) and the
    generations of the last transactions that removed postings and that moved articles
    between clusters."""
    row = session.execute(
        update(IngestLock)
        .where(IngestLock.id == 1)
        .values(generation=IngestLock.generation + 1)
        .returning(IngestLock.generation, IngestLock.removed_in, IngestLock.regrouped_in)
    ).one_or_none()
    if row is None:  # a schema made without the migration's seed row
        session.add(IngestLock(id=1, generation=1, removed_in=0, regrouped_in=0))
        session.flush()
        return 1, 0, 0
    return row.generation, row.removed_in, row.regrouped_in


def _mark_removal(session: Session) -> None:
    """Postings go in this transaction (under the ingest lock): other writers' caches
    cannot catch up on it and start again (``removed_in``)."""
    session.execute(
        update(IngestLock).where(IngestLock.id == 1).values(removed_in=IngestLock.generation)
    )


# -- LSH buckets -----------------------------------------------------------------------


@lru_cache(maxsize=32)
def _probe_sql(n_keys: int) -> str:
    """One SQLite statement for all bands of all indexes: first the newest article pk,
    then per band key (in the order given) the pks of its newest ``cap`` postings (an
    index range scan each), so a probe reads at most n_keys * cap postings however busy
    a bucket, all from one snapshot. A key's pks come as one comma-joined string: a
    thousand result rows cost more to hand to Python than to find (570 against 730 µs
    per article). Plain driver SQL: it runs for every article."""
    per_key = [
        f"SELECT {i}, (SELECT group_concat(article_pk) FROM (SELECT article_pk"
        " FROM lsh_postings WHERE lsh_index = ? AND band_key = ?"
        " ORDER BY article_pk DESC LIMIT ?))"
        for i in range(n_keys)
    ]
    return " UNION ALL ".join(["SELECT -1, max(pk) FROM articles", *per_key])


# The same on PostgreSQL: one statement whose plan does not depend on the number of keys
# (3.4 ms against 5.0 ms for the union of 64 subqueries, measured on 2,000 articles),
# each key's pks joined into one string as on SQLite (20,000 stress articles, 1,000
# probes, three rounds: server 0.50-0.56 and client 0.26-0.30 ms a probe, against
# 0.67-0.87 and 0.36-0.43 for a row per pk).
_PROBE_PG = (
    "SELECT -1, max(pk)::text FROM articles UNION ALL"
    " SELECT k.ord - 1, (SELECT string_agg(article_pk::text, ',') FROM (SELECT article_pk"
    " FROM lsh_postings WHERE lsh_index = k.i AND band_key = k.key"
    " ORDER BY article_pk DESC LIMIT %s) AS p)"
    " FROM unnest(%s::smallint[], %s::bigint[]) WITH ORDINALITY AS k(i, key, ord)"
)


def probe_snapshot(
    connection: Connection, pairs: Sequence[tuple[int, int]], cap: int
) -> tuple[int, np.ndarray, list[int]]:
    """What ``SqlBucketStore.probe`` reads, as of one snapshot, and where that snapshot
    ends: (the newest article pk it holds, the pks of each (index, key) pair's newest
    ``cap`` postings one pair after the other, newest first within each, how many per
    pair), read in one statement."""
    # the driver's SQL as is, but through SQLAlchemy: its events (the service's
    # deadline) and its errors hold for the probe as for every statement
    if connection.dialect.name == "postgresql":
        args: tuple = (cap, _int_array(i for i, _ in pairs), _int_array(k for _, k in pairs))
        rows = _fetch_driver_rows(connection, _PROBE_PG, args)
    else:
        args = tuple(value for index, key in pairs for value in (index, key, cap))
        rows = _fetch_driver_rows(connection, _probe_sql(len(pairs)), args)
    newest, joined = 0, [""] * len(pairs)
    for ordinal, found in rows:  # (-1, newest pk), then (key ordinal, its pks joined)
        if ordinal < 0:
            newest = int(found or 0)
        else:
            joined[ordinal] = found or ""
    return newest, *_parsed_newest_first(joined)


def _parsed_newest_first(joined: list[str]) -> tuple[np.ndarray, list[int]]:
    """Comma-joined pk lists, one per key, parsed in C (a Python int per pk cost a
    third of the probe) and each sorted newest first (neither SQLite's group_concat
    nor PostgreSQL's string_agg promises its order)."""
    per_key = [text.count(",") + 1 if text else 0 for text in joined]
    if not any(per_key):
        return np.empty(0, dtype=np.int64), per_key
    pks = np.fromstring(",".join(filter(None, joined)), dtype=np.int64, sep=",")
    ordinal = np.repeat(np.arange(len(per_key)), per_key)
    return pks[np.lexsort((-pks, ordinal))], per_key


def _fetch_driver_rows(connection: Connection, sql: str, args: tuple) -> Sequence[tuple]:
    """The driver's own rows (SQLAlchemy's rows cost the probe 1.7 times more)."""
    result = connection.exec_driver_sql(sql, args)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def bucket_store(session: Session) -> BucketStore:
    """The LSH buckets, as the algorithm sees them (typed: SqlBucketStore must keep to
    the protocol)."""
    return SqlBucketStore(session)


def _posting_rows(keys_by_index: Mapping[int, Sequence[int]]) -> list[tuple[int, int]]:
    """(index, key) of each posting, once each, sorted."""
    return sorted({(index, key) for index, keys in keys_by_index.items() for key in keys})


def add_postings(
    session: Session, articles: Sequence[tuple[int, Mapping[int, Sequence[int]]]]
) -> None:
    """File articles, each (pk, its keys by index), under their keys in every index, in
    one statement. PostgreSQL gets the rows sorted by key, so its inserts walk the
    postings' primary key in order (bulk ingest's server CPU fell by a quarter);
    SQLite gets them in the order written (sorted, a batch of 1,000 articles cost its
    writer 8 % more CPU: the article index's appends became inserts mid-page)."""
    rows = [(i, k, pk) for pk, keys in articles for i, k in _posting_rows(keys)]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        rows.sort()
        indexes, keys, pks = zip(*rows, strict=True)
        arrays = {"indexes": _int_array(indexes), "keys": _int_array(keys), "pks": _int_array(pks)}
        session.connection().execute(_ADD_POSTINGS_PG, arrays)
        return
    _execute_many(session, _ADD_POSTINGS_SQLITE, rows)


class SqlBucketStore:
    """The BucketStore protocol on the ``lsh_postings`` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, article_pk: int, keys_by_index: Mapping[int, Sequence[int]]) -> None:
        """File the article under its keys in every index: one statement."""
        add_postings(self.session, [(article_pk, keys_by_index)])

    def probe(self, keys_by_index: Mapping[int, Sequence[int]], bucket_cap: int) -> dict:
        """index -> {article pk: keys shared}, for every index asked, in one statement.
        Counts keep the order the rows came in (ties are broken by it downstream)."""
        found: dict[int, Counter] = {index: Counter() for index in keys_by_index}
        pairs = [(index, key) for index, keys in keys_by_index.items() for key in keys]
        if not pairs:
            return found
        _, pks, per_key = probe_snapshot(self.session.connection(), pairs, bucket_cap)
        flat, start = pks.tolist(), 0
        for (index, _), count in zip(pairs, per_key, strict=True):
            found[index].update(flat[start : start + count])  # first-seen order kept
            start += count
        return found

    def remove(self, article_pk: int) -> None:
        self.session.execute(delete(LshPosting).where(LshPosting.article_pk == article_pk))
        _mark_removal(self.session)


def delete_postings(session: Session) -> None:
    session.execute(delete(LshPosting))
    _mark_removal(session)


def postings_after(session: Session, pk: int) -> dict[int, dict[int, list[int]]]:
    """pk -> index -> band keys, of every article with a larger pk."""
    statement = select(LshPosting.article_pk, LshPosting.lsh_index, LshPosting.band_key).where(
        LshPosting.article_pk > pk
    )
    found: dict[int, dict[int, list[int]]] = {}
    for article_pk, index, key in session.execute(statement):
        found.setdefault(article_pk, {}).setdefault(index, []).append(key)
    return found


def count_postings(session: Session, article_pk: int | None = None) -> int:
    statement = select(func.count()).select_from(LshPosting)
    if article_pk is not None:
        statement = statement.where(LshPosting.article_pk == article_pk)
    return session.execute(statement).scalar_one()


# -- articles --------------------------------------------------------------------------


def article_by_id(session: Session, article_id: str) -> Article | None:
    return session.execute(select(Article).where(Article.id == article_id)).scalar_one_or_none()


def engine_of(session: Session) -> Engine:
    """The engine a service session is bound to (sessions here are never bound to a
    bare connection)."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def newest_article_pk(session: Session) -> int:
    return session.execute(select(func.max(Article.pk))).scalar_one() or 0


def ids_by_pks(session: Session, pks: Iterable[int]) -> dict[int, str]:
    return _lookup(session, Article.pk, Article.id, pks)


# Built once: a statement made per call costs more to construct than to run.
_ARTICLES, _CLUSTERS = cast(Table, Article.__table__), cast(Table, Cluster.__table__)
_STORYLINES = cast(Table, Storyline.__table__)
_UPDATE_CLUSTER = _CLUSTERS.update().where(_CLUSTERS.c.id == bindparam("cluster_id"))
# the tables whose ids the writer assigns before it writes their rows, and their key
_ASSIGNED_KEYS = {
    "storylines": _STORYLINES.c.id,
    "clusters": _CLUSTERS.c.id,
    "articles": _ARTICLES.c.pk,
}


def reserve_ids(session: Session, above: Mapping[str, int], count: int) -> dict[str, list[int]]:
    """``count`` new ids for each table of ``above`` (storylines, clusters, articles),
    ascending and above the table's id there (the last this transaction reserved), for
    rows this transaction writes later; in one statement. PostgreSQL takes them from
    the columns' sequences, which no other transaction hands out again (unused ones
    are gaps); SQLite, whose write lock this transaction holds, counts on from the
    largest id, as its own inserts would."""
    keys = [_ASSIGNED_KEYS[table] for table in above]
    if session.get_bind().dialect.name == "postgresql":
        sequences = [func.nextval(func.pg_get_serial_sequence(k.table.name, k.name)) for k in keys]
        rows = session.connection().execute(
            select(*sequences).select_from(func.generate_series(1, count))
        )
        return dict(zip(above, map(sorted, zip(*rows, strict=True)), strict=True))
    # one subquery a table: a plain select of several max() would join the tables
    largest = select(*(select(func.max(k)).scalar_subquery() for k in keys))
    stored = cast(tuple[int | None, ...], session.execute(largest).one())
    reserved = {}
    for (table, last), stored_max in zip(above.items(), stored, strict=True):
        first = max(stored_max or 0, last) + 1
        reserved[table] = list(range(first, first + count))
    return reserved


def insert_rows(session: Session, table: str, rows: Sequence[dict]) -> None:
    """Rows of storylines, clusters or articles, ids included, in one statement (the
    driver's executemany; on PostgreSQL one multi-row insert): an article written alone
    was a round trip that bulk ingest's writer waited for, 1.1 to 1.5 ms of its time."""
    if rows:
        session.connection().execute(_ASSIGNED_KEYS[table].table.insert(), list(rows))


def content_hashes(session: Session, article_ids: Iterable[str]) -> dict[str, str]:
    """id -> content hash of the given ids that are stored."""
    return _lookup(session, Article.id, Article.content_hash, article_ids)


def article_refs(
    session: Session, pks: Iterable[int]
) -> dict[int, tuple[int, int | None, datetime | None]]:
    """pk -> (cluster_id, duplicate_of_pk, placed_at)."""
    columns = (Article.cluster_id, Article.duplicate_of_pk, Article.placed_at)
    return _rows_by_key(session, Article.pk, columns, pks)


def changed_since(
    session: Session, generation: int, limit: int, newest_pk: int | None = None
) -> tuple[dict[int, tuple], dict[int, tuple[int, int | None, datetime | None]], list] | None:
    """What the transactions after ``generation`` inserted or changed (``changed_in``,
    kept by triggers): the clusters, id -> (size, merged_into, storyline_id,
    first_published, last_published) (not their centroids), the articles with their
    refs as ``article_refs`` gives them, and (pk, language, story terms) of those with a
    pk above ``newest_pk`` (the new ones, in pk order; none without it). None when
    either passes ``limit`` rows."""
    clusters = session.execute(
        select(
            Cluster.id,
            Cluster.size,
            Cluster.merged_into,
            Cluster.storyline_id,
            Cluster.first_published,
            Cluster.last_published,
        )
        .where(Cluster.changed_in > generation)
        .limit(limit + 1)
    ).all()
    cluster_rows = {row[0]: tuple(row[1:]) for row in clusters}
    # the terms of new articles only: moved ones (a merge moves whole clusters) need none
    new = Article.pk > newest_pk if newest_pk is not None else false()
    rows: Sequence[tuple[Any, ...]] = session.execute(
        select(
            Article.pk,
            Article.cluster_id,
            Article.duplicate_of_pk,
            Article.placed_at,
            case((new, Article.lang)),
            case((new, Article.story_terms)),
        )
        .where(Article.changed_in > generation)
        .order_by(Article.pk)
        .limit(limit + 1)
    ).all()
    if len(cluster_rows) > limit or len(rows) > limit:
        return None
    refs: dict[int, tuple[int, int | None, datetime | None]] = {}
    inserted: list[tuple[int, str, dict]] = []
    for pk, cluster, root, published, lang, terms in rows:
        refs[pk] = (cluster, root, published)
        if lang is not None:
            inserted.append((pk, lang, terms))
    return cluster_rows, refs, inserted


def story_terms_of(session: Session, pks: Iterable[int]) -> dict[int, dict]:
    return _lookup(session, Article.pk, Article.story_terms, pks)


def delete_article_row(session: Session, article: Article) -> None:
    session.delete(article)
    session.flush()


# What an article's own page answers (GET /articles/{id}, a repeated POST): not its
# text, term weights or signatures.
_ARTICLE_LISTING = (
    Article.pk,
    Article.id,
    Article.title,
    Article.url,
    Article.source,
    Article.lang,
    Article.published_at,
    Article.placed_at,
    Article.ingested_at,
    Article.cluster_id,
    Article.duplicate_of_pk,
    Article.near_duplicates,
    Article.boilerplate_lines,
)


def article_listing(session: Session, article_id: str) -> Row | None:
    return session.execute(select(*_ARTICLE_LISTING).where(Article.id == article_id)).first()


def copy_ids(session: Session, root_pk: int) -> list[str]:
    statement = select(Article.id).where(Article.duplicate_of_pk == root_pk).order_by(Article.pk)
    return list(session.execute(statement).scalars())


def copies_of(session: Session, root_pk: int) -> list[Article]:
    statement = select(Article).where(Article.duplicate_of_pk == root_pk).order_by(Article.pk)
    return list(session.execute(statement).scalars())


def count_articles(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Article)).scalar_one()


# -- clusters --------------------------------------------------------------------------


def resolve_storyline_id(session: Session, storyline_id: int) -> int | None:
    """The surviving storyline (merges keep ``merged_into`` pointing at the survivor);
    None if there is no such storyline."""
    row = session.execute(
        select(Storyline.id, Storyline.merged_into).where(Storyline.id == storyline_id)
    ).one_or_none()
    return None if row is None else (row.merged_into or row.id)


_LIVE_CLUSTER = (Cluster.merged_into.is_(None), Cluster.size > 0)


def storyline_summaries(
    session: Session,
    *,
    ids: Sequence[int] | None = None,
    updated_since: datetime | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> list[Row]:
    """Storylines with at least one live event, by id: (id, events, articles,
    first_published, last_published, created_at, updated_at), read from their
    clusters (``updated_at``: the latest change of any of its events)."""
    statement = (
        select(
            Cluster.storyline_id.label("id"),
            func.count().label("events"),
            func.sum(Cluster.size).label("articles"),
            func.min(Cluster.first_published).label("first_published"),
            func.max(Cluster.last_published).label("last_published"),
            func.min(Cluster.created_at).label("created_at"),
            func.max(Cluster.updated_at).label("updated_at"),
        )
        .where(*_LIVE_CLUSTER, Cluster.storyline_id.is_not(None))
        .group_by(Cluster.storyline_id)
    )
    if ids is not None:
        statement = statement.where(Cluster.storyline_id.in_(ids))
    if after_id is not None:
        statement = statement.where(Cluster.storyline_id > after_id)
    if updated_since is not None:
        statement = statement.having(func.max(Cluster.updated_at) >= updated_since)
    statement = statement.order_by(Cluster.storyline_id)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.execute(statement))


def storyline_events(session: Session, storyline_id: int, offset: int, limit: int) -> list[Row]:
    """Its live clusters in time order (first date, else creation), summary columns."""
    statement = (
        select(*_CLUSTER_SUMMARY)
        .where(*_LIVE_CLUSTER, Cluster.storyline_id == storyline_id)
        .order_by(func.coalesce(Cluster.first_published, Cluster.created_at), Cluster.id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.execute(statement))


def largest_events(session: Session, storyline_ids: Sequence[int]) -> dict[int, int]:
    """storyline id -> its largest live cluster (the earliest on a tie)."""
    statement = select(Cluster.storyline_id, Cluster.id, Cluster.size).where(
        *_LIVE_CLUSTER, Cluster.storyline_id.in_(storyline_ids)
    )
    best: dict[int, tuple[int, int]] = {}
    for storyline, cluster_id, size in session.execute(statement):
        storyline_id = cast(int, storyline)  # the query keeps clusters of a storyline only
        if storyline_id not in best or (size, -cluster_id) > best[storyline_id]:
            best[storyline_id] = (size, -cluster_id)
    return {storyline_id: -negated for storyline_id, (_, negated) in best.items()}


def storyline_languages(session: Session, storyline_ids: Sequence[int]) -> dict[int, dict]:
    """Per storyline: articles per language."""
    statement = (
        select(Cluster.storyline_id, Article.lang, func.count())
        .join(Cluster, Cluster.id == Article.cluster_id)
        .where(Cluster.storyline_id.in_(storyline_ids))
        .group_by(Cluster.storyline_id, Article.lang)
    )
    found: dict[int, dict] = {}
    for storyline_id, lang, count in session.execute(statement):
        found.setdefault(cast(int, storyline_id), {})[lang] = count
    return found


def storyline_sources(session: Session, storyline_ids: Sequence[int]) -> dict[int, int]:
    statement = (
        select(Cluster.storyline_id, func.count(Article.source.distinct()))
        .join(Cluster, Cluster.id == Article.cluster_id)
        .where(Cluster.storyline_id.in_(storyline_ids))
        .group_by(Cluster.storyline_id)
    )
    return {cast(int, storyline): count for storyline, count in session.execute(statement)}


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


def get_cluster(session: Session, cluster_id: int) -> Cluster | None:
    return session.get(Cluster, cluster_id)


_CLUSTER_STATE = (
    Cluster.id,
    Cluster.size,
    Cluster.centroid,
    Cluster.first_published,
    Cluster.last_published,
    Cluster.merged_into,
    Cluster.storyline_id,
)


def cluster_states(session: Session, ids: Iterable[int]) -> dict[int, tuple]:
    """id -> (id, size, centroid, first_published, last_published, merged_into,
    storyline_id)."""
    return _rows_by_key(session, Cluster.id, _CLUSTER_STATE, ids)


def cluster_storylines(session: Session, ids: Iterable[int]) -> dict[int, int | None]:
    """cluster id -> its storyline id."""
    return _lookup(session, Cluster.id, Cluster.storyline_id, ids)


def merge_storylines(session: Session, absorbed: int, survivor: int) -> None:
    """Every cluster of ``absorbed`` goes to ``survivor``; its id resolves there."""
    session.execute(
        update(Cluster).where(Cluster.storyline_id == absorbed).values(storyline_id=survivor)
    )
    session.execute(
        update(Storyline)
        .where((Storyline.id == absorbed) | (Storyline.merged_into == absorbed))
        .values(merged_into=survivor)
    )


def update_clusters(session: Session, rows: Sequence[tuple[int, dict]]) -> None:
    """Each (cluster id, values): one statement over all rows (the driver's executemany;
    pipelined on PostgreSQL)."""
    params = [{**values, "cluster_id": cluster_id} for cluster_id, values in rows]
    session.connection().execute(_UPDATE_CLUSTER, params)


def member_rows(
    session: Session, cluster_id: int
) -> list[tuple[int, datetime | None, int | None, str]]:
    """(pk, placed_at, duplicate_of_pk, lang) of every member, oldest first."""
    statement = (
        select(Article.pk, Article.placed_at, Article.duplicate_of_pk, Article.lang)
        .where(Article.cluster_id == cluster_id)
        .order_by(Article.pk)
    )
    return [(pk, at, dup, lang) for pk, at, dup, lang in session.connection().execute(statement)]


def move_members(session: Session, from_cluster: int, to_cluster: int) -> None:
    _mark_regrouping(session)
    session.execute(
        update(Article).where(Article.cluster_id == from_cluster).values(cluster_id=to_cluster)
    )


def move_articles(session: Session, pks: Iterable[int], to_cluster: int) -> None:
    _mark_regrouping(session)
    for chunk in _chunks(sorted(set(pks))):
        session.execute(update(Article).where(Article.pk.in_(chunk)).values(cluster_id=to_cluster))


def _mark_regrouping(session: Session) -> None:
    """Articles change clusters in this transaction (under the ingest lock): other
    writers' caches read the clusters it changed instead of following their joins
    (``regrouped_in``)."""
    session.execute(
        update(IngestLock).where(IngestLock.id == 1).values(regrouped_in=IngestLock.generation)
    )


# What a cluster page shows of a member: reading whole rows (text, term weights,
# signatures) to answer ids and titles read megabytes for a page of bytes.
_MEMBER_LISTING = (
    Article.pk,
    Article.id,
    Article.title,
    Article.url,
    Article.source,
    Article.published_at,
    Article.placed_at,
    Article.duplicate_of_pk,
)
_CLUSTER_SUMMARY = (
    Cluster.id,
    Cluster.storyline_id,
    Cluster.size,
    Cluster.first_published,
    Cluster.last_published,
    Cluster.created_at,
    Cluster.updated_at,
)


def cluster_summary(session: Session, cluster_id: int) -> Row | None:
    """A cluster's listing columns (not its centroid)."""
    return session.execute(select(*_CLUSTER_SUMMARY).where(Cluster.id == cluster_id)).first()


def cluster_members(
    session: Session, cluster_id: int, after_pk: int | None, limit: int
) -> list[Row]:
    """Members in pk order, listing columns only."""
    statement = select(*_MEMBER_LISTING).where(Article.cluster_id == cluster_id)
    if after_pk is not None:
        statement = statement.where(Article.pk > after_pk)
    statement = statement.order_by(Article.pk).limit(limit)
    return list(session.execute(statement))


def first_member(session: Session, cluster_id: int) -> Row | None:
    members = cluster_members(session, cluster_id, None, 1)
    return members[0] if members else None


def label_members(session: Session, cluster_ids: Sequence[int], per_cluster: int) -> list[Row]:
    """The first ``per_cluster`` members of each cluster (pk order), with what a label
    weighs: (cluster_id, pk, id, title, lang, story_terms)."""
    ranked = (
        select(
            Article.cluster_id,
            Article.pk,
            Article.id,
            Article.title,
            Article.lang,
            Article.story_terms,
            func.row_number()
            .over(partition_by=Article.cluster_id, order_by=Article.pk)
            .label("rank"),
        )
        .where(Article.cluster_id.in_(cluster_ids))
        .subquery()
    )
    statement = select(*[c for c in ranked.c if c.name != "rank"]).where(
        ranked.c.rank <= per_cluster
    )
    return list(session.execute(statement.order_by(ranked.c.cluster_id, ranked.c.rank)))


def text_openings(session: Session, pks: Iterable[int], chars: int) -> dict[int, str]:
    """The first ``chars`` characters of each article's text."""
    return _lookup(session, Article.pk, func.substr(Article.text, 1, chars), pks)


def cluster_languages(session: Session, cluster_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Members per language, per cluster."""
    statement = (
        select(Article.cluster_id, Article.lang, func.count())
        .where(Article.cluster_id.in_(cluster_ids))
        .group_by(Article.cluster_id, Article.lang)
    )
    found: dict[int, dict[str, int]] = {}
    for cluster_id, lang, count in session.execute(statement):
        found.setdefault(cluster_id, {})[lang] = count
    return found


def cluster_sources(session: Session, cluster_ids: Sequence[int]) -> dict[int, int]:
    """Distinct ``source`` values among each cluster's members."""
    statement = (
        select(Article.cluster_id, func.count(Article.source.distinct()))
        .where(Article.cluster_id.in_(cluster_ids))
        .group_by(Article.cluster_id)
    )
    return {cluster_id: count for cluster_id, count in session.execute(statement)}


def member_time_span(session: Session, cluster_id: int) -> tuple[datetime | None, datetime | None]:
    row = session.execute(
        select(func.min(Article.placed_at), func.max(Article.placed_at)).where(
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
) -> list[Row]:
    statement = select(*_CLUSTER_SUMMARY).where(
        Cluster.merged_into.is_(None), Cluster.size >= max(1, min_size)
    )
    if updated_since is not None:
        statement = statement.where(Cluster.updated_at >= updated_since)
    if after_id is not None:
        statement = statement.where(Cluster.id > after_id)
    return list(session.execute(statement.order_by(Cluster.id).limit(limit)))


# -- term statistics -------------------------------------------------------------------


_DF_BY_ARRAY = {
    # One bound parameter for thousands of terms: no IN-list to expand and compile. On
    # PostgreSQL one index lookup per term, as a scalar subquery the planner cannot
    # turn into a join: "= ANY(array)" tests every element against every row of the
    # language (300 ms per article at 10k terms), and while a filling table's
    # statistics lag (a bulk load into a new database) a join is planned as a hash
    # join over the whole language (6 ms for 400 terms at 12k rows, against 1.5 ms).
    "postgresql": text(
        "SELECT t.term, (SELECT s.df FROM term_stats s WHERE s.lang = :lang"
        " AND s.term = t.term) AS df FROM unnest(CAST(:terms AS text[])) AS t(term)"
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
    return {str(term): df for term, df in rows.all() if isinstance(df, int)}  # None: unseen


def vocabulary_size(session: Session, lang: str) -> int:
    return session.execute(select(func.count()).where(TermStat.lang == lang)).scalar_one()


def document_frequencies_of_language(session: Session, lang: str) -> dict[str, int]:
    """Every term counted for the language, with its document frequency."""
    statement = select(TermStat.term, TermStat.df).where(TermStat.lang == lang)
    return {term: df for term, df in session.execute(statement)}


def language_docs(session: Session, lang: str) -> int:
    docs = session.execute(select(LangStat.docs).where(LangStat.lang == lang)).scalar_one_or_none()
    return docs or 0


def add_term_counts(session: Session, lang: str, terms: Mapping[str, int], docs: int) -> None:
    """Add each term's delta to its document frequency and ``docs`` to the language's
    article count; rows counted down to zero go (as if never counted)."""
    connection = session.connection()
    names = sorted(terms)
    deltas = [terms[name] for name in names]
    if session.get_bind().dialect.name == "postgresql":
        statement = _ADD_COUNTS_PG.get((bool(names), bool(docs)))
        if statement is not None:
            params = {"lang": lang, "terms": names, "deltas": _int_array(deltas), "docs": docs}
            connection.execute(statement, params)
    else:
        _add_counts_sqlite(session, lang, names, deltas, docs)
    if any(delta < 0 for delta in deltas) or docs < 0:
        params = {"lang": lang, "terms": _array(session, names)}
        connection.execute(_by_dialect(session, _DROP_UNUSED_TERMS), params)
        connection.execute(delete(LangStat).where(LangStat.lang == lang, LangStat.docs <= 0))


def _add_counts_sqlite(
    session: Session, lang: str, names: list[str], deltas: list[int], docs: int
) -> None:
    if names:
        rows = [(lang, name, delta) for name, delta in zip(names, deltas, strict=True)]
        _execute_many(session, _ADD_TERMS_SQLITE, rows)
    if docs:
        statement = sqlite.insert(LangStat).values(lang=lang, docs=docs)
        statement = statement.on_conflict_do_update(
            index_elements=[LangStat.lang], set_={"docs": LangStat.docs + statement.excluded.docs}
        )
        session.connection().execute(statement)


# -- boilerplate -----------------------------------------------------------------------


def source_line_counts(session: Session, source: str, hashes: Iterable[int]) -> dict[int, int]:
    condition = SourceLine.source == source
    return _lookup(session, SourceLine.line_hash, SourceLine.articles, hashes, condition)


def bump_source_lines(session: Session, source: str, hashes: Iterable[int], delta: int) -> None:
    """Count (or, with delta -1, uncount) one article of the source carrying each line."""
    params = {"source": source, "delta": delta, "hashes": _array(session, sorted(set(hashes)))}
    session.connection().execute(_by_dialect(session, _BUMP_LINES), params)
    if delta < 0:
        session.connection().execute(_by_dialect(session, _DROP_UNUSED_LINES), params)


# -- invariants (story-clusters check) -------------------------------------------------


def postings_of(session: Session, pks: Sequence[int]) -> dict[int, set[tuple[int, int]]]:
    """pk -> its (index, band key) postings."""
    found: dict[int, set[tuple[int, int]]] = {pk: set() for pk in pks}
    columns = (LshPosting.article_pk, LshPosting.lsh_index, LshPosting.band_key)
    for chunk in _chunks(sorted(pks)):
        statement = select(*columns).where(LshPosting.article_pk.in_(chunk))
        for pk, index, key in session.execute(statement):
            found[pk].add((index, key))
    return found


def orphan_postings(session: Session) -> int:
    """Postings whose article does not exist."""
    statement = (
        select(func.count())
        .select_from(LshPosting)
        .outerjoin(Article, Article.pk == LshPosting.article_pk)
        .where(Article.pk.is_(None))
    )
    return session.execute(statement).scalar_one()


def cluster_size_mismatches(session: Session) -> list[tuple[int, int, int]]:
    """(cluster id, stored size, members) where they differ; a merged cluster must
    have size 0 and no members."""
    members = func.count(Article.pk)
    statement = (
        select(Cluster.id, Cluster.size, members)
        .outerjoin(Article, Article.cluster_id == Cluster.id)
        .group_by(Cluster.id, Cluster.size)
        .having(Cluster.size != members)
        .order_by(Cluster.id)
    )
    return [(cid, size, count) for cid, size, count in session.execute(statement)]


def articles_outside_live_clusters(session: Session) -> list[tuple[str, int]]:
    """(article id, cluster id) of articles whose cluster is missing or merged away."""
    statement = (
        select(Article.id, Article.cluster_id)
        .outerjoin(Cluster, Cluster.id == Article.cluster_id)
        .where((Cluster.id.is_(None)) | (Cluster.merged_into.is_not(None)))
        .order_by(Article.pk)
    )
    return [(article_id, cid) for article_id, cid in session.execute(statement)]


def clusters_outside_live_storylines(session: Session) -> list[tuple[int, int | None]]:
    """(cluster id, storyline id) of live clusters whose storyline is missing or merged."""
    statement = (
        select(Cluster.id, Cluster.storyline_id)
        .outerjoin(Storyline, Storyline.id == Cluster.storyline_id)
        .where(*_LIVE_CLUSTER, (Storyline.id.is_(None)) | (Storyline.merged_into.is_not(None)))
        .order_by(Cluster.id)
    )
    return [(cid, storyline) for cid, storyline in session.execute(statement)]


def all_term_stats(session: Session) -> dict[tuple[str, str], int]:
    statement = select(TermStat.lang, TermStat.term, TermStat.df)
    return {(lang, term): df for lang, term, df in session.execute(statement)}


def all_lang_stats(session: Session) -> dict[str, int]:
    return dict(session.execute(select(LangStat.lang, LangStat.docs)).all())


def all_source_lines(session: Session) -> dict[tuple[str, int], int]:
    statement = select(SourceLine.source, SourceLine.line_hash, SourceLine.articles)
    return {(source, line): count for source, line, count in session.execute(statement)}


# -- readiness -------------------------------------------------------------------------


def ping(session: Session) -> None:
    session.execute(select(1))


# -- candidate loading (narrow rows: the probe path must stay cheap) --------------------


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
    columns = (Article.dup_signature, Article.story_signature)
    return article_batches(session, columns, batch_size)


def article_batches(session: Session, columns: Sequence, batch_size: int = 500) -> Iterator[list]:
    """(pk, *columns) of every article, in pk order, in batches (never all at once)."""
    after = 0
    while True:
        statement = (
            select(Article.pk, *columns)
            .where(Article.pk > after)
            .order_by(Article.pk)
            .limit(batch_size)
        )
        batch: list[tuple[Any, ...]] = [tuple(row) for row in session.execute(statement)]
        if not batch:
            return
        yield batch
        after = batch[-1][0]
