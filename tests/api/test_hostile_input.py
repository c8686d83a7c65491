"""Hostile input gets the documented 4xx JSON answer, changes nothing, and is treated
the same on SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import json

import pytest

from app.text.features import MAX_STORY_TERMS
from tests.texts import ENGLISH_BRIDGE, ENGLISH_ELECTION

LATE = "9999-12-31T23:59:59-14:00"  # year 10000 in UTC
EARLY = "0001-01-01T00:00:00+14:00"  # year 0 in UTC


def raw_post(client, path: str, body: str, method: str = "POST"):
    """A body sent as written: json= cannot carry a lone surrogate escape."""
    headers = {"content-type": "application/json"}
    return client.request(method, path, content=body.encode(), headers=headers)


def assert_invalid(response, field: str | None = None) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "InvalidInput"
    if field is not None:
        assert [e["loc"][-1] for e in body["detail"]] == [field]


@pytest.mark.parametrize("when", [LATE, EARLY])
@pytest.mark.parametrize(
    "method,path", [("POST", "/articles"), ("PUT", "/articles/a"), ("POST", "/match")]
)
def test_calendar_edge_dates_with_offsets_are_refused(client, row_counts, method, path, when):
    before = row_counts()
    body = {"id": "a", "text": ENGLISH_BRIDGE, "published_at": when}
    assert_invalid(client.request(method, path, json=body), "published_at")
    assert row_counts() == before


@pytest.mark.parametrize("when", [LATE, EARLY])
def test_calendar_edge_updated_since_is_refused(client, when):
    assert_invalid(client.get("/clusters", params={"updated_since": when}), "updated_since")


def test_dates_at_the_calendar_edge_in_utc_are_kept(client):
    body = {"id": "old", "text": ENGLISH_BRIDGE, "published_at": "0001-01-01T00:00:00Z"}
    assert client.post("/articles", json=body).status_code == 201
    assert client.get("/articles/old").json()["published_at"] == "0001-01-01T00:00:00Z"


@pytest.mark.parametrize("field", ["text", "title"])
def test_a_lone_surrogate_is_refused(client, row_counts, field):
    before = row_counts()
    body = {"id": "s", "text": ENGLISH_BRIDGE, field: "Bridge \\ud800 collapse"}
    text = json.dumps(body).replace("\\\\ud800", "\\ud800")  # the escape, not its text
    assert_invalid(raw_post(client, "/articles", text), field)
    assert row_counts() == before


@pytest.mark.parametrize("field", ["id", "source", "url", "lang"])
@pytest.mark.parametrize("character", ["\x00", "\x07", "\x85"])
def test_control_characters_in_names_are_refused(client, row_counts, field, character):
    before = row_counts()
    body = {"id": "c", "text": ENGLISH_BRIDGE, field: f"a{character}b"}
    assert_invalid(client.post("/articles", json=body), field)
    assert row_counts() == before


def test_control_characters_in_text_and_title_are_dropped_alike(client):
    body = {"id": "n", "title": "Bridge\x00 collapse", "text": ENGLISH_BRIDGE + "\x00"}
    assert client.post("/articles", json=body).status_code == 201
    assert client.get("/articles/n").json()["title"] == "Bridge collapse"


@pytest.mark.parametrize("cursor", ["\u00b2", "9" * 30, "-1", "1.5", " 1", str(2**63)])
@pytest.mark.parametrize("path", ["/clusters", "/clusters/1"])
def test_cursors_not_handed_out_are_refused(client, path, cursor):
    client.post("/articles", json={"id": "a", "text": ENGLISH_BRIDGE})
    response = client.get(path, params={"cursor": cursor})
    assert response.status_code == 422 and response.json()["error"] == "InvalidInput"


@pytest.mark.parametrize("cluster_id", ["9" * 25, "-" + "9" * 25, "0", str(2**63)])
def test_cluster_ids_beyond_64_bits_are_refused(client, cluster_id):
    assert_invalid(client.get(f"/clusters/{cluster_id}"), "cluster_id")


def test_largest_cluster_id_is_a_plain_404(client):
    response = client.get(f"/clusters/{2**63 - 1}")
    assert response.status_code == 404 and response.json()["error"] == "NotFound"


@pytest.mark.parametrize("min_size", ["9" * 25, str(2**31)])
def test_min_size_beyond_32_bits_is_refused(client, min_size):
    assert_invalid(client.get("/clusters", params={"min_size": min_size}), "min_size")
    assert client.get("/clusters", params={"min_size": 2**31 - 1}).status_code == 200


@pytest.mark.parametrize("param", ["a", "b"])
def test_explain_refuses_control_characters_in_ids(client, param):
    params = {"a": "x", "b": "y"} | {param: "x\x00y"}
    assert_invalid(client.get("/explain", params=params), param)


@pytest.mark.parametrize("when", ["1530520", "1530520.5"])
def test_a_bare_number_is_not_a_timestamp(client, when):
    assert_invalid(client.get("/clusters", params={"updated_since": when}), "updated_since")
    body = {"id": "n", "text": ENGLISH_BRIDGE, "published_at": float(when)}
    assert_invalid(client.post("/articles", json=body), "published_at")


def test_a_batch_answers_each_item_and_stores_only_the_valid(client):
    good = {"id": "b1", "text": ENGLISH_BRIDGE}
    bad = {"id": "b2", "text": ENGLISH_ELECTION, "published_at": LATE}
    response = client.post("/articles/batch", json={"articles": [good, bad]})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["status"] for item in items] == [201, 422]
    assert items[1]["error"]["error"] == "InvalidInput"
    assert client.get("/articles/b1").status_code == 200
    assert client.get("/articles/b2").status_code == 404


def test_an_id_with_slashes_can_be_read_replaced_and_deleted(client, row_counts):
    article_id = "https://example.org/2018/05/summit"
    assert (
        client.post("/articles", json={"id": article_id, "text": ENGLISH_BRIDGE}).status_code == 201
    )
    assert client.get(f"/articles/{article_id}").json()["id"] == article_id
    replaced = client.put(f"/articles/{article_id}", json={"text": ENGLISH_ELECTION})
    assert replaced.status_code == 200 and replaced.json()["id"] == article_id
    assert client.delete(f"/articles/{article_id}").status_code == 204
    assert client.get(f"/articles/{article_id}").status_code == 404
    assert row_counts()["articles"] == 0


def test_405_names_the_allowed_methods(client):
    response = client.put("/clusters/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["error"] == "MethodNotAllowed"


def test_timestamps_carry_their_utc_offset(client):
    body = {"id": "t", "text": ENGLISH_BRIDGE, "published_at": "2018-05-10T12:00:00+02:00"}
    client.post("/articles", json=body)
    article = client.get("/articles/t").json()
    assert article["published_at"] == "2018-05-10T10:00:00Z"
    assert article["ingested_at"].endswith("Z")


def test_the_text_limit_applies_after_unicode_normalisation(app_client, row_counts):
    # 1,000 characters that NFKC makes 18,000 (U+FDFA is one ligature of 18 letters)
    body = {"id": "fdfa", "text": ENGLISH_BRIDGE + " \ufdfa" * 1_000}
    with app_client(max_text_chars=10_000) as client:
        response = client.post("/articles", json=body)
    assert response.status_code == 422 and "normalised" in response.json()["detail"]
    assert row_counts()["articles"] == 0


def test_an_article_adds_at_most_the_capped_number_of_terms(client, row_counts):
    words = " ".join(
        f"w{a}{b}{c}x"
        for a in "abcdefghij"
        for b in "abcdefghij"
        for c in "abcdefghijklmnopqrstuvwxyz"[:30]
    )
    assert len(set(words.split())) > MAX_STORY_TERMS
    assert client.post("/articles", json={"id": "many", "text": words}).status_code == 201
    assert row_counts()["term_stats"] == MAX_STORY_TERMS


def test_pages_read_only_the_columns_they_answer_and_labels_a_bounded_part(client):
    from sqlalchemy import event

    client.post("/articles", json={"id": "r1", "text": ENGLISH_BRIDGE})
    cluster_id = client.get("/articles/r1").json()["cluster_id"]
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = client.app.state.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(f"/clusters/{cluster_id}").status_code == 200
        assert client.get("/clusters").status_code == 200
        assert client.get("/articles/r1").status_code == 200
        assert (
            client.post("/articles", json={"id": "r1", "text": ENGLISH_BRIDGE}).status_code == 200
        )
    finally:
        event.remove(engine, "before_cursor_execute", note)
    read = " ".join(statements)
    assert "articles.id" in read and "clusters.size" in read  # the pages' own columns
    assert "signature" not in read
    for statement in statements:  # the label's reads are bounded
        if "story_terms" in statement:
            assert "row_number()" in statement and "rank <=" in statement, statement
        assert "articles.text" not in statement.replace("substr(articles.text", ""), statement


def test_an_unknown_query_parameter_is_refused_not_ignored(client):
    response = client.get("/clusters", params={"min_sise": 5})
    assert response.status_code == 422 and "min_sise" in response.json()["detail"]
    assert client.get("/clusters", params={"min_size": 5}).status_code == 200
