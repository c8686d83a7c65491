"""Read paths: articles, clusters, match (never writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row
from sqlalchemy.orm import Session

from app.clustering.config import ClusteringConfig
from app.clustering.label import Label
from app.errors import NotFound
from app.services import layout
from app.services.analysis import ArticleIn, analyse, prepare
from app.services.index_cache import IndexCache
from app.services.ingest import IngestResult, NearDuplicateRef, decide, describe
from app.services.labels import labels_of, storyline_labels
from app.store import repo


@dataclass
class ArticleView:
    result: IngestResult
    article: Row  # repo's article listing columns
    copies: list[str]


@dataclass
class ClusterView:
    cluster: Row  # repo's cluster summary columns
    label: Label | None
    requested_id: int
    representative: Row | None  # repo's member listing columns
    members: list[Row]
    next_cursor: int | None
    ids_of_roots: dict[int, str]  # the copy-group roots of members, by pk


def _page(rows: list[Row], limit: int) -> tuple[list[Row], bool]:
    """A page of ``limit`` rows read as ``limit + 1``, and whether more follow."""
    return rows[:limit], len(rows) > limit


def get_article(session: Session, article_id: str) -> ArticleView:
    with session.begin():
        article = repo.article_listing(session, article_id)
        if article is None:
            raise NotFound(f"no article {article_id!r}")
        copies = repo.copy_ids(session, article.pk)
        return ArticleView(describe(session, article, created=False), article, copies)


def get_cluster(
    session: Session, cluster_id: int, after_pk: int | None, limit: int, config: ClusteringConfig
) -> ClusterView:
    with session.begin():
        resolved = repo.resolve_cluster_id(session, cluster_id)
        cluster = repo.cluster_summary(session, resolved) if resolved is not None else None
        if cluster is None or cluster.size <= 0:
            raise NotFound(f"no cluster {cluster_id}")
        members = repo.cluster_members(session, cluster.id, after_pk, limit + 1)
        members, more = _page(members, limit)
        # the earliest member: the first page already holds it
        first_page = after_pk is None and members
        representative = members[0] if first_page else repo.first_member(session, cluster.id)
        roots = {m.duplicate_of_pk for m in [*members, representative] if m and m.duplicate_of_pk}
        return ClusterView(
            cluster=cluster,
            label=labels_of(session, [cluster.id], config).get(cluster.id),
            requested_id=cluster_id,
            representative=representative,
            members=members,
            next_cursor=members[-1].pk if more else None,
            ids_of_roots=repo.ids_by_pks(session, roots) if roots else {},
        )


def list_clusters(
    session: Session,
    config: ClusteringConfig,
    *,
    updated_since: datetime | None,
    min_size: int,
    after_id: int | None,
    limit: int,
) -> tuple[list[tuple[Row, Label | None]], int | None]:
    """A page of live clusters with their labels, and the cursor of the next page."""
    with session.begin():
        clusters = repo.list_clusters(
            session,
            updated_since=updated_since,
            min_size=min_size,
            after_id=after_id,
            limit=limit + 1,
        )
        clusters, more = _page(clusters, limit)
        labels = labels_of(session, [c.id for c in clusters], config)
    page = [(cluster, labels.get(cluster.id)) for cluster in clusters]
    return page, (clusters[-1].id if more else None)


@dataclass
class StorylineView:
    storyline: Row  # repo's storyline summary columns
    label: Label | None
    requested_id: int
    events: list[tuple[Row, Label | None]]  # in time order
    next_cursor: int | None  # the offset of the next page of events


def get_storyline(
    session: Session, storyline_id: int, offset: int, limit: int, config: ClusteringConfig
) -> StorylineView:
    with session.begin():
        resolved = repo.resolve_storyline_id(session, storyline_id)
        found = repo.storyline_summaries(session, ids=[resolved]) if resolved else []
        if not found:
            raise NotFound(f"no storyline {storyline_id}")
        storyline = found[0]
        events = repo.storyline_events(session, storyline.id, offset, limit + 1)
        events, more = _page(events, limit)
        labels = labels_of(session, [event.id for event in events], config)
        return StorylineView(
            storyline=storyline,
            label=storyline_labels(session, [storyline.id], config).get(storyline.id),
            requested_id=storyline_id,
            events=[(event, labels.get(event.id)) for event in events],
            next_cursor=offset + limit if more else None,
        )


def list_storylines(
    session: Session,
    config: ClusteringConfig,
    *,
    updated_since: datetime | None,
    after_id: int | None,
    limit: int,
) -> tuple[list[tuple[Row, Label | None]], int | None]:
    """A page of storylines with a live event, with their labels, and the next cursor."""
    with session.begin():
        found = repo.storyline_summaries(
            session, updated_since=updated_since, after_id=after_id, limit=limit + 1
        )
        found, more = _page(found, limit)
        labels = storyline_labels(session, [s.id for s in found], config)
    return [(s, labels.get(s.id)) for s in found], (found[-1].id if more else None)


@dataclass(frozen=True)
class Candidate:
    cluster_id: int
    score: float
    lsh_hits: int


@dataclass
class MatchResult:
    cluster_id: int | None
    duplicate_of: str | None
    near_duplicates: list[NearDuplicateRef]
    candidates: list[Candidate]
    lang: str
    threshold: float
    storyline_id: int | None  # None: it would start a storyline of its own
    storyline_threshold: float


def match(
    session: Session, article: ArticleIn, config: ClusteringConfig, max_text_chars: int
) -> MatchResult:
    """Which cluster the text would join; its transaction is always rolled back."""
    prepared = prepare(article, max_text_chars)
    try:
        layout.check(session, config)
        _, decided = decide(session, IndexCache(), analyse(prepared, config), config)
        ids = repo.ids_by_pks(
            session, [d.pk for d in decided.near_duplicates] + [decided.duplicate_of_pk or 0]
        )
        storyline_id = _storyline_joined(session, decided.cluster_id or decided.continues)
    finally:
        session.rollback()
    result = MatchResult(
        cluster_id=decided.cluster_id,
        duplicate_of=ids.get(decided.duplicate_of_pk) if decided.duplicate_of_pk else None,
        near_duplicates=[
            NearDuplicateRef(ids[d.pk], round(d.similarity, 4))
            for d in decided.near_duplicates
            if d.pk in ids
        ],
        candidates=[Candidate(s.cluster_id, round(s.score, 4), s.lsh_hits) for s in decided.scores],
        lang=prepared.lang,
        threshold=config.join_threshold,
        storyline_id=storyline_id,
        storyline_threshold=config.storyline_threshold(),
    )
    return result


def _storyline_joined(session: Session, cluster_id: int | None) -> int | None:
    """The storyline of the cluster a text would join or continue."""
    if cluster_id is None:
        return None
    return repo.cluster_storylines(session, [cluster_id]).get(cluster_id)
