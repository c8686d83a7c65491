"""Probe the SQL index, verify the candidates, decide copy group and story (no writes)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import NamedTuple

import numpy as np
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.clustering.assign import (
    ClusterCandidate,
    ClusterScore,
    DupCandidate,
    NearDuplicate,
    StoryDecision,
    decide_story,
    near_duplicates,
    score_weighted,
)
from app.clustering.config import ClusteringConfig
from app.clustering.score import Stacked, TermArrays, idf, idf_array
from app.lsh.signatures import from_bytes
from app.services.analysis import Analysis, EarlyProbe
from app.services.index_cache import (
    MAX_VOCABULARY_READ,
    ClusterState,
    IndexCache,
    RecentPostings,
    RefTable,
    TermTable,
    seconds,
)
from app.services.pending import file_postings, filed
from app.store import repo
from app.store.models import DUP_INDEX, STORY_INDEX
from app.text.prior import prior_doc_share


@dataclass
class Plan:
    near_duplicates: list[NearDuplicate]
    duplicate_of_pk: int | None
    cluster_id: int | None  # None: a new cluster
    merge: list[int]
    scores: list[ClusterScore]
    # a new cluster continues this cluster's storyline (None: a storyline of its own)
    continues: int | None = None
    # the article's story terms in the term table it was planned with: (table, term
    # ids, weights), so that counting the article in does not look its terms up again
    terms: tuple[TermTable, TermArrays] | None = None

    @property
    def best_score(self) -> float | None:
        return self.scores[0].score if self.scores else None


def idf_function(session: Session, lang: str, terms: set[str], config: ClusteringConfig):
    """Exact IDF of the given terms, straight from the database (for `explain`)."""
    counted = repo.document_frequencies(session, lang, terms)
    docs = repo.language_docs(session, lang)

    def idf_of(term: str) -> float:
        return idf(counted.get(term, 0), docs, prior_doc_share(lang, term), config.prior_docs)

    weights = {term: idf_of(term) for term in terms}
    return lambda term: weights[term] if term in weights else idf_of(term)


# -- reading through the cache ---------------------------------------------------------


def through_cache(store: dict, keys: Collection, load: Callable[[list], dict]) -> dict:
    """``store``'s entries for ``keys``; those it lacks are loaded in one call (which
    returns what it finds) and kept."""
    found = {key: store[key] for key in keys if key in store}
    missing = [key for key in keys if key not in found]
    if missing:
        loaded = load(missing)
        store.update(loaded)
        found.update(loaded)
    return found


def article_ids(session: Session, cache: IndexCache, pks: list[int]) -> dict[int, str]:
    """pk -> id of those of ``pks`` that exist."""
    return _written_or_read(
        cache, pks, 0, lambda missing: repo.ids_by_pks(filed(session, cache), missing)
    )


def dup_signatures(session: Session, cache: IndexCache, pks: list[int]) -> dict[int, bytes]:
    """pk -> copy signature of those of ``pks`` that exist."""
    return _written_or_read(
        cache, pks, 1, lambda missing: repo.dup_signatures(filed(session, cache), missing)
    )


def _written_or_read(cache: IndexCache, pks: list[int], field: int, read: Callable) -> dict:
    """A field of the articles this process wrote, from the cache; of the others, read
    (never kept: the cache holds our own writes, which no one else changes)."""
    written = cache.written
    found = {pk: written[pk][field] for pk in pks if pk in written}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        found.update(read(missing))
    return found


def load_refs(session: Session, cache: IndexCache, pks: np.ndarray) -> None:
    """Read the refs the cache lacks among ``pks`` (one statement)."""
    refs = cache.refs
    missing = pks[~refs.known_among(pks)]
    if missing.size:
        for pk, row in repo.article_refs(filed(session, cache), missing.tolist()).items():
            refs.put(pk, *row)


def cluster_states(
    session: Session, cache: IndexCache, ids: Collection[int]
) -> dict[int, ClusterState]:
    def load(missing: list[int]) -> dict[int, ClusterState]:
        return {
            cid: ClusterState(*row)
            for cid, row in repo.cluster_states(filed(session, cache), missing).items()
        }

    return through_cache(cache.clusters, ids, load)


def term_arrays(cache: IndexCache, lang: str, vector: Mapping[str, float]) -> TermArrays:
    ids = cache.table(lang).ids_of(vector)
    return ids, np.fromiter(vector.values(), dtype=float, count=len(vector))


def centroid_arrays(cache: IndexCache, lang: str, state: ClusterState) -> TermArrays:
    arrays = state.arrays.get(lang)
    if arrays is None:
        arrays = state.arrays[lang] = term_arrays(cache, lang, state.centroid)
    return arrays


def idf_weighted(
    session: Session,
    cache: IndexCache,
    lang: str,
    vectors: Sequence[TermArrays],
    config: ClusteringConfig,
) -> Stacked:
    """Each vector times the IDF of its terms, stacked; frequencies not yet known are
    read from the database in one statement."""
    stacked = Stacked.of(vectors)
    if not vectors:
        return stacked
    table = cache.table(lang)
    if table.docs is None:  # first: it decides whether the frequencies kept still hold
        table.learn_docs(repo.language_docs(session, lang))
        if not table.vocabulary_read:
            read_vocabulary(session, table)
    assert table.docs is not None  # learn_docs sets it
    ids = stacked.ids
    unknown = table.unknown_terms(ids)
    if unknown:
        table.learn(unknown, repo.document_frequencies(session, lang, unknown))
    weights = stacked.values * idf_array(
        table.df[ids], float(table.docs), table.prior[ids], config.prior_docs
    )
    return Stacked(ids, weights, stacked.lengths)


def read_vocabulary(session: Session, table: TermTable) -> None:
    """The language's whole vocabulary, if small enough to keep: then an article's new
    terms need no query (a query a new article always made: each brings some)."""
    table.vocabulary_read = True
    if repo.vocabulary_size(session, table.lang) <= MAX_VOCABULARY_READ:
        table.learn_vocabulary(repo.document_frequencies_of_language(session, table.lang))


# -- the plan --------------------------------------------------------------------------

# Called with each planned article's id and the article pks its story probe returned;
# the evaluation measures the LSH stage's recall through it (empty in the service).
probe_observers: list[Callable[[str, Collection[int]], None]] = []


class Candidates(NamedTuple):
    """The articles one index's probe returned: their pks in the order the probe first
    read them, and how many of the article's band keys each shares. (Arrays, not a
    Counter: on a busy index a probe reads a thousand pks, and counting them into a
    Counter and back out into arrays cost the writer more than ranking them.)"""

    pks: np.ndarray
    shared: np.ndarray

    @classmethod
    def read(cls, pks: np.ndarray) -> Candidates:
        """From the pks as the probe read them, a pk once for every key it shares."""
        unique, first, shared = np.unique(pks, return_index=True, return_counts=True)
        order = np.argsort(first)
        return cls(unique[order], shared[order])

    def without(self, pk: int | None) -> Candidates:
        if pk is None:
            return self
        keep = self.pks != pk
        return Candidates(self.pks[keep], self.shared[keep])

    def items(self) -> list[tuple[int, int]]:
        return list(zip(self.pks.tolist(), self.shared.tolist(), strict=True))


def cluster_hits(
    analysis: Analysis, story: Candidates, refs: RefTable, config: ClusteringConfig
) -> dict[int, int]:
    """The candidate clusters to score, best first (``candidate_clusters`` of them), with
    the keys shared with their best-matching member (summing would favour big
    clusters); ties in the order each cluster's first candidate came. Candidates dated
    outside the time window, if one is set, do not count."""
    pks, hits = story
    keep = refs.known_among(pks)
    mine = analysis.prepared.article.placed_at
    if config.time_window_days > 0 and mine is not None:
        published = np.full(len(pks), np.nan)
        published[keep] = refs.published[pks[keep]]
        apart = np.abs(published - seconds(mine))
        keep &= np.isnan(published) | (apart <= config.time_window_days * 86400)
    pks, hits = pks[keep], hits[keep]
    if not pks.size:
        return {}
    clusters = refs.cluster[pks]
    order = np.argsort(clusters, kind="stable")  # a cluster's candidates, in arrival order
    grouped = clusters[order]
    starts = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
    best = np.maximum.reduceat(hits[order], starts)
    # most hits first, then first to arrive, as one key (arrival positions are distinct)
    ranked = np.argsort(order[starts] - best * (len(pks) + 1))[: config.candidate_clusters]
    return dict(zip(grouped[starts][ranked].tolist(), best[ranked].tolist(), strict=True))


def probe_pairs(analysis: Analysis) -> list[tuple[int, int]]:
    """(index, band key) of the article's probe, in the order the probe reads them."""
    pairs = [(DUP_INDEX, key) for key in analysis.dup_keys]
    return pairs + [(STORY_INDEX, key) for key in analysis.story_keys]


