"""The offline batch baseline: TF-IDF cosines, average link cut at one similarity."""

import json

import numpy as np
import pytest

from evaluation.baseline import average_link_labels, evaluate_batch, tfidf_similarities
from evaluation.tuning import BATCH, Score, choose, protocols, score_one
from tests.records import RECORDS


def test_tfidf_cosines_of_identical_and_disjoint_documents():
    docs = [{"summit": 1.0, "korea": 2.0}, {"summit": 1.0, "korea": 2.0}, {"bridge": 1.0}]
    similarities = tfidf_similarities(docs)
    assert similarities[0, 1] == pytest.approx(1.0)
    assert similarities[0, 2] == 0.0 and similarities[2, 2] == pytest.approx(1.0)


def test_a_term_every_document_holds_carries_no_weight():
    # "news" is in all three: IDF ln(4/4) = 0, so only the other terms decide
    docs = [{"news": 5.0, "summit": 1.0}, {"news": 5.0, "summit": 1.0}, {"news": 5.0, "flood": 1.0}]
    similarities = tfidf_similarities(docs)
    assert similarities[0, 2] == 0.0 and similarities[0, 1] == pytest.approx(1.0)


def test_average_link_joins_clusters_by_their_mean_similarity():
    similarities = np.array([[1.0, 0.5, 0.1], [0.5, 1.0, 0.3], [0.1, 0.3, 1.0]])
    # 0 and 1 join at 0.5; {0, 1} and 2 have mean similarity (0.1 + 0.3) / 2 = 0.2
    first, second, third = average_link_labels(similarities, 0.25)
    assert first == second != third
    assert len(set(average_link_labels(similarities, 0.19))) == 1
    assert len(set(average_link_labels(similarities, 0.6))) == 3
    assert average_link_labels(np.ones((1, 1)), 0.2) == [1]


def test_the_baseline_scores_a_small_labeled_set():
    records = _records()
    loose = evaluate_batch(records, 0.0)  # everything at similarity >= 0 merges
    assert loose["predicted_clusters"] == 1 and loose["pairwise"]["precision"] < 1.0
    strict = evaluate_batch(records, 1.01)  # nothing reaches more than 1
    assert strict["predicted_clusters"] == len(records)
    assert strict["bcubed"]["precision"] == 1.0 and strict["bcubed"]["recall"] < 1.0


def test_the_baseline_goes_through_the_tuning_protocols_without_a_shipped_value(tmp_path):
    records = _records()
    folder = tmp_path / "gvc-devtest"
    folder.mkdir()
    (folder / "gvc_devtest.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    subset, value, score = score_one((str(tmp_path), "gvc", 0.3, (BATCH,), None))
    direct = evaluate_batch(records, 0.3)
    assert (subset, value) == ("gvc", 0.3)
    assert score == Score(direct["bcubed"]["f1"], direct["pairwise"]["f1"])

    flat = {
        (s, v): Score(0.9, 0.8)
        for s in ("ecb_traindev", "ecb_test", "gvc", "newswcl50")
        for v in (0.1, 0.2)
    }
    assert choose(flat, ["gvc"], [0.1, 0.2], default=None) == 0.1  # a tie: the lower cut
    assert all(row.shipped is None for row in protocols(flat, [0.1, 0.2], default=None))


def _records() -> list[dict]:
    return [
        {"id": article_id, "text": text, "lang": lang, "cluster": cluster}
        for article_id, text, lang, cluster in RECORDS
    ]
