"""A database that cannot be reached answers 503 JSON with Retry-After; a bug answers
500 JSON without its details. Both databases here are real and really unreachable."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.services import query
from tests.api.test_request_metrics import requests_counted
from tests.texts import ENGLISH_BRIDGE

UNREACHABLE = [
    "sqlite:////nonexistent-directory/story.db",  # cannot be opened
    "postgresql://postgres@127.0.0.1:1/test",  # nothing listens there
]


@pytest.mark.parametrize("url", UNREACHABLE, ids=["sqlite", "postgresql"])
def test_an_unreachable_database_answers_503_json(url):
    settings = Settings(database_url=url, auto_migrate=False)
    counted = requests_counted("GET", "/clusters", "503")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answers = [
            client.get("/clusters"),
            client.post("/articles", json={"id": "a", "text": ENGLISH_BRIDGE}),
            client.get("/readyz"),
        ]
        batch = client.post("/articles/batch", json={"articles": [{"text": ENGLISH_BRIDGE}]})
        assert client.get("/healthz").status_code == 200  # liveness needs no database
    for response in answers:
        assert response.status_code == 503, response.text
        assert response.json()["error"] in {"Unavailable", "NotReady"}
    assert answers[0].headers["retry-after"] == answers[1].headers["retry-after"]
    assert int(answers[0].headers["retry-after"]) > 0
    assert batch.json()["items"][0]["status"] == 503
    assert requests_counted("GET", "/clusters", "503") == counted + 1


def test_an_unexpected_error_answers_500_json_without_details(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(query, "list_clusters", broken)
    counted = requests_counted("GET", "/clusters", "500")
    with TestClient(client.app, raise_server_exceptions=False) as fresh:
        response = fresh.get("/clusters")
    assert response.status_code == 500
    assert response.json() == {
        "error": "InternalError",
        "detail": "internal error; it has been logged",
    }
    assert requests_counted("GET", "/clusters", "500") == counted + 1  # 5xx are counted
