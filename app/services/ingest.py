"""Ingest, replace and delete, in stages.

1. prepare: validate, extract, normalise, detect the language (pure CPU);
2. analyse: features, signatures, band keys (pure CPU, no lock, no transaction; in
   worker processes, with an early probe, for the service and for bulk ingest);
3. under the ingest lock, in one transaction: drop the source's boilerplate lines,
   probe, decide, and write the article's footprint (and repair its cluster).

A batch of analysed articles can share one transaction: each article is decided after
the previous one is written, so the answers are those of one-at-a-time. Bulk ingest
writes its batches so; the request threads of one process do too (group commit): the
thread that gets the writer turn writes every article queued behind it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Row
from sqlalchemy.orm import Session

from app.clustering.config import ClusteringConfig
from app.clustering.score import truncate
from app.db import PerEngine
from app.errors import AppError, Conflict, NotFound
from app.services import footprint, layout, pending, repair
from app.services.analysis import Analysis, ArticleIn, drop_boilerplate
from app.services.analysis_pool import IN_THREAD, Analyser
from app.services.index_cache import (
    MAX_CATCH_UP,
    ClusterState,
    ForeignWrites,
    IndexCache,
    cache_for,
    earliest,
    latest,
)
from app.services.planning import Plan, article_ids, cluster_states, plan
from app.store import repo
from app.store.models import Article


@dataclass(frozen=True)
class NearDuplicateRef:
    id: str
    similarity: float


@dataclass
class IngestResult:
    id: str
    cluster_id: int
    duplicate_of: str | None
    near_duplicates: list[NearDuplicateRef]
    lang: str
    created: bool


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def locked(session: Session, articles: int = 1) -> Iterator[IndexCache]:
    """One writing transaction under the ingest lock, with the process's index cache,
    valid for this transaction (dropped if another writer came in between, or if this
    transaction does not commit); ``articles``: how many it may write (ids for that many
    are reserved at once)."""
    cache = cache_for(repo.engine_of(session))
    with repo.writer_turn(session):
        try:
            with session.begin():
                generation, *marks = repo.acquire_ingest_lock(session)
                behind = cache.begin(generation)
                if behind is not None:
                    cache.catch_up(foreign_writes(session, cache, generation, behind, *marks))
                if cache.newest_pk is None:
                    cache.newest_pk = repo.newest_article_pk(session)
                cache.unwritten.ids_at_once = articles
                yield cache
                footprint.write_pending(session, cache)
            cache.committed()
        except BaseException:
            cache.abandon()
            raise


def foreign_writes(
    session: Session,
    cache: IndexCache,
    generation: int,
    behind: int,
    removed_in: int,
    regrouped_in: int,
) -> ForeignWrites | None:
    """What other writers committed after our generation ``behind``; their new
    articles' terms and postings only when none removed postings meanwhile (the
    generations that last removed postings and last moved articles between clusters)."""
    # the newest pk we know of, when others only added after it (None: no exact catch-up)
    newest = cache.newest_pk if removed_in <= behind else None
    changes = repo.changed_since(session, behind, MAX_CATCH_UP, newest)
    if changes is None:
        return None
    clusters, refs, inserted = changes
    regrouped = regrouped_in > behind
    foreign = ForeignWrites(generation - behind - 1, clusters, refs, regrouped=regrouped)
    if newest is not None:
        foreign.inserted = inserted
        if cache.recent.complete_above is not None:  # kept only for early probes
            foreign.postings = repo.postings_after(session, newest)
    return foreign


def ingest(
    session: Session,
    article: ArticleIn,
    config: ClusteringConfig,
    max_text_chars: int,
    analyser: Analyser = IN_THREAD,
) -> IngestResult:
    analysis = analyser(article, config, max_text_chars)
    return _write_group_for(repo.engine_of(session)).write(session, analysis, config)


class _Waiting:
    """An analysed article waiting for the writer turn, and what became of it."""

    def __init__(self, analysis: Analysis, config: ClusteringConfig) -> None:
        self.analysis, self.config = analysis, config
        self.done = False
        self.result: IngestResult | None = None
        self.error: BaseException | None = None

    def settle(self, outcome: IngestResult | BaseException) -> None:
        if isinstance(outcome, BaseException):
            self.error = outcome
        else:
            self.result = outcome
        self.done = True


class _WriteGroup:
    """Group commit for the request threads of one process: the thread that gets the
    writer turn writes every article that queued up while the previous turn ran, in
    arrival order, in one transaction (as bulk ingest writes a batch), and each thread
    returns once the transaction that holds its article has committed. Under load this
    takes the lock and commits once per group instead of once per request."""

    MAX_GROUP = 64

    def __init__(self) -> None:
        self.queue: deque[_Waiting] = deque()
        self.guard = threading.Lock()
        self.turn = threading.Lock()

    def write(self, session: Session, analysis: Analysis, config: ClusteringConfig) -> IngestResult:
        mine = _Waiting(analysis, config)
        with self.guard:
            self.queue.append(mine)
        with self.turn:
            if not mine.done:
                self._write_group(session, self._take(mine))
        if mine.error is not None:
            raise mine.error
        assert mine.result is not None  # settled without an error
        return mine.result

    def _take(self, mine: _Waiting) -> list[_Waiting]:
        """The queue's head, up to MAX_GROUP articles of one configuration; ours is in
        it (every queued article is older than this turn, and ours is not done)."""
        with self.guard:
            group: list[_Waiting] = []
            rest: deque[_Waiting] = deque()
            while self.queue:
                item = self.queue.popleft()
                fits = len(group) < self.MAX_GROUP and item.config == mine.config
                (group if fits or item is mine else rest).append(item)
            self.queue = rest
            if mine not in group:  # its group's writer died before writing it
                group.append(mine)
            return group

    def _write_group(self, session: Session, group: list[_Waiting]) -> None:
        outcomes = ingest_batch(session, [item.analysis for item in group], group[0].config)
        for item, outcome in zip(group, outcomes, strict=True):
            item.settle(outcome)


_write_group_for = PerEngine(_WriteGroup)


def ingest_batch(
    session: Session, analyses: Sequence[Analysis], config: ClusteringConfig
) -> list[IngestResult | Exception]:
    """``ingest_analysed``; if the batch's transaction fails as a whole (a database
    error), each article is written alone, so one bad article costs only itself."""
    try:
        return list(ingest_analysed(session, analyses, config))
    except Exception:
        outcomes: list[IngestResult | Exception] = []
        for analysis in analyses:
            try:
                outcomes.append(ingest_analysed(session, [analysis], config)[0])
            except Exception as exc:  # answered per article
                outcomes.append(exc)
        return outcomes


def ingest_analysed(
    session: Session, analyses: Sequence[Analysis], config: ClusteringConfig
) -> list[IngestResult | AppError]:
    """Write already analysed articles in one transaction, in order. An article refused
    (a conflicting id) is answered with its error; any other failure rolls back all."""
    results: list[IngestResult | AppError] = []
    with locked(session, len(analyses)) as cache:
        stored = repo.content_hashes(session, [a.prepared.article_id for a in analyses])
        for analysis in analyses:
            prepared = analysis.prepared
            try:
                results.append(_write(session, cache, analysis, config, stored))
            except Conflict as exc:  # raised before the article wrote anything
                results.append(exc)
            stored.setdefault(prepared.article_id, prepared.content_hash)
    return results


def _write(session, cache, analysis, config, stored: dict[str, str]) -> IngestResult:
    prepared = analysis.prepared
    stored_hash = stored.get(prepared.article_id)
    if stored_hash is None:
        return _index(session, cache, analysis, config)
    if stored_hash != prepared.content_hash:
        raise Conflict(f"article {prepared.article_id!r} exists with other content")
    # stored before this transaction, or earlier in it
    stored_row = repo.article_listing(pending.filed(session, cache), prepared.article_id)
    assert stored_row is not None
    return describe(session, stored_row, created=False)


def replace(
    session: Session,
    article: ArticleIn,
    config: ClusteringConfig,
    max_text_chars: int,
    analyser: Analyser = IN_THREAD,
) -> IngestResult:
    """Re-index an article under its id with new content: all or nothing."""
    analysis = analyser(article, config, max_text_chars)
    with locked(session) as cache:
        existing = repo.article_by_id(session, analysis.prepared.article_id)
        if existing is not None and existing.content_hash == analysis.prepared.content_hash:
            return describe(session, existing, created=False)
        if existing is not None:
            footprint.remove(session, cache, existing, config, utcnow())
        return _index(session, cache, analysis, config)


def delete(session: Session, article_id: str, config: ClusteringConfig) -> None:
    with locked(session) as cache:
        existing = repo.article_by_id(session, article_id)
        if existing is None:
            raise NotFound(f"no article {article_id!r}")
        footprint.remove(session, cache, existing, config, utcnow())


def reindex(session: Session, config: ClusteringConfig) -> int:
    """Rebuild the band keys of every article for the configured LSH parameters."""
    with locked(session) as cache:
        cache.clear()
        return layout.rebuild(session, config, utcnow())


def describe(session: Session, article: Article | Row, created: bool) -> IngestResult:
    return _result(
        lambda pks: repo.ids_by_pks(session, pks),
        article.id,
        article.cluster_id,
        article.duplicate_of_pk,
        [(pk, sim) for pk, sim in article.near_duplicates],
        article.lang,
        created,
    )


def _result(
    ids_of: Callable[[list[int]], dict[int, str]],
    article_id,
    cluster_id,
    duplicate_of_pk,
    near,
    lang,
    created,
) -> IngestResult:
    """The answer for one article; ``ids_of`` gives the ids of the copies it names."""
    pks = [p for p, _ in near] + ([duplicate_of_pk] if duplicate_of_pk is not None else [])
    ids = ids_of(pks) if pks else {}
    return IngestResult(
        id=article_id,
        cluster_id=cluster_id,
        duplicate_of=ids.get(duplicate_of_pk) if duplicate_of_pk else None,
        near_duplicates=[NearDuplicateRef(ids[p], round(sim, 4)) for p, sim in near if p in ids],
        lang=lang,
        created=created,
    )


def _index(
    session: Session, cache: IndexCache, analysis: Analysis, config: ClusteringConfig
) -> IngestResult:
    now = utcnow()
    cache.centroid_terms = config.centroid_terms  # for following others' joins
    if not cache.layout_checked:
        layout.ensure(session, config, now)
        cache.layout_checked = True
    analysis, decided = decide(session, cache, analysis, config)
    joined = _assign_cluster(session, cache, decided, config, now)
    storyline_id = None if joined is not None else _storyline_of_new(session, cache, decided)
    pk, cluster = footprint.add(
        session, cache, analysis, joined, decided, storyline_id, config, now
    )
    cluster_id = cluster.id
    if joined is not None:  # a join can leave two stories in one cluster
        split = repair.split_if_two_stories(
            session, cache, cluster, analysis.prepared.lang, config, now
        )
        if split is not None and pk in split.moved:
            cluster_id = split.new_cluster_id
    near = [(d.pk, d.similarity) for d in decided.near_duplicates[:20]]
    result = _result(
        lambda pks: article_ids(session, cache, pks),
        analysis.prepared.article_id,
        cluster_id,
        decided.duplicate_of_pk,
        near,
        analysis.prepared.lang,
        True,
    )
    return result


def decide(
    session: Session, cache: IndexCache, analysis: Analysis, config: ClusteringConfig
) -> tuple[Analysis, Plan]:
    """Drop the source's boilerplate lines, probe and decide (reads only)."""
    source = analysis.prepared.source_key
    if source:
        seen = repo.source_line_counts(session, source, analysis.line_hashes)
        analysis = drop_boilerplate(analysis, seen, config)
    return analysis, plan(session, cache, analysis, config)


