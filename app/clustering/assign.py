"""Verify candidates and decide: which copies an article is, which story it joins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import numpy as np

from app.clustering.config import ClusteringConfig
from app.clustering.score import Stacked, cosines
from app.lsh.signatures import estimated_jaccard


@dataclass(frozen=True)
class DupCandidate:
    pk: int
    signature: np.ndarray
    root_pk: int  # the earliest article of its copy group


@dataclass(frozen=True)
class NearDuplicate:
    pk: int
    root_pk: int
    similarity: float


# Named tuples, not dataclasses: one of each is made per candidate cluster of every
# article decided, and a frozen dataclass costs four times as much to build.
class ClusterCandidate(NamedTuple):
    cluster_id: int
    centroid: Mapping[str, float]
    lsh_hits: int
    first_published: datetime | None = None
    last_published: datetime | None = None

    def days_apart(self, published: datetime | None) -> float | None:
        """Days between a date and the cluster's span of dates (0 inside it)."""
        if published is None or self.first_published is None or self.last_published is None:
            return None
        if published < self.first_published:
            return (self.first_published - published).total_seconds() / 86400
        return max(0.0, (published - self.last_published).total_seconds() / 86400)


class ClusterScore(NamedTuple):
    cluster_id: int
    score: float
    lsh_hits: int


@dataclass
class StoryDecision:
    join: int | None  # None: start a new cluster
    merge: list[int] = field(default_factory=list)
    scores: list[ClusterScore] = field(default_factory=list)


def near_duplicates(
    signature: np.ndarray, candidates: Sequence[DupCandidate], threshold: float
) -> list[NearDuplicate]:
    """Candidates whose estimated Jaccard of copy shingles reaches the threshold,
    most similar first (earliest first among equals)."""
    found = [
        NearDuplicate(c.pk, c.root_pk, estimated_jaccard(signature, c.signature))
        for c in candidates
    ]
    kept = [d for d in found if d.similarity >= threshold]
    return sorted(kept, key=lambda d: (-d.similarity, d.pk))


def score_weighted(
    article: tuple[np.ndarray, np.ndarray],
    candidates: Sequence[ClusterCandidate],
    centroids: Stacked,
    scratch: np.ndarray,
    published: datetime | None,
    config: ClusteringConfig,
) -> list[ClusterScore]:
    """Cosine of the article with each candidate's centroid, both IDF-weighted (term
    ids, weights; centroids stacked in the candidates' order; ``scratch``: see ``cosines``) and,
    as configured, weighed by the candidates' own IDF;
    when the article is dated (``published``) and close in time to the candidate's span
    (same news cycle) the score gets the configured bonus. Best first."""
    similarities = cosines(*article, centroids, scratch, config.candidate_idf)
    if published is None:  # no candidate earns the bonus (x * 1.0 is x: the same floats)
        factors = [1.0] * len(candidates)
    else:
        factors = [time_factor(c.days_apart(published), config) for c in candidates]
    scores = [
        ClusterScore(c.cluster_id, sim * factor, c.lsh_hits)
        for c, sim, factor in zip(candidates, similarities, factors, strict=True)
    ]
    return sorted(scores, key=lambda s: (-s.score, s.cluster_id))


def time_factor(days_apart: float | None, config: ClusteringConfig) -> float:
    if days_apart is None or days_apart > config.time_near_days:
        return 1.0
    return 1.0 + config.time_bonus


def decide_story(scores: Sequence[ClusterScore], config: ClusteringConfig) -> StoryDecision:
    """Join the best cluster at or above the join threshold; clusters that also reach
    the (higher) merge threshold are the same story and merge into it."""
    if not scores or scores[0].score < config.join_threshold:
        return StoryDecision(join=None, scores=list(scores))
    best = scores[0]
    merge = [s.cluster_id for s in scores[1:] if s.score >= config.merge_threshold]
    return StoryDecision(join=best.cluster_id, merge=merge, scores=list(scores))
