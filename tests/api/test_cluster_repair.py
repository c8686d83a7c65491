"""A cluster that grew into two stories is split; members, sizes and ids stay consistent."""

import pytest

from tests.texts import MILLBROOK_BUDGET, MILLBROOK_BUDGET_DE, MILLBROOK_MAYOR


@pytest.fixture
def greedy(app_client):
    """Joins everything that shares a term: the second story lands in the first's cluster."""
    return lambda **overrides: app_client(join_threshold=1e-6, **overrides)


def _post_interleaved(client) -> dict[str, dict]:
    results = {}
    for i, (budget, mayor) in enumerate(zip(MILLBROOK_BUDGET, MILLBROOK_MAYOR, strict=True)):
        for article_id, text in ((f"budget-{i}", budget), (f"mayor-{i}", mayor)):
            response = client.post("/articles", json={"id": article_id, "text": text})
            assert response.status_code == 201, response.text
            results[article_id] = response.json()
    return results


def _splits(client) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("story_cluster_splits_total "):
            return float(line.split()[1])
    raise AssertionError("no split counter in /metrics")


def test_two_stories_grown_into_one_cluster_are_split(greedy):
    with greedy() as client:
        splits_before = _splits(client)
        posted = _post_interleaved(client)
        assert posted["mayor-0"]["cluster_id"] == posted["budget-0"]["cluster_id"]  # joined
        clusters = {
            article_id: client.get(f"/articles/{article_id}").json()["cluster_id"]
            for article_id in posted
        }
        budget = {clusters[f"budget-{i}"] for i in range(3)}
        mayor = {clusters[f"mayor-{i}"] for i in range(3)}
        assert budget == {posted["budget-0"]["cluster_id"]}  # the oldest group keeps the id
        assert len(mayor) == 1 and mayor != budget
        assert posted["mayor-2"]["cluster_id"] in mayor  # the answer shows where it ended
        for cluster_id in budget | mayor:
            cluster = client.get(f"/clusters/{cluster_id}").json()
            assert cluster["size"] == 3 and len(cluster["members"]) == 3
        assert _splits(client) == splits_before + 1


def test_repair_can_be_turned_off(greedy):
    with greedy(split_ratio=0.0) as client:
        posted = _post_interleaved(client)
        ids = {client.get(f"/articles/{a}").json()["cluster_id"] for a in posted}
        assert len(ids) == 1
        assert client.get(f"/clusters/{ids.pop()}").json()["size"] == 6


def test_one_story_in_two_languages_is_not_split_by_language(greedy):
    with greedy() as client:
        for i, (english, german) in enumerate(
            zip(MILLBROOK_BUDGET, MILLBROOK_BUDGET_DE, strict=True)
        ):
            for article_id, text, lang in ((f"en-{i}", english, "en"), (f"de-{i}", german, "de")):
                body = {"id": article_id, "text": text, "lang": lang}
                assert client.post("/articles", json=body).status_code == 201
        ids = {
            client.get(f"/articles/{p}-{i}").json()["cluster_id"]
            for p in ("en", "de")
            for i in range(3)
        }
        assert len(ids) == 1
