"""Probe the SQL index, verify the candidates, decide copy group and story (no writes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.clustering.assign import (
    ClusterCandidate,
    ClusterScore,
    DupCandidate,
    NearDuplicate,
    StoryDecision,
    decide_story,
    near_duplicates,
    score_clusters,
)
from app.clustering.config import ClusteringConfig
from app.clustering.score import idf
from app.lsh.signatures import from_bytes
from app.services.analysis import Analysis
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
    story_candidates: set[int] = field(default_factory=set)  # article pks the probe returned

    @property
    def best_score(self) -> float | None:
        return self.scores[0].score if self.scores else None


def idf_function(session: Session, lang: str, terms: set[str], config: ClusteringConfig):
    """IDF of every given term, looked up once: scoring calls it for each centroid term."""
    counted = repo.document_frequencies(session, lang, terms)
    docs = repo.language_docs(session, lang)

    def idf_of(term: str) -> float:
        return idf(counted.get(term, 0), docs, prior_doc_share(lang, term), config.prior_docs)

    weights = {term: idf_of(term) for term in terms}
    return lambda term: weights[term] if term in weights else idf_of(term)


def _within_window(analysis: Analysis, published, config: ClusteringConfig) -> bool:
    mine = analysis.prepared.article.published_at
    if config.time_window_days <= 0 or mine is None or published is None:
        return True
    return abs((mine - published).total_seconds()) <= config.time_window_days * 86400


def plan(
    session: Session, analysis: Analysis, config: ClusteringConfig, exclude_pk: int | None = None
) -> Plan:
    store = repo.SqlBucketStore(session)
    dup_hits = store.probe(DUP_INDEX, analysis.dup_keys, config.bucket_cap)
    story_hits = store.probe(STORY_INDEX, analysis.story_keys, config.bucket_cap)
    for hits in (dup_hits, story_hits):
        hits.pop(exclude_pk, None)
    refs = repo.candidate_refs(session, set(dup_hits) | set(story_hits))

    copies = _verify_copies(session, analysis, dup_hits, refs, config)
    # A cluster ranks by its best-matching member: summing would favour big clusters.
    cluster_hits: Counter[int] = Counter()
    for pk, hits in story_hits.items():
        if pk in refs and _within_window(analysis, refs[pk][2], config):
            cluster_id = refs[pk][0]
            cluster_hits[cluster_id] = max(cluster_hits[cluster_id], hits)
    decision = _decide(session, analysis, cluster_hits, config)

    if copies:
        best = copies[0]
        return Plan(
            near_duplicates=copies,
            duplicate_of_pk=best.root_pk,
            cluster_id=refs[best.pk][0],
            merge=[],
            scores=decision.scores,
            story_candidates=set(story_hits),
        )
    return Plan(
        near_duplicates=[],
        duplicate_of_pk=None,
        cluster_id=decision.join,
        merge=decision.merge,
        scores=decision.scores,
        story_candidates=set(story_hits),
    )


def _verify_copies(session, analysis, dup_hits, refs, config) -> list[NearDuplicate]:
    if not dup_hits:
        return []
    signatures = repo.dup_signatures(session, dup_hits)
    candidates = [
        DupCandidate(pk, from_bytes(sig), refs[pk][1] or pk)
        for pk, sig in signatures.items()
        if pk in refs
    ]
    return near_duplicates(analysis.dup_signature, candidates, config.dup_threshold)


def _decide(session, analysis, cluster_hits: Counter, config) -> StoryDecision:
    if not cluster_hits:
        return StoryDecision(join=None)
    top = [cid for cid, _ in cluster_hits.most_common(config.candidate_clusters)]
    clusters = repo.clusters_by_ids(session, top)
    candidates = [
        ClusterCandidate(
            cid,
            clusters[cid].centroid,
            cluster_hits[cid],
            clusters[cid].first_published,
            clusters[cid].last_published,
        )
        for cid in top
        if cid in clusters
    ]
    terms = set(analysis.features.story_terms)
    for candidate in candidates:
        terms.update(candidate.centroid)
    idf_of = idf_function(session, analysis.prepared.lang, terms, config)
    published = analysis.prepared.article.published_at
    scores = score_clusters(analysis.features.story_terms, candidates, idf_of, published, config)
    return decide_story(scores, config)
