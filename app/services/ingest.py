"""Ingest, replace and delete: each one transaction under the ingest lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.clustering.config import ClusteringConfig
from app.clustering.score import add_to_centroid, truncate
from app.errors import Conflict, NotFound
from app.lsh.signatures import SCHEME, to_bytes
from app.services import layout, repair
from app.services.analysis import Analysis, ArticleIn, analyse, prepare
from app.services.planning import Plan, plan
from app.store import repo
from app.store.models import DUP_INDEX, STORY_INDEX, Article, Cluster


@dataclass
class IngestResult:
    id: str
    cluster_id: int
    duplicate_of: str | None
    near_duplicates: list[dict]
    lang: str
    created: bool
    # for evaluation: the article pks the story probe returned
    story_candidates: set[int] = field(default_factory=set)
    pk: int | None = None


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ingest(
    session: Session, article: ArticleIn, config: ClusteringConfig, max_text_chars: int
) -> IngestResult:
    prepared = prepare(article, max_text_chars)
    with repo.writer_turn(session), session.begin():
        analysis = analyse(session, prepared, config)  # reads only; outside the lock
        repo.acquire_ingest_lock(session)
        existing = repo.article_by_id(session, prepared.article_id)
        if existing is not None:
            if existing.content_hash != prepared.content_hash:
                raise Conflict(f"article {prepared.article_id!r} exists with other content")
            return describe(session, existing, created=False)
        return _index(session, analysis, config)


def replace(
    session: Session, article: ArticleIn, config: ClusteringConfig, max_text_chars: int
) -> IngestResult:
    """Re-index an article under its id with new content: all or nothing."""
    prepared = prepare(article, max_text_chars)
    with repo.writer_turn(session), session.begin():
        repo.acquire_ingest_lock(session)
        existing = repo.article_by_id(session, prepared.article_id)
        if existing is not None and existing.content_hash == prepared.content_hash:
            return describe(session, existing, created=False)
        if existing is not None:
            _unindex(session, existing, config)
        analysis = analyse(session, prepared, config)
        return _index(session, analysis, config)


def delete(session: Session, article_id: str, config: ClusteringConfig) -> None:
    with repo.writer_turn(session), session.begin():
        repo.acquire_ingest_lock(session)
        existing = repo.article_by_id(session, article_id)
        if existing is None:
            raise NotFound(f"no article {article_id!r}")
        _unindex(session, existing, config)


def reindex(session: Session, config: ClusteringConfig) -> int:
    """Rebuild the band keys of every article for the configured LSH parameters."""
    with repo.writer_turn(session), session.begin():
        repo.acquire_ingest_lock(session)
        return layout.rebuild(session, config, utcnow())


def describe(session: Session, article: Article, created: bool) -> IngestResult:
    pks = [pk for pk, _ in article.near_duplicates]
    if article.duplicate_of_pk is not None:
        pks.append(article.duplicate_of_pk)
    ids = repo.ids_by_pks(session, pks)
    return IngestResult(
        id=article.id,
        cluster_id=article.cluster_id,
        duplicate_of=ids.get(article.duplicate_of_pk) if article.duplicate_of_pk else None,
        near_duplicates=[
            {"id": ids[pk], "similarity": round(sim, 4)}
            for pk, sim in article.near_duplicates
            if pk in ids
        ],
        lang=article.lang,
        created=created,
        pk=article.pk,
    )


def _index(session: Session, analysis: Analysis, config: ClusteringConfig) -> IngestResult:
    layout.ensure(session, config, utcnow())
    decided = plan(session, analysis, config)
    cluster = _assign_cluster(session, analysis, decided, config)
    prepared, source = analysis.prepared, analysis.prepared.article
    row = repo.add_article(
        session,
        Article(
            id=prepared.article_id,
            title=prepared.title,
            text=prepared.body,
            url=source.url,
            source=source.source,
            lang=prepared.lang,
            published_at=source.published_at,
            ingested_at=utcnow(),
            content_hash=prepared.content_hash,
            cluster_id=cluster.id,
            duplicate_of_pk=decided.duplicate_of_pk,
            near_duplicates=[[d.pk, d.similarity] for d in decided.near_duplicates[:20]],
            boilerplate_lines=analysis.dropped_lines,
            story_terms=analysis.features.story_terms,
            dup_signature=to_bytes(analysis.dup_signature),
            story_signature=to_bytes(analysis.story_signature),
            signature_scheme=SCHEME,
            signature_seed=config.minhash_seed,
            story_score=decided.best_score,
        ),
    )
    store = repo.SqlBucketStore(session)
    store.add(DUP_INDEX, row.pk, analysis.dup_keys)
    store.add(STORY_INDEX, row.pk, analysis.story_keys)
    repo.bump_term_stats(session, prepared.lang, analysis.features.story_terms, +1)
    if prepared.source_key:
        repo.bump_source_lines(session, prepared.source_key, analysis.line_hashes)
    if decided.cluster_id is not None:  # a join can leave two stories in one cluster
        repair.split_if_two_stories(session, cluster, prepared.lang, config, utcnow())
    result = describe(session, row, created=True)
    result.story_candidates = decided.story_candidates
    return result


def _assign_cluster(
    session: Session, analysis: Analysis, decided: Plan, config: ClusteringConfig
) -> Cluster:
    now = utcnow()
    if decided.cluster_id is None:
        cluster = repo.add_cluster(
            session,
            Cluster(
                size=0, centroid={}, lang=analysis.prepared.lang, created_at=now, updated_at=now
            ),
        )
    else:
        cluster = repo.get_cluster(session, decided.cluster_id)
        for absorbed_id in decided.merge:
            cluster = _merge(session, cluster, repo.get_cluster(session, absorbed_id), config)
    _add_member(
        cluster, analysis.features.story_terms, analysis.prepared.article.published_at, config
    )
    cluster.updated_at = now
    return cluster


def _merge(session: Session, a: Cluster, b: Cluster, config: ClusteringConfig) -> Cluster:
    """The larger cluster survives; the other's id resolves to it from now on."""
    survivor, absorbed = (a, b) if (a.size, -a.id) >= (b.size, -b.id) else (b, a)
    repo.move_members(session, absorbed.id, survivor.id)
    centroid = dict(survivor.centroid)
    for term, value in absorbed.centroid.items():
        centroid[term] = centroid.get(term, 0.0) + value
    survivor.centroid = truncate(centroid, config.centroid_terms)
    survivor.size += absorbed.size
    survivor.first_published = _earliest(survivor.first_published, absorbed.first_published)
    survivor.last_published = _latest(survivor.last_published, absorbed.last_published)
    survivor.updated_at = utcnow()
    absorbed.merged_into, absorbed.size, absorbed.centroid = survivor.id, 0, {}
    session.flush()
    return survivor


def _add_member(cluster: Cluster, terms: dict, published: datetime | None, config) -> None:
    cluster.centroid = truncate(add_to_centroid(cluster.centroid, terms), config.centroid_terms)
    cluster.size += 1
    cluster.first_published = _earliest(cluster.first_published, published)
    cluster.last_published = _latest(cluster.last_published, published)


def _unindex(session: Session, article: Article, config: ClusteringConfig) -> None:
    repo.SqlBucketStore(session).remove(article.pk)
    repo.bump_term_stats(session, article.lang, article.story_terms, -1)
    cluster = repo.get_cluster(session, article.cluster_id)
    cluster.centroid = truncate(
        add_to_centroid(cluster.centroid, article.story_terms, sign=-1.0), config.centroid_terms
    )
    cluster.size -= 1
    cluster.updated_at = utcnow()
    _rehome_copies(session, article)
    repo.delete_article_row(session, article)
    cluster.first_published, cluster.last_published = repo.member_time_span(session, cluster.id)


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


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None
