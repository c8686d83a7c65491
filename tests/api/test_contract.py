"""Idempotency, conflicts, validation and limits: bad input changes nothing."""

import pytest
from sqlalchemy import text

from tests.texts import ENGLISH_BRIDGE, ENGLISH_ELECTION


def test_same_id_same_content_is_idempotent(client, row_counts):
    first = client.post("/articles", json={"id": "x", "text": ENGLISH_BRIDGE})
    counts = row_counts()
    again = client.post("/articles", json={"id": "x", "text": ENGLISH_BRIDGE})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert row_counts() == counts


def test_same_id_other_content_conflicts(client, row_counts):
    client.post("/articles", json={"id": "x", "text": ENGLISH_BRIDGE})
    counts = row_counts()
    response = client.post("/articles", json={"id": "x", "text": ENGLISH_ELECTION})
    assert response.status_code == 409
    assert response.json()["error"] == "Conflict"
    assert row_counts() == counts


def test_missing_id_is_generated(client):
    body = client.post("/articles", json={"text": ENGLISH_ELECTION}).json()
    assert len(body["id"]) >= 16
    assert client.get(f"/articles/{body['id']}").status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"id": "a"},
        {"id": "a", "text": ""},
        {"id": "a", "text": "   \n\t  "},
        {"id": "a", "text": "1234 5678 !!! ???"},
        {"id": "a", "text": "und oder aber the and of"},
        {"id": "a", "text": ENGLISH_ELECTION, "published_at": "yesterday"},
        {"id": "a", "text": ENGLISH_ELECTION, "published_at": "2018-13-45"},
        {"id": "a", "text": 42},
        {"id": "a", "text": ["list"]},
        {"id": "a", "text": ENGLISH_ELECTION, "html": "<p>both</p>"},
        {"id": "a", "text": ENGLISH_ELECTION, "colour": "red"},
        {"id": "", "text": ENGLISH_ELECTION},
        {"id": " padded ", "text": ENGLISH_ELECTION},
    ],
)
def test_bad_input_is_rejected_and_writes_nothing(client, row_counts, payload):
    before = row_counts()
    response = client.post("/articles", json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "InvalidInput" and body["detail"]
    assert row_counts() == before


def test_invalid_json_and_invalid_utf8_are_rejected(client, row_counts):
    before = row_counts()
    for content in [b"{not json", b'{"id": "a", "text": "caf\xe9 au lait"}']:
        response = client.post(
            "/articles", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
        assert response.json()["error"] == "InvalidInput"
    assert row_counts() == before


def test_oversize_body_gets_413(client, row_counts):
    before = row_counts()
    response = client.post("/articles", json={"id": "big", "text": "wort " * 60_000})
    assert response.status_code == 413
    assert response.json()["error"] == "PayloadTooLarge"
    assert row_counts() == before


def test_unknown_routes_and_ids_are_json_404(client):
    for path in ["/articles/nope", "/clusters/999999", "/nowhere"]:
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"] == "NotFound"


def test_html_goes_through_the_extractor(client, sessions):
    paragraphs = "".join(f"<p>{p}</p>" for p in ENGLISH_BRIDGE.split("\n")[1:])
    html = (
        "<html><head><title>Bridge collapse closes river crossing</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/sport'>Sport</a> <a href='/weather'>Weather</a></nav>"
        "<article><h1>Bridge collapse closes river crossing in Millbrook</h1>"
        f"{paragraphs}</article>"
        "<footer>Subscribe to our newsletter. Cookie settings. Imprint.</footer></body></html>"
    )
    from_text = client.post("/articles", json={"id": "t", "text": ENGLISH_BRIDGE}).json()
    from_html = client.post("/articles", json={"id": "h", "html": html, "url": "https://x.test/a"})
    assert from_html.status_code == 201, from_html.text
    body = from_html.json()
    assert body["duplicate_of"] == "t" and body["cluster_id"] == from_text["cluster_id"]
    detail = client.get("/articles/h").json()
    assert detail["title"].startswith("Bridge collapse closes river crossing")  # the page's title
    with sessions() as session:
        stored = session.execute(text("SELECT text FROM articles WHERE id = 'h'")).scalar_one()
    assert "Millbrook" in stored  # the article's own text was kept ...
    assert "Cookie" not in stored and "Sport" not in stored  # ... footer and navigation not


def test_batch_reports_each_item_in_order(client, row_counts):
    response = client.post(
        "/articles/batch",
        json={"articles": [{"id": "a", "text": ENGLISH_BRIDGE}, {"id": "b", "text": " "}]},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["status"] for i in items] == [201, 422]
    assert items[0]["result"]["id"] == "a" and items[1]["error"]["error"] == "InvalidInput"
    assert row_counts()["articles"] == 1
