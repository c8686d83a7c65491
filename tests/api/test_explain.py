"""GET /explain shows every signal behind a story decision."""

from seeds.loader import SEEDS, seed_text
from tests.texts import ENGLISH_BRIDGE, GERMAN_FLOOD


def test_explain_seeds_share_a_story_with_named_terms(client):
    for article_id in SEEDS:
        client.post("/articles", json={"id": article_id, "text": seed_text(article_id)})
    body = client.get(
        "/explain", params={"a": "taz-summit-2018-05", "b": "reuters-summit-2018-05"}
    ).json()
    assert body["same_cluster"] is True and body["same_copy_group"] is False
    terms = [t["term"] for t in body["shared_terms"]]
    assert {"kim", "trump"} <= set(terms)
    signals = body["signals"]
    assert signals["story_cosine"] >= body["thresholds"]["join"]
    assert signals["dup_jaccard_exact"] < 0.1 and signals["dup_bands_collided"] == []
    assert 0 < signals["story_jaccard_exact"] < 1
    assert signals["story_bands_collided"]


def test_explain_unrelated_and_copies(client):
    client.post("/articles", json={"id": "bridge", "text": ENGLISH_BRIDGE})
    client.post("/articles", json={"id": "copy", "text": ENGLISH_BRIDGE + "\nUpdated at noon."})
    client.post("/articles", json={"id": "flood", "text": GERMAN_FLOOD})
    unrelated = client.get("/explain", params={"a": "flood", "b": "bridge"}).json()
    assert unrelated["same_cluster"] is False and unrelated["shared_terms"] == []
    copy = client.get("/explain", params={"a": "copy", "b": "bridge"}).json()
    assert copy["same_copy_group"] is True
    assert copy["signals"]["dup_jaccard_exact"] >= 0.8
    assert len(copy["signals"]["dup_bands_collided"]) > 0
    missing = client.get("/explain", params={"a": "copy", "b": "nope"})
    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"
