"""Cluster repair: average-linkage bisection and the split criterion."""

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


def test_two_stories_in_one_cluster_are_split_and_the_oldest_group_stays():
    members = [STORY_A[0], STORY_B[0], STORY_A[1], STORY_B[1], STORY_A[2], STORY_B[2]]
    split = find_split(members, ratio=0.7, min_group=3)
    assert split is not None
    assert split.keep == [0, 2, 4] and split.move == [1, 3, 5]
    assert split.cross < 0.7 * split.within


def test_one_story_is_not_split():
    members = [*STORY_A, *[_story("bridge", "budget", "steel", "river")] * 3]
    assert find_split(members, ratio=0.7, min_group=3) is None


def test_a_lone_outlier_is_not_split_off_below_the_minimum_group():
    members = [*STORY_A, STORY_A[0], STORY_A[1], STORY_B[0]]
    assert find_split(members, ratio=0.7, min_group=3) is None
    assert find_split(members, ratio=0.7, min_group=1) is not None


def test_disabled_or_too_small_clusters_are_left_alone():
    members = STORY_A + STORY_B
    assert find_split(members, ratio=0.0, min_group=3) is None
    assert find_split(members[:5], ratio=0.7, min_group=3) is None


def test_similarity_matrix_is_cosine():
    sim = similarity_matrix([{"a": 1.0}, {"a": 1.0, "b": 1.0}, {"c": 2.0}, {}])
    assert abs(sim[0, 1] - 2**-0.5) < 1e-9
    assert sim[0, 2] == 0.0 and sim[3, 3] == 0.0
