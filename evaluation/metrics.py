"""Clustering quality against gold labels: pairwise and BCubed P/R/F1, ARI."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from math import comb


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _contingency(gold: Mapping, predicted: Mapping) -> Counter:
    return Counter((gold[item], predicted[item]) for item in gold)


def pairwise(gold: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable]) -> Scores:
    """Precision and recall over all pairs of items put in one cluster."""
    both = sum(comb(n, 2) for n in _contingency(gold, predicted).values())
    pred_pairs = sum(comb(n, 2) for n in Counter(predicted[i] for i in gold).values())
    gold_pairs = sum(comb(n, 2) for n in Counter(gold.values()).values())
    p = both / pred_pairs if pred_pairs else 1.0
    r = both / gold_pairs if gold_pairs else 1.0
    return Scores(p, r, _f1(p, r))


def bcubed(gold: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable]) -> Scores:
    """Per-item precision and recall of its cluster, averaged over items."""
    cells = _contingency(gold, predicted)
    gold_sizes = Counter(gold.values())
    pred_sizes = Counter(predicted[i] for i in gold)
    n = len(gold)
    if n == 0:
        return Scores(0.0, 0.0, 0.0)
    p = sum(count * count / pred_sizes[pc] for (_, pc), count in cells.items()) / n
    r = sum(count * count / gold_sizes[gc] for (gc, _), count in cells.items()) / n
    return Scores(p, r, _f1(p, r))


def adjusted_rand_index(
    gold: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable]
) -> float:
    n = len(gold)
    index = sum(comb(c, 2) for c in _contingency(gold, predicted).values())
    gold_sum = sum(comb(c, 2) for c in Counter(gold.values()).values())
    pred_sum = sum(comb(c, 2) for c in Counter(predicted[i] for i in gold).values())
    expected = gold_sum * pred_sum / comb(n, 2) if n > 1 else 0.0
    maximum = (gold_sum + pred_sum) / 2
    return (index - expected) / (maximum - expected) if maximum != expected else 1.0


@dataclass(frozen=True)
class Errors:
    """Where a clustering misses, in counts a reader can check."""

    gold_events: int  # events with more than one article
    split_events: int  # of those, events whose articles are in more than one cluster
    mixed_clusters: int  # predicted clusters holding articles of more than one event
    largest_cluster: int
    largest_cluster_events: int  # gold events in the largest predicted cluster


def errors(gold: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable]) -> Errors:
    clusters_of: dict[Hashable, set] = {}
    events_in: dict[Hashable, set] = {}
    for item, event in gold.items():
        clusters_of.setdefault(event, set()).add(predicted[item])
        events_in.setdefault(predicted[item], set()).add(event)
    sizes = Counter(predicted[item] for item in gold)
    multi = [event for event, size in Counter(gold.values()).items() if size > 1]
    largest = max(sizes, key=lambda c: (sizes[c], len(events_in[c])), default=None)
    return Errors(
        gold_events=len(multi),
        split_events=sum(1 for event in multi if len(clusters_of[event]) > 1),
        mixed_clusters=sum(1 for events in events_in.values() if len(events) > 1),
        largest_cluster=sizes[largest] if largest is not None else 0,
        largest_cluster_events=len(events_in[largest]) if largest is not None else 0,
    )
