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
from scipy.cluster.hierarchy import fcluster

from app.clustering.config import ClusteringConfig
from app.clustering.split import average_linkage, similarity_matrix
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
    rows = [
        np.array([vocabulary.setdefault(term, len(vocabulary)) for term in weights], np.int64)
        for weights in term_weights
    ]
    df = np.bincount(np.concatenate(rows), minlength=len(vocabulary)) if rows else np.zeros(0)
    idf = np.log((1.0 + len(term_weights)) / (1.0 + df))
    return similarity_matrix(
        [
            (ids, np.fromiter(weights.values(), float, len(ids)) * idf[ids])
            for ids, weights in zip(rows, term_weights, strict=True)
        ]
    )


def average_link_labels(similarities: np.ndarray, threshold: float) -> list[int]:
    """Merge clusters while their mean member similarity is at least ``threshold``."""
    if len(similarities) < 2:
        return [1] * len(similarities)
    tree = average_linkage(similarities)
    return [int(label) for label in fcluster(tree, 1.0 - threshold, "distance")]


def batch_similarities(records: list[dict], config: ClusteringConfig | None = None) -> np.ndarray:
    """The records' TF-IDF similarities: what every cut of the baseline starts from."""
    return tfidf_similarities(story_term_weights(records, config or ClusteringConfig()))


def evaluate_batch(
    records: list[dict], threshold: float, similarities: np.ndarray | None = None
) -> dict:
    """Cluster the records with the baseline and score them as ``eval`` scores events
    (``similarities``: ``batch_similarities(records)``, computed here when not given)."""
    if similarities is None:
        similarities = batch_similarities(records)
    labels = average_link_labels(similarities, threshold)
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


def evaluate_cuts(records: list[dict], cuts: list[float]) -> list[dict]:
    """``evaluate_batch`` at each cut, the similarities computed once."""
    similarities = batch_similarities(records)
    return [{"cut": cut, **evaluate_batch(records, cut, similarities)} for cut in cuts]
