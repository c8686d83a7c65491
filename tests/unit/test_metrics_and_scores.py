"""Evaluation metrics and story scores on small hand-checked cases."""

import math

import pytest

from app.clustering.assign import ClusterScore, decide_story
from app.clustering.config import ClusteringConfig
from app.clustering.score import Stacked, add_to_centroid, cosine, idf, truncate
from evaluation.metrics import adjusted_rand_index, bcubed, errors, pairwise

GOLD = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}


def test_perfect_clustering_scores_one():
    assert pairwise(GOLD, GOLD).f1 == 1.0
    assert bcubed(GOLD, GOLD).f1 == 1.0
    assert adjusted_rand_index(GOLD, GOLD) == pytest.approx(1.0)


def test_everything_in_one_cluster():
    one = dict.fromkeys(GOLD, 0)
    assert pairwise(GOLD, one).recall == 1.0
    assert pairwise(GOLD, one).precision == pytest.approx(4 / 10)
    # BCubed precision: a,b,c see 3/5 each, d,e see 2/5 each
    assert bcubed(GOLD, one).precision == pytest.approx((3 * 3 / 5 + 2 * 2 / 5) / 5)
    assert adjusted_rand_index(GOLD, one) == pytest.approx(0.0)


def test_singletons():
    singletons = {k: i for i, k in enumerate(GOLD)}
    assert pairwise(GOLD, singletons).recall == 0.0
    assert bcubed(GOLD, singletons).precision == 1.0
    assert bcubed(GOLD, singletons).recall == pytest.approx((3 * 1 / 3 + 2 * 1 / 2) / 5)


def test_errors_count_split_events_and_mixed_clusters():
    # event 1 (a, b, c) is split over clusters 7 and 8; cluster 8 mixes events 1 and 2
    predicted = {"a": 7, "b": 7, "c": 8, "d": 8, "e": 8}
    found = errors(GOLD, predicted)
    assert (found.gold_events, found.split_events, found.mixed_clusters) == (2, 1, 1)
    assert (found.largest_cluster, found.largest_cluster_events) == (3, 2)
    assert errors(GOLD, GOLD).split_events == errors(GOLD, GOLD).mixed_clusters == 0


def test_idf_prior_and_counts():
    # a word every document has weighs nothing; an unseen rare name weighs most
    assert idf(df=100, n_docs=100, prior_share=1.0, prior_docs=30) == pytest.approx(0.0, abs=0.01)
    rare = idf(df=0, n_docs=100, prior_share=0.0, prior_docs=30)
    common_prior = idf(df=0, n_docs=0, prior_share=0.5, prior_docs=30)
    assert rare == pytest.approx(math.log(131))
    assert common_prior < idf(df=0, n_docs=0, prior_share=0.0, prior_docs=30)


def test_centroid_sums_unit_vectors_and_subtracts():
    centroid = add_to_centroid({}, {"a": 3.0, "b": 4.0})
    assert centroid == pytest.approx({"a": 0.6, "b": 0.8})
    assert add_to_centroid(centroid, {"a": 3.0, "b": 4.0}, sign=-1) == {}
    assert truncate({"a": 1, "b": 3, "c": 2}, 2) == {"b": 3, "c": 2}
    assert cosine({"a": 1.0}, {"a": 2.0}) == pytest.approx(1.0)
    assert cosine({"a": 1.0}, {"b": 2.0}) == 0.0


def test_truncate_keeps_the_highest_values_and_breaks_ties_by_term():
    import random

    # equal values are common (a one-member centroid is one unit vector): which terms
    # survive the cut, and in which order, must not depend on insertion order
    assert list(truncate({"d": 1.0, "b": 2.0, "a": 1.0, "c": 1.0}, 3).items()) == [
        ("b", 2.0),
        ("a", 1.0),
        ("c", 1.0),
    ]
    rnd = random.Random(7)
    for _ in range(300):
        terms = [f"t{rnd.randrange(400)}" for _ in range(rnd.randrange(1, 300))]
        vector = {t: rnd.choice([0.25, 0.5, rnd.random()]) for t in terms}
        keep = rnd.randrange(1, 200)
        expected = sorted(vector.items(), key=lambda item: (-item[1], item[0]))[:keep]
        assert list(truncate(vector, keep).items()) == (
            expected if len(vector) > keep else list(vector.items())
        )


def test_decide_joins_best_and_merges_only_above_merge_threshold():
    config = ClusteringConfig(join_threshold=0.3, merge_threshold=0.6)
    scores = [ClusterScore(1, 0.7, 5), ClusterScore(2, 0.65, 3), ClusterScore(3, 0.4, 2)]
    decision = decide_story(scores, config)
    assert decision.join == 1 and decision.merge == [2]
    assert decide_story([ClusterScore(1, 0.29, 9)], config).join is None
    assert decide_story([], config).join is None


def test_time_bonus_only_for_dated_articles_close_to_the_cluster():
    from datetime import datetime

    import numpy as np

    from app.clustering.assign import ClusterCandidate, score_weighted, time_factor

    config = ClusteringConfig(time_near_days=3, time_bonus=0.5)
    cluster = ClusterCandidate(
        1, {"a": 1.0, "b": 1.0}, 3, datetime(2020, 1, 10), datetime(2020, 1, 12)
    )
    assert cluster.days_apart(datetime(2020, 1, 11)) == 0
    assert cluster.days_apart(datetime(2020, 1, 14)) == 2
    assert cluster.days_apart(datetime(2020, 1, 5)) == 5
    assert cluster.days_apart(None) is None
    assert time_factor(2, config) == 1.5 and time_factor(5, config) == 1.0
    assert time_factor(None, config) == 1.0

    article = (np.array([0]), np.array([1.0]))  # term "a"
    centroid = (np.array([0, 1]), np.array([1.0, 1.0]))  # terms "a" and "b"
    scratch = np.zeros(2)

    def score(published):
        return score_weighted(
            article, [cluster], Stacked.of([centroid]), scratch, published, config
        )[0]

    assert score(None).score == pytest.approx(2**-0.5)
    assert score(datetime(2020, 1, 13)).score == pytest.approx(score(None).score * 1.5)
    assert not scratch.any()  # the workspace is handed back zeroed


def test_scores_rank_best_first_then_lower_cluster_id():
    import numpy as np

    from app.clustering.assign import ClusterCandidate, score_weighted

    article = (np.array([0, 1]), np.array([1.0, 1.0]))
    same, less = (np.array([0, 1]), np.array([1.0, 1.0])), (np.array([0]), np.array([1.0]))
    candidates = [ClusterCandidate(cid, {}, hits) for cid, hits in [(9, 1), (7, 2), (3, 4)]]
    stacked = Stacked.of([less, same, same])
    ranked = score_weighted(article, candidates, stacked, np.zeros(2), None, ClusteringConfig())
    assert [(s.cluster_id, s.lsh_hits) for s in ranked] == [(3, 4), (7, 2), (9, 1)]
    assert ranked[0].score == ranked[1].score > ranked[2].score
