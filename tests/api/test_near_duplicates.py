"""Light edits of an article are recognised as copies of it."""

from seeds.loader import seed_text
from tests.texts import ENGLISH_BRIDGE, ENGLISH_BRIDGE_OTHER_OUTLET, PLAIN_FOOTER


def light_edit(text: str, headline: str, footer: str) -> str:
    paragraphs = [p for p in text.split("\n") if p.strip()]
    edited = paragraphs[:2] + paragraphs[3:]  # one paragraph dropped
    edited[1] = edited[1].replace(" said", " stated", 1).replace(" sagte", " erklärte", 1)
    return "\n".join([headline, *edited, footer])


def test_light_edit_is_a_duplicate_of_the_original(client):
    original = client.post("/articles", json={"id": "orig", "text": ENGLISH_BRIDGE}).json()
    edited_text = light_edit(ENGLISH_BRIDGE, "Millbrook span falls into river", PLAIN_FOOTER)
    copy = client.post("/articles", json={"id": "copy", "text": edited_text}).json()
    assert copy["duplicate_of"] == "orig"
    assert copy["cluster_id"] == original["cluster_id"]
    assert copy["near_duplicates"][0]["id"] == "orig"
    assert 0.5 <= copy["near_duplicates"][0]["similarity"] < 1.0

    detail = client.get("/articles/orig").json()
    assert detail["copies"] == ["copy"]


def test_light_edit_of_a_german_seed_is_a_duplicate(client):
    text = seed_text("reuters-summit-2018-05")
    client.post("/articles", json={"id": "reuters", "text": text})
    edited = light_edit(text, "Gipfel mit Kim weiter geplant", "© Nachrichtenagentur, alle Rechte")
    copy = client.post("/articles", json={"id": "reuters-edit", "text": edited}).json()
    assert copy["duplicate_of"] == "reuters"


def test_copy_of_a_copy_points_to_the_earliest_article(client):
    client.post("/articles", json={"id": "a", "text": ENGLISH_BRIDGE})
    client.post("/articles", json={"id": "b", "text": ENGLISH_BRIDGE + "\n" + PLAIN_FOOTER})
    third = client.post(
        "/articles", json={"id": "c", "text": ENGLISH_BRIDGE + "\nReporting by staff."}
    ).json()
    assert third["duplicate_of"] == "a"


def test_independent_report_of_the_same_event_is_not_a_duplicate(client):
    first = client.post("/articles", json={"id": "gazette", "text": ENGLISH_BRIDGE}).json()
    other = client.post(
        "/articles", json={"id": "herald", "text": ENGLISH_BRIDGE_OTHER_OUTLET}
    ).json()
    assert other["duplicate_of"] is None
    assert other["cluster_id"] == first["cluster_id"]
