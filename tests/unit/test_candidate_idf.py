"""The candidates' own IDF: vocabulary every candidate cluster shares (a war's, a
topic's) tells them apart least, so a sibling event that shares only that vocabulary
loses more than the event that also shares the article's own terms."""

import numpy as np
import pytest

from app.clustering.score import Stacked, cosines

# term ids: 0-3 the storyline's vocabulary (held by every candidate), 4-5 the
# airstrike's own terms, 6-7 the ceasefire talks' own terms
STORYLINE, AIRSTRIKE, CEASEFIRE = [0, 1, 2, 3], [4, 5], [6, 7]


def vector(ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(ids), np.ones(len(ids))


def scores(article, centroids, exponent: float) -> list[float]:
    scratch = np.zeros(16)
    result = cosines(*article, Stacked.of(centroids), scratch, exponent)
    assert not scratch.any()  # left zeroed for the next caller
    return result


def test_a_sibling_event_sharing_only_the_storyline_loses_more():
    article = vector(STORYLINE + AIRSTRIKE)
    centroids = [vector(STORYLINE + AIRSTRIKE[:1]), vector(STORYLINE + CEASEFIRE)]
    same_event, sibling = scores(article, centroids, 0)
    weighted_same, weighted_sibling = scores(article, centroids, 2)
    # the article's own terms count for more, in the norm as in the dot product, so
    # both scores fall; the sibling's, which shares only the storyline, falls further
    assert weighted_sibling < sibling
    assert weighted_same / weighted_sibling > same_event / sibling


def test_with_one_candidate_the_articles_terms_it_lacks_weigh_more():
    article = vector(STORYLINE + AIRSTRIKE)
    # held by the one candidate: factor 1; held by none: (ln 2 + 1)^2
    lacking = (np.log(2) + 1) ** 2
    expected = 4 / (np.sqrt(4 + 2 * lacking**2) * 2)
    assert scores(article, [vector(STORYLINE)], 2) == pytest.approx([expected])
    assert scores(article, [vector(STORYLINE)], 0) == pytest.approx([4 / (np.sqrt(6) * 2)])


def test_terms_every_candidate_holds_keep_their_weight():
    article = vector(STORYLINE)
    centroids = [vector(STORYLINE), vector(STORYLINE + CEASEFIRE)]
    # the article's terms are all shared: factor 1 for them and in both centroids;
    # the ceasefire terms, held by one of two, weigh (ln(3/2) + 1)^2 in the second
    held_by_one = (np.log(3 / 2) + 1) ** 2
    second = 4 / (2 * np.sqrt(4 + 2 * held_by_one**2))
    assert scores(article, centroids, 2) == pytest.approx([1.0, second])
