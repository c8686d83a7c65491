"""Cluster repair: average-linkage bisection and the split criterion."""

import numpy as np

from app.clustering.split import find_split, similarity_matrix

TOPIC = {"millbrook": 1.0, "council": 1.0}


def _story(*terms: str) -> dict[str, float]:
    return {**TOPIC, **{t: 2.0 for t in terms}}


STORY_A = [
    _story("bridge", "budget", "steel"),
    _story("bridge", "steel", "river"),
    _story("bridge", "budget", "river"),
]
STORY_B = [
    _story("mayor", "resign", "audit"),
    _story("mayor", "audit", "holiday"),
    _story("mayor", "resign", "holiday"),
]


def split_of(members: list[dict[str, float]], ratio: float, min_group: int):
    """find_split on term vectors written as dicts (the service passes term ids)."""
    vocabulary = {term: i for i, term in enumerate(sorted({t for m in members for t in m}))}
    rows = [
        (np.array([vocabulary[t] for t in m], dtype=np.int64), np.array(list(m.values())))
        for m in members
    ]
    return find_split(similarity_matrix(rows), ratio, min_group)


def test_two_stories_in_one_cluster_are_split_and_the_oldest_group_stays():
    members = [STORY_A[0], STORY_B[0], STORY_A[1], STORY_B[1], STORY_A[2], STORY_B[2]]
    split = split_of(members, ratio=0.7, min_group=3)
    assert split is not None
    assert split.keep == [0, 2, 4] and split.move == [1, 3, 5]
    assert split.cross < 0.7 * split.within


def test_one_story_is_not_split():
    members = [*STORY_A, *[_story("bridge", "budget", "steel", "river")] * 3]
    assert split_of(members, ratio=0.7, min_group=3) is None


def test_a_lone_outlier_is_not_split_off_below_the_minimum_group():
    members = [*STORY_A, STORY_A[0], STORY_A[1], STORY_B[0]]
    assert split_of(members, ratio=0.7, min_group=3) is None
    assert split_of(members, ratio=0.7, min_group=1) is not None


def test_disabled_or_too_small_clusters_are_left_alone():
    members = STORY_A + STORY_B
    assert split_of(members, ratio=0.0, min_group=3) is None
    assert split_of(members[:5], ratio=0.7, min_group=3) is None


def test_similarity_matrix_is_cosine():
    ids, empty = np.array, np.zeros(0, dtype=np.int64)
    rows = [
        (ids([0]), ids([1.0])),
        (ids([0, 1]), ids([1.0, 1.0])),
        (ids([2]), ids([2.0])),
        (empty, np.zeros(0)),
    ]
    sim = similarity_matrix(rows)
    assert abs(sim[0, 1] - 2**-0.5) < 1e-9
    assert sim[0, 2] == 0.0 and sim[3, 3] == 0.0