def probed_early(connection: Connection, analysis: Analysis, bucket_cap: int) -> Analysis:
    """The article with its probe made now, before the writer's turn, on the index as it
    stands (in a bulk worker process), so the writer only completes it with what was
    written since (``completed_probe``) instead of probing on its own critical path.
    (Request threads do not: in the writer's own process the probe's rows cost the
    writer the same interpreter time, and one-worker HTTP ingest measured slower.)"""
    # pks as an array: a list of a thousand ints costs a bulk writer more to unpickle
    found = EarlyProbe(*repo.probe_snapshot(connection, probe_pairs(analysis), bucket_cap))
    return replace(analysis, early_probe=found)


def probe(
    session: Session, cache: IndexCache, analysis: Analysis, config: ClusteringConfig
) -> tuple[Candidates, Candidates]:
    """Candidates in the dup and the story index."""
    early = analysis.early_probe
    if early is not None:
        recent = cache.recent
        if recent.complete_above is None:
            # locked() knows the newest pk, unless a removal in this turn cleared it
            newest = cache.newest_pk
            recent.start(
                repo.newest_article_pk(filed(session, cache)) if newest is None else newest
            )
        if recent.covers(early.snapshot_pk):
            return completed_probe(early, analysis, recent, config.bucket_cap)
    # the postings this transaction wrote are filed first, or the probe would miss them
    file_postings(session, cache)
    pairs = probe_pairs(analysis)
    _, pks, per_key = repo.probe_snapshot(session.connection(), pairs, config.bucket_cap)
    return _by_index(pks, np.asarray(per_key, dtype=np.int64), len(analysis.dup_keys))


