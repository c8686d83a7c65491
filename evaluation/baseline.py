"""The offline reference the service is compared with: the whole set at once, TF-IDF
over the service's own story terms, average-link agglomerative clustering cut at one
cosine similarity.

This is the "simple batch baseline" of issue #8: it sees every article before it
decides, so arrival order cannot matter, and average link compares clusters by the
mean similarity of their members, so a cluster that drifted over several events does
not attract more than a tight one. It uses the service's terms (tokens, stems, title,
lead, names and numbers weighted as the service weighs them) with a plain batch IDF,
ln((1 + N) / (1 + df)), so a difference between the two is the clustering's, not the
features'. No boilerplate removal, no near-duplicate index.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix
from scipy.spatial.distance import squareform

from app.clustering.config import ClusteringConfig
from app.services.analysis import analyse_article
from evaluation import metrics
from evaluation.run import record_to_article

TEXT_LIMIT = 10_000_000  # the records are the team's own sets, not client input


def story_term_weights(records: list[dict], config: ClusteringConfig) -> list[dict[str, float]]:
    """Each record's story terms with their weights before IDF, as the service sees them."""
    return [
        analyse_article(record_to_article(record, "none"), config, TEXT_LIMIT).features.story_terms
        for record in records
    ]


def tfidf_similarities(term_weights: list[dict[str, float]]) -> np.ndarray:
    """Cosine similarities of the TF-IDF vectors (batch IDF over these documents)."""
    vocabulary: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, weights in enumerate(term_weights):
        for term, weight in weights.items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            values.append(weight)
    matrix = csr_matrix((values, (rows, cols)), shape=(len(term_weights), len(vocabulary)))
    df = np.bincount(matrix.indices, minlength=len(vocabulary))
    idf = np.log((1.0 + len(term_weights)) / (1.0 + df))
    weighted = matrix.multiply(idf[np.newaxis, :]).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    unit = csr_matrix(weighted.multiply(1.0 / norms[:, np.newaxis]))
    return np.asarray((unit @ unit.T).todense())


def average_link_labels(similarities: np.ndarray, threshold: float) -> list[int]:
    """Merge clusters while their mean member similarity is at least ``threshold``."""
    if len(similarities) < 2:
        return [1] * len(similarities)
    distance = np.clip(1.0 - similarities, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), "average")
    return [int(label) for label in fcluster(tree, 1.0 - threshold, "distance")]


def evaluate_batch(
    records: list[dict], threshold: float, config: ClusteringConfig | None = None
) -> dict:
    """Cluster the records with the baseline and score them as ``eval`` scores events."""
    weights = story_term_weights(records, config or ClusteringConfig())
    labels = average_link_labels(tfidf_similarities(weights), threshold)
    ids = [str(record["id"]) for record in records]
    gold: dict[Hashable, Hashable] = {
        article: record["cluster"] for article, record in zip(ids, records, strict=True)
    }
    predicted: dict[Hashable, Hashable] = dict(zip(ids, labels, strict=True))
    misses = metrics.errors(gold, predicted)
    return {
        "articles": len(ids),
        "predicted_clusters": len(set(labels)),
        "largest_cluster": misses.largest_cluster,
        "bcubed": metrics.bcubed(gold, predicted).__dict__,
        "pairwise": metrics.pairwise(gold, predicted).__dict__,
        "gold_events_split": misses.split_events,
        "predicted_clusters_mixing_events": misses.mixed_clusters,
    }
