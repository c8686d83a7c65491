"""Cluster repair: split a cluster that has grown into two stories.

The first report of a new event can join a neighbouring event's cluster (same people,
same place, other action); the reports that follow then pull towards it. Once both
groups have a few members, average linkage over the members separates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform


@dataclass(frozen=True)
class Split:
    keep: list[int]  # member indexes that stay (the group holding member 0)
    move: list[int]  # member indexes that form a new cluster
    cross: float  # mean similarity between the groups
    within: float  # mean similarity inside the looser group


def _mean_within(sim: np.ndarray, group: list[int]) -> float:
    n = len(group)
    if n < 2:
        return 1.0  # a single member is entirely alike with itself
    block = sim[np.ix_(group, group)]
    return float((block.sum() - np.trace(block)) / (n * (n - 1)))


def similarity_matrix(rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Cosine similarity of every pair of weighted term vectors, each given as (term
    ids, weights) with its ids unique."""
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0, *(len(ids) for ids, _ in rows)])
    ids = np.concatenate([ids for ids, _ in rows]) if rows else np.zeros(0, np.int64)
    data = np.concatenate([w for _, w in rows]) if rows else np.zeros(0)
    width = int(ids.max()) + 1 if len(ids) else 1
    matrix = csr_matrix((data, ids, indptr), shape=(len(rows), width))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    unit_rows = csr_matrix(matrix.multiply(scale[:, None]))
    return np.clip((unit_rows @ unit_rows.T).toarray(), 0.0, 1.0)


def average_linkage(sim: np.ndarray) -> np.ndarray:
    """The average-linkage tree of items given their similarity matrix (distance is one
    minus similarity): merged by the mean similarity of their members."""
    distance = 1.0 - sim
    np.fill_diagonal(distance, 0.0)
    return linkage(squareform(distance, checks=False), "average")


def find_split(sim: np.ndarray, ratio: float, min_group: int) -> Split | None:
    """Bisect the members (given their similarity matrix) by average linkage; split when
    the two groups are less alike than ``ratio`` times the looser group is alike inside,
    and each has ``min_group`` members."""
    if ratio <= 0 or len(sim) < 2 * min_group:
        return None
    labels = fcluster(average_linkage(sim), 2, "maxclust")
    first = [i for i, label in enumerate(labels) if label == labels[0]]
    other = [i for i, label in enumerate(labels) if label != labels[0]]
    if len(first) < min_group or len(other) < min_group:
        return None
    cross = float(sim[np.ix_(first, other)].mean())
    within = min(_mean_within(sim, first), _mean_within(sim, other))
    if cross >= ratio * within:
        return None
    return Split(keep=first, move=other, cross=cross, within=within)