def completed_probe(
    early: EarlyProbe, analysis: Analysis, recent: RecentPostings, cap: int
) -> tuple[Candidates, Candidates]:
    """An early probe plus the postings written since its snapshot."""
    newer = [recent.newer(pair, early.snapshot_pk, cap) for pair in probe_pairs(analysis)]
    pks, per_key = _with_newer(early.pks, early.per_key, newer, cap)
    return _by_index(pks, per_key, len(analysis.dup_keys))


def _by_index(pks: np.ndarray, per_key: np.ndarray, dup_keys: int) -> tuple[Candidates, Candidates]:
    """The rows of a probe (dup keys first) as each index's candidates."""
    dup_read = int(per_key[:dup_keys].sum())
    return Candidates.read(pks[:dup_read]), Candidates.read(pks[dup_read:])


def _with_newer(
    pks: np.ndarray, per_key: list[int], newer: list[list[int]], cap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per key, the newer pks first (they are the newest), then the snapshot's, ``cap``
    in all: the rows a probe now would read, in its order, and how many per key."""
    found = np.asarray(per_key, dtype=np.int64)
    extra = np.fromiter(map(len, newer), np.int64, len(newer))
    if not extra.any():
        return pks, found
    kept = np.minimum(found, cap - extra)  # RecentPostings.newer gives at most cap
    within = np.arange(len(pks)) - np.repeat(np.cumsum(found) - found, found)
    from_snapshot = within < np.repeat(kept, found)
    keys = np.arange(len(found))
    # key by key, the newer before the snapshot's, each in the order it came
    rank = np.concatenate(
        (2 * np.repeat(keys, extra), 2 * np.repeat(keys, found)[from_snapshot] + 1)
    )
    read = np.concatenate((np.fromiter(chain.from_iterable(newer), np.int64), pks[from_snapshot]))
    return read[np.argsort(rank, kind="stable")], extra + kept


def plan(
    session: Session,
    cache: IndexCache,
    analysis: Analysis,
    config: ClusteringConfig,
    exclude_pk: int | None = None,
) -> Plan:
    dup_hits, story_hits = probe(session, cache, analysis, config)
    for observe in probe_observers:
        observe(analysis.prepared.article_id, story_hits.pks.tolist())
    dup_hits, story_hits = dup_hits.without(exclude_pk), story_hits.without(exclude_pk)
    refs = cache.refs
    load_refs(session, cache, np.concatenate((dup_hits.pks, story_hits.pks)))

    copies = _verify_copies(session, cache, analysis, dup_hits, config)
    hits_by_cluster = cluster_hits(analysis, story_hits, refs, config)
    lang = analysis.prepared.lang
    table, terms = cache.table(lang), term_arrays(cache, lang, analysis.features.story_terms)
    decision = _decide(session, cache, analysis, terms, hits_by_cluster, config)

    if copies:
        best = copies[0]
        best_ref = refs.get(best.pk)
        assert best_ref is not None  # a verified copy's ref was loaded
        return Plan(
            near_duplicates=copies,
            duplicate_of_pk=best.root_pk,
            cluster_id=best_ref.cluster_id,
            merge=[],
            scores=decision.scores,
            terms=(table, terms),
        )
    return Plan(
        near_duplicates=[],
        duplicate_of_pk=None,
        cluster_id=decision.join,
        merge=decision.merge,
        scores=decision.scores,
        continues=continued_storyline(decision, config),
        terms=(table, terms),
    )


def continued_storyline(decision: StoryDecision, config: ClusteringConfig) -> int | None:
    """The cluster whose storyline a new event continues: the best candidate, if it
    scores at least the storyline threshold (it missed the join threshold)."""
    if decision.join is not None or not decision.scores:
        return None
    best = decision.scores[0]
    return best.cluster_id if best.score >= config.storyline_threshold() else None


def _verify_copies(
    session, cache: IndexCache, analysis, dup_hits: Candidates, config
) -> list[NearDuplicate]:
    if not dup_hits.pks.size:
        return []
    refs = cache.refs
    signatures = dup_signatures(session, cache, dup_hits.pks.tolist())
    candidates = []
    for pk, sig in signatures.items():
        ref = refs.get(pk)
        if ref is not None:
            candidates.append(DupCandidate(pk, from_bytes(sig), ref.duplicate_of_pk or pk))
    return near_duplicates(analysis.dup_signature, candidates, config.dup_threshold)


def _decide(
    session, cache, analysis, terms: TermArrays, cluster_hits: dict[int, int], config
) -> StoryDecision:
    if not cluster_hits:
        return StoryDecision(join=None)
    top = list(cluster_hits)  # ranked
    states = cluster_states(session, cache, top)
    candidates = [
        ClusterCandidate(cid, st.centroid, cluster_hits[cid], st.first_published, st.last_published)
        for cid in top
        if (st := states.get(cid)) is not None
    ]
    lang = analysis.prepared.lang
    raw = [terms]
    raw += [centroid_arrays(cache, lang, states[c.cluster_id]) for c in candidates]
    article, centroids = idf_weighted(session, cache, lang, raw, config).first_and_rest()
    # The near-in-time bonus needs a publication date: an arrival is no evidence of
    # one news cycle (everything posted today arrives today), and the join threshold
    # was tuned with undated articles earning no bonus.
    published = analysis.prepared.article.published_at
    scratch = cache.table(lang).scratch
    scores = score_weighted(article, candidates, centroids, scratch, published, config)
    return decide_story(scores, config)
