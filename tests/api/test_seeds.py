"""The job in one example: the two seeds form one story, another event does not join."""

from seeds.loader import SEEDS, seed_text
from tests.conftest import post_seeds
from tests.texts import GERMAN_FLOOD, GERMAN_TRUMP_UKRAINE


def test_seed_articles_share_a_cluster(client):
    results = post_seeds(client)
    reuters, taz = results["reuters-summit-2018-05"], results["taz-summit-2018-05"]
    assert reuters["lang"] == "de" and taz["lang"] == "de"
    assert reuters["cluster_id"] == taz["cluster_id"]
    assert reuters["duplicate_of"] is None and taz["duplicate_of"] is None

    cluster = client.get(f"/clusters/{taz['cluster_id']}").json()
    assert cluster["size"] == 2
    assert {m["id"] for m in cluster["members"]} == set(SEEDS)


def test_unrelated_german_articles_get_their_own_clusters(client):
    seeds = post_seeds(client)
    seed_cluster = seeds["taz-summit-2018-05"]["cluster_id"]
    for article_id, text in [("flood", GERMAN_FLOOD), ("ukraine", GERMAN_TRUMP_UKRAINE)]:
        result = client.post("/articles", json={"id": article_id, "text": text}).json()
        assert result["cluster_id"] != seed_cluster, article_id
    assert client.get(f"/clusters/{seed_cluster}").json()["size"] == 2


def test_match_finds_the_seed_story_and_writes_nothing(client, row_counts):
    seeds = post_seeds(client)
    before = row_counts()
    text = seed_text("reuters-summit-2018-05").replace("Donnerstag", "Freitag")
    response = client.post("/match", json={"text": text})
    assert response.status_code == 200
    body = response.json()
    assert body["cluster_id"] == seeds["reuters-summit-2018-05"]["cluster_id"]
    assert body["candidates"] and body["candidates"][0]["score"] >= body["threshold"]
    assert row_counts() == before