def _storyline_of_new(session, cache, decided: Plan) -> int | None:
    """The storyline a new event continues; None: it starts one of its own."""
    if decided.continues is None:
        return None
    state = cluster_states(session, cache, [decided.continues]).get(decided.continues)
    return state.storyline_id if state is not None else None


def _assign_cluster(
    session: Session, cache: IndexCache, decided: Plan, config: ClusteringConfig, now: datetime
) -> ClusterState | None:
    """The cluster the article joins, with the clusters it links merged into it; None
    for a new cluster. The footprint adds the member."""
    if decided.cluster_id is None:
        return None
    states = cluster_states(session, cache, [decided.cluster_id, *decided.merge])
    cluster = states[decided.cluster_id]
    for absorbed_id in decided.merge:
        cluster = _merge(session, cache, cluster, states[absorbed_id], config, now)
    return cluster


def _merge(
    session: Session,
    cache: IndexCache,
    a: ClusterState,
    b: ClusterState,
    config: ClusteringConfig,
    now: datetime,
) -> ClusterState:
    """The larger cluster survives; the other's id resolves to it from now on."""
    survivor, absorbed = (a, b) if (a.size, -a.id) >= (b.size, -b.id) else (b, a)
    moved = [row[0] for row in repo.member_rows(pending.filed(session, cache), absorbed.id)]
    repo.move_members(session, absorbed.id, survivor.id)
    cache.moved(moved, survivor.id)
    centroid = dict(survivor.centroid)
    for term, value in absorbed.centroid.items():
        centroid[term] = centroid.get(term, 0.0) + value
    survivor.centroid = truncate(centroid, config.centroid_terms)
    survivor.size += absorbed.size
    survivor.first_published = earliest(survivor.first_published, absorbed.first_published)
    survivor.last_published = latest(survivor.last_published, absorbed.last_published)
    survivor.changed()
    _merge_storylines(session, cache, absorbed, survivor)
    absorbed.merged_into, absorbed.size, absorbed.centroid = survivor.id, 0, {}
    absorbed.changed()
    footprint.save_cluster(cache, absorbed, now)
    footprint.save_cluster(cache, survivor, now)
    return survivor


def _merge_storylines(
    session: Session, cache: IndexCache, absorbed: ClusterState, survivor: ClusterState
) -> None:
    """Two events found to be one: their storylines are one too (the survivor's)."""
    gone, kept = absorbed.storyline_id, survivor.storyline_id
    if gone is None or kept is None or gone == kept:
        return
    repo.merge_storylines(pending.filed(session, cache), gone, kept)
    for state in cache.clusters.values():  # cached clusters of the absorbed storyline
        if state.storyline_id == gone:
            state.storyline_id = kept
