"""Every cluster carries a label a reader can take in: headline, terms as written,
names, languages, sources; the same in the list and on the cluster's page."""

from seeds.loader import SEEDS, seed_text
from tests.conftest import post_seeds
from tests.texts import ENGLISH_BRIDGE, ENGLISH_BRIDGE_OTHER_OUTLET


def test_the_seed_cluster_is_labelled_with_the_summit_in_german(client):
    cluster_id = post_seeds(client)["taz-summit-2018-05"]["cluster_id"]
    label = client.get(f"/clusters/{cluster_id}").json()["label"]
    assert label["headline_article"] in SEEDS
    assert label["headline"] and label["headline"] in seed_text(label["headline_article"])
    assert "Gipfeltreffen" in label["headline"]
    assert {"Trump", "Kim"} <= set(label["terms"])  # as written, not as stems
    assert {"Trump", "Kim"} <= set(label["names"]) <= set(label["terms"])
    assert label["languages"] == {"de": 2}
    listed = client.get("/clusters").json()["clusters"]
    assert [c["label"] for c in listed if c["id"] == cluster_id] == [label]


def test_a_titled_cluster_takes_its_central_members_title(client):
    for article_id, body, source in [
        ("b1", ENGLISH_BRIDGE, "courier"),
        ("b2", ENGLISH_BRIDGE_OTHER_OUTLET, "gazette"),
    ]:
        title, text = body.split("\n", 1)
        response = client.post(
            "/articles", json={"id": article_id, "title": title, "text": text, "source": source}
        )
        assert response.status_code == 201, response.text
    cluster_id = response.json()["cluster_id"]
    cluster = client.get(f"/clusters/{cluster_id}").json()
    assert cluster["size"] == 2
    label = cluster["label"]
    titles = {"b1": ENGLISH_BRIDGE.split("\n")[0], "b2": ENGLISH_BRIDGE_OTHER_OUTLET.split("\n")[0]}
    assert label["headline"] == titles[label["headline_article"]]
    assert "Millbrook" in label["names"] and "Millbrook" in label["terms"]
    assert not any(term[0].isdigit() for term in label["terms"])  # "1962" tells a reader little
    assert label["languages"] == {"en": 2} and label["sources"] == 2
