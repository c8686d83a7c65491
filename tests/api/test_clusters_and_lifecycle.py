"""Cluster listing and paging, deletion, replacement, restart, health."""

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from app.main import create_app
from tests.texts import (
    ENGLISH_BRIDGE,
    ENGLISH_BRIDGE_OTHER_OUTLET,
    ENGLISH_ELECTION,
    GERMAN_FLOOD,
    GERMAN_FLOOD_FOLLOWUP,
)


def test_cluster_members_are_paginated(client):
    ids = ["b1", "b2", "b3"]
    variants = [ENGLISH_BRIDGE, ENGLISH_BRIDGE + "\nMore later.", ENGLISH_BRIDGE_OTHER_OUTLET]
    for article_id, text in zip(ids, variants, strict=True):
        cluster_id = client.post("/articles", json={"id": article_id, "text": text}).json()[
            "cluster_id"
        ]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/clusters/{cluster_id}", params=params).json()
        seen += [m["id"] for m in page["members"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert client.get(f"/clusters/{cluster_id}", params={"limit": 0}).status_code == 422
    assert client.get(f"/clusters/{cluster_id}", params={"cursor": "zz"}).status_code == 422


def test_cluster_list_filters_and_pages(client):
    client.post("/articles", json={"id": "b1", "text": ENGLISH_BRIDGE})
    client.post("/articles", json={"id": "b2", "text": ENGLISH_BRIDGE_OTHER_OUTLET})
    client.post("/articles", json={"id": "e1", "text": ENGLISH_ELECTION})
    client.post("/articles", json={"id": "f1", "text": GERMAN_FLOOD})
    all_clusters = client.get("/clusters").json()["clusters"]
    assert sorted(c["size"] for c in all_clusters) == [1, 1, 2]
    assert [
        c["size"] for c in client.get("/clusters", params={"min_size": 2}).json()["clusters"]
    ] == [2]
    first = client.get("/clusters", params={"limit": 2}).json()
    second = client.get("/clusters", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["clusters"]) == 2 and len(second["clusters"]) == 1
    assert second["next_cursor"] is None
    future = client.get("/clusters", params={"updated_since": "2999-01-01T00:00:00Z"}).json()
    assert future["clusters"] == []


def test_delete_removes_article_postings_and_membership(client, row_counts):
    first = client.post("/articles", json={"id": "f1", "text": GERMAN_FLOOD}).json()
    client.post("/articles", json={"id": "e1", "text": ENGLISH_ELECTION})
    counts = row_counts()
    second = client.post("/articles", json={"id": "f2", "text": GERMAN_FLOOD_FOLLOWUP}).json()
    assert second["cluster_id"] == first["cluster_id"]
    assert client.delete("/articles/f2").status_code == 204
    assert client.get("/articles/f2").status_code == 404
    after = row_counts()
    assert after["lsh_postings"] == counts["lsh_postings"]
    assert after["articles"] == counts["articles"]
    assert client.get(f"/clusters/{first['cluster_id']}").json()["size"] == 1
    assert client.delete("/articles/f2").status_code == 404


def test_deleting_an_original_keeps_its_copies_grouped(client):
    client.post("/articles", json={"id": "a", "text": ENGLISH_BRIDGE})
    client.post("/articles", json={"id": "b", "text": ENGLISH_BRIDGE + "\nUpdated."})
    client.post("/articles", json={"id": "c", "text": ENGLISH_BRIDGE + "\nMore soon."})
    assert client.delete("/articles/a").status_code == 204
    assert client.get("/articles/b").json()["duplicate_of"] is None
    assert client.get("/articles/c").json()["duplicate_of"] == "b"


def test_put_replaces_and_reindexes(client):
    client.post("/articles", json={"id": "x", "text": ENGLISH_BRIDGE})
    bridge_cluster = client.get("/articles/x").json()["cluster_id"]
    replaced = client.put("/articles/x", json={"text": ENGLISH_ELECTION})
    assert replaced.status_code == 200
    assert replaced.json()["cluster_id"] != bridge_cluster
    assert client.get(f"/clusters/{bridge_cluster}").status_code == 404


def test_a_restart_on_the_same_database_gives_the_same_answers(settings):
    with TestClient(create_app(settings)) as first:
        first.post("/articles", json={"id": "b1", "text": ENGLISH_BRIDGE})
        first.post("/articles", json={"id": "e1", "text": ENGLISH_ELECTION})
        expected = first.post("/match", json={"text": ENGLISH_BRIDGE_OTHER_OUTLET}).json()
    with TestClient(create_app(settings)) as second:
        assert second.post("/match", json={"text": ENGLISH_BRIDGE_OTHER_OUTLET}).json() == expected
        created = second.post("/articles", json={"id": "b2", "text": ENGLISH_BRIDGE_OTHER_OUTLET})
        assert created.json()["cluster_id"] == second.get("/articles/b1").json()["cluster_id"]


def test_health_readiness_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"

    def ingested(outcome: str) -> float:
        labels = {"outcome": outcome}
        return REGISTRY.get_sample_value("story_articles_ingested_total", labels) or 0.0

    created, repeated = ingested("created"), ingested("repeat")
    client.post("/articles", json={"id": "e1", "text": ENGLISH_ELECTION})
    client.post("/articles", json={"id": "e1", "text": ENGLISH_ELECTION})
    assert (ingested("created"), ingested("repeat")) == (created + 1, repeated + 1)
    assert "story_articles_ingested_total" in client.get("/metrics").text
