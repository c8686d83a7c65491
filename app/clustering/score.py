"""TF-IDF cosine between an article and a cluster, with a frequency prior for cold starts."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise
from operator import itemgetter
from typing import NamedTuple

import numpy as np

Vector = Mapping[str, float]


def idf(df: float, n_docs: float, prior_share: float, prior_docs: float) -> float:
    """Smoothed IDF: the counted frequencies, plus ``prior_docs`` pseudo-articles whose
    document frequency follows the language's background prior."""
    return max(0.0, math.log((1.0 + n_docs + prior_docs) / (1.0 + df + prior_docs * prior_share)))


def norm(vector: Vector) -> float:
    return math.sqrt(sum(v * v for v in vector.values()))


def unit(vector: Vector) -> dict[str, float]:
    length = norm(vector)
    return {t: v / length for t, v in vector.items()} if length else {}


def weigh(vector: Vector, idf_of: Callable[[str], float]) -> dict[str, float]:
    return {t: v * idf_of(t) for t, v in vector.items()}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(t, 0.0) for t, v in a.items())
    denominator = norm(a) * norm(b)
    return dot / denominator if denominator else 0.0


def add_to_centroid(centroid: Mapping[str, float], member: Vector, sign: float = 1.0) -> dict:
    """Centroids are sums of unit member vectors (before IDF), so long articles do not
    outweigh short ones."""
    merged = dict(centroid)
    for term, value in unit(member).items():
        merged[term] = merged.get(term, 0.0) + sign * value
        if merged[term] <= 1e-9:
            del merged[term]
    return merged


def truncate(vector: Mapping[str, float], keep: int) -> dict[str, float]:
    """The ``keep`` highest values, highest first, equal values in term order. (Two
    sorts without a Python key function: by term, then stably by value, reversed, which
    keeps equal values in term order. It runs on every join: a key lambda cost twice
    as much.)"""
    if len(vector) <= keep:
        return dict(vector)
    by_term = sorted(vector.items())
    return dict(sorted(by_term, key=itemgetter(1), reverse=True)[:keep])


def shared_terms(a: Vector, b: Vector, top: int) -> list[tuple[str, float]]:
    """Terms both vectors hold, by their contribution to the dot product."""
    contributions = {t: v * b[t] for t, v in a.items() if t in b}
    return sorted(contributions.items(), key=lambda item: -item[1])[:top]


# -- the same scores on arrays: term ids instead of term strings -----------------------


def idf_array(
    df: np.ndarray, n_docs: float, prior_share: np.ndarray, prior_docs: float
) -> np.ndarray:
    """``idf`` of many terms at once."""
    ratio = (1.0 + n_docs + prior_docs) / (1.0 + df + prior_docs * prior_share)
    return np.maximum(0.0, np.log(ratio))


TermArrays = tuple[np.ndarray, np.ndarray]  # a sparse vector: (term ids, values)


class Stacked(NamedTuple):
    """Sparse vectors one after the other: their term ids and values concatenated, and
    each one's length. Scoring an article against 50 candidate clusters works on the
    concatenation; kept stacked from weighing to scoring, it is not cut into 50 pieces
    and joined again."""

    ids: np.ndarray
    values: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, vectors: Sequence[TermArrays]) -> Stacked:
        if not vectors:
            empty = np.empty(0, dtype=np.int64)
            return cls(empty, np.empty(0), empty)
        lengths = np.array([len(ids) for ids, _ in vectors], dtype=np.int64)
        ids = np.concatenate([ids for ids, _ in vectors])
        return cls(ids, np.concatenate([values for _, values in vectors]), lengths)

    def first_and_rest(self) -> tuple[TermArrays, Stacked]:
        """The first vector, and the others still stacked (views, no copies)."""
        n = int(self.lengths[0])
        rest = Stacked(self.ids[n:], self.values[n:], self.lengths[1:])
        return (self.ids[:n], self.values[:n]), rest

    def split(self) -> list[TermArrays]:
        bounds = np.concatenate(([0], np.cumsum(self.lengths))).tolist()
        return [(self.ids[a:b], self.values[a:b]) for a, b in pairwise(bounds)]


def cosines(
    ids: np.ndarray,
    weights: np.ndarray,
    others: Stacked,
    scratch: np.ndarray,
    candidate_idf: float = 0.0,
) -> list[float]:
    """Cosine of one sparse vector (term ids, weights; ids unique) with each of others,
    all others in one pass over their concatenated terms; with ``candidate_idf``, every
    term weighed also by its IDF among the others (see ``weighed_among``). ``scratch``
    is a zeroed array longer than the largest id; it is zeroed again on return."""
    count = len(others.lengths)
    if not count:
        return []
    other_ids, other_weights = others.ids, others.values
    if candidate_idf:
        weights, other_weights = weighed_among(
            (ids, weights), (other_ids, other_weights), count, scratch, candidate_idf
        )
    segment = np.repeat(np.arange(count), others.lengths)
    other_norms = np.sqrt(np.bincount(segment, other_weights**2, minlength=count))
    own_norm = float(np.sqrt(np.dot(weights, weights)))
    scratch[ids] = weights
    try:
        products = scratch[other_ids] * other_weights
    finally:
        scratch[ids] = 0.0
    dots = np.bincount(segment, products, minlength=count)
    denominators = own_norm * other_norms
    safe = np.where(denominators > 0, denominators, 1.0)
    return np.where(denominators > 0, dots / safe, 0.0).tolist()


def weighed_among(
    vector: tuple[np.ndarray, np.ndarray],
    others: tuple[np.ndarray, np.ndarray],
    count: int,
    scratch: np.ndarray,
    exponent: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The weights of one vector and of ``count`` others (their terms concatenated),
    times each term's smoothed IDF among the others, to ``exponent``: terms all others
    hold weigh least, terms none holds most, as IDF weighs terms among articles (with
    one other, the vector's terms it lacks weigh more). Among candidate clusters, the
    vocabulary they all share (a war's, a topic's) tells them apart least."""
    (ids, weights), (other_ids, other_weights) = vector, others
    held_by = np.arange(count + 1)
    factor_by_count = (np.log((1.0 + count) / (1.0 + held_by)) + 1.0) ** exponent
    np.add.at(scratch, other_ids, 1.0)  # how many others hold each term
    try:
        own = factor_by_count[scratch[ids].astype(np.intp)]
        theirs = factor_by_count[scratch[other_ids].astype(np.intp)]
    finally:
        scratch[other_ids] = 0.0
    return weights * own, other_weights * theirs
