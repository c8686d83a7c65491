"""An article's footprint: everything it adds to the database, and its exact removal.

The article row, its postings in both LSH indexes, the term and language statistics,
the source-line counts, and its share of its cluster (centroid, size, time span) are
written here and only here (the new rows are sent with the transaction's others:
``pending``), and `remove` takes back exactly what `add` wrote, so ingest-then-delete
(or PUT with new content) leaves the statistics as if the old version had never been
there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.clustering.config import ClusteringConfig
from app.clustering.score import add_to_centroid, truncate
from app.lsh.signatures import SCHEME, to_bytes
from app.services import pending
from app.services.analysis import Analysis, ArticleIn, source_key
from app.services.index_cache import ClusterState, IndexCache
from app.services.planning import Plan
from app.store import repo
from app.store.models import DUP_INDEX, STORY_INDEX, Article
from app.text.boilerplate import line_fingerprint
from app.text.normalise import split_lines


def add(
    session: Session,
    cache: IndexCache,
    analysis: Analysis,
    cluster: ClusterState | None,
    decided,
    storyline_id: int | None,
    config: ClusteringConfig,
    now: datetime,
) -> tuple[int, ClusterState]:
    """Write the article into ``cluster`` (already chosen; None: a new one, in
    ``storyline_id``, or in a storyline of its own when that is None too); returns its
    pk and its cluster."""
    prepared, given = analysis.prepared, analysis.prepared.article
    terms = analysis.features.story_terms
    keys = {DUP_INDEX: analysis.dup_keys, STORY_INDEX: analysis.story_keys}
    if cluster is None:
        cluster = pending.new_cluster(session, cache, storyline_id, now)
        # its first member joins an empty cluster, as another writer's cache that follows
        # this write computes it (IndexCache._followed_joins)
        cluster.join(terms, given.placed_at, config.centroid_terms)
    else:
        join_cluster(cache, cluster, terms, given.placed_at, config, now)
    values = {**_article_row(analysis, decided, config, now), "cluster_id": cluster.id}
    pk = pending.new_article(session, cache, values, keys)
    cache.recent.add(pk, keys)
    cache.wrote(pk, prepared.article_id, values["dup_signature"])
    count_in(cache, prepared.lang, terms, decided)  # written with the transaction's others
    if prepared.source_key:
        repo.bump_source_lines(session, prepared.source_key, analysis.line_hashes, +1)
    cache.refs.put(pk, cluster.id, decided.duplicate_of_pk, given.placed_at)
    cache.terms[pk] = terms
    return pk, cluster


def count_in(cache: IndexCache, lang: str, terms: dict[str, float], decided: Plan) -> None:
    """The article's terms counted in, by the ids its plan looked up (unless the
    language's term table was replaced since: then looked up again)."""
    table = cache.table(lang)
    if decided.terms is not None and decided.terms[0] is table:
        _, (ids, _) = decided.terms
        table.count_in(ids)
    else:
        table.count_in(table.ids_of(terms))


def _article_row(analysis: Analysis, decided, config: ClusteringConfig, now: datetime) -> dict:
    """The article's row, but for its cluster."""
    prepared, given = analysis.prepared, analysis.prepared.article
    return {
        "id": prepared.article_id,
        "title": prepared.title,
        "text": prepared.body,
        "url": given.url,
        "source": given.source,
        "lang": prepared.lang,
        "published_at": given.published_at,
        "placed_at": given.placed_at,
        "ingested_at": now,
        "content_hash": prepared.content_hash,
        "duplicate_of_pk": decided.duplicate_of_pk,
        "near_duplicates": [[d.pk, d.similarity] for d in decided.near_duplicates[:20]],
        "boilerplate_lines": analysis.dropped_lines,
        "story_terms": analysis.features.story_terms,
        "dup_signature": to_bytes(analysis.dup_signature),
        "story_signature": to_bytes(analysis.story_signature),
        "signature_scheme": SCHEME,
        "signature_seed": config.minhash_seed,
        "story_score": decided.best_score,
    }


def remove(
    session: Session, cache: IndexCache, article: Article, config: ClusteringConfig, now
) -> None:
    """Take back everything ``add`` wrote for the article, and the row itself. Its copies
    re-group around the earliest of them. Removal reaches rows the cache does not
    track (copies, spans), so the cache starts again from the database."""
    write_rows(session, cache)  # rows and postings are read and removed below
    repo.bucket_store(session).remove(article.pk)
    repo.add_term_counts(session, article.lang, dict.fromkeys(article.story_terms, -1), -1)
    key, lines = stored_source_lines(article.url, article.source, article.text)
    if key:
        repo.bump_source_lines(session, key, lines, -1)
    _rehome_copies(session, article)
    cluster_id = article.cluster_id
    repo.delete_article_row(session, article)
    cluster = ClusterState(*repo.cluster_states(session, [cluster_id])[cluster_id])
    centroid = add_to_centroid(cluster.centroid, article.story_terms, sign=-1.0)
    cluster.centroid = truncate(centroid, config.centroid_terms)
    cluster.size -= 1
    cluster.first_published, cluster.last_published = repo.member_time_span(session, cluster_id)
    save_cluster(cache, cluster, now)
    cache.clear()


def stored_source_lines(
    url: str | None, source: str | None, text: str
) -> tuple[str | None, set[int]]:
    """The source key and line fingerprints a stored article counted in: what ``add``
    counted from its analysis, recomputed from the row."""
    key = source_key(ArticleIn(url=url, source=source))
    if key is None:
        return None, set()
    return key, {line_fingerprint(line) for line in split_lines(text)}


def write_pending(session: Session, cache: IndexCache) -> None:
    """The transaction's new rows with their postings, the rows of the clusters it
    changed, and the term and language counts of its articles, before it commits."""
    write_rows(session, cache)
    for lang, terms, docs in cache.pending_counts():
        repo.add_term_counts(session, lang, terms, docs)


def write_rows(session: Session, cache: IndexCache) -> None:
    """The transaction's new rows with their postings, then the rows of the stored
    clusters it changed (in that order: sending the new clusters takes them out of the
    unsaved ones)."""
    pending.file_rows(session, cache)
    unsaved = cache.take_unsaved()
    if unsaved:
        rows = [(c.id, pending.cluster_values(c, at)) for c, at in unsaved]
        repo.update_clusters(session, rows)


def join_cluster(
    cache: IndexCache,
    cluster: ClusterState,
    terms: dict[str, float],
    published: datetime | None,
    config: ClusteringConfig,
    now: datetime,
) -> None:
    """One more member in the cluster: centroid, size, span (cached; the row is written
    with the transaction's other changes)."""
    cluster.join(terms, published, config.centroid_terms)
    save_cluster(cache, cluster, now)


def save_cluster(cache: IndexCache, cluster: ClusterState, now: datetime) -> None:
    """The cluster's new state; its row is written before the transaction commits
    (``write_pending``)."""
    cache.changed_cluster(cluster, now)


def _rehome_copies(session: Session, article: Article) -> None:
    """Copies of a deleted article form their group around its earliest copy."""
    copies = repo.copies_of(session, article.pk)
    if not copies:
        return
    new_root = copies[0]
    new_root.duplicate_of_pk = article.duplicate_of_pk
    for copy in copies[1:]:
        copy.duplicate_of_pk = article.duplicate_of_pk or new_root.pk
    session.flush()
