"""Structured logs: a request id on every answer and log line, no article text."""

from __future__ import annotations

import json
import logging

from app.logs import JsonFormatter, request_id
from tests.texts import ENGLISH_BRIDGE


def test_every_answer_carries_a_request_id_and_a_plain_one_is_echoed(client):
    made = client.get("/clusters").headers["x-request-id"]
    assert len(made) == 32
    assert client.get("/clusters").headers["x-request-id"] != made
    echoed = client.get("/clusters", headers={"X-Request-ID": "crawler-7.batch-42"})
    assert echoed.headers["x-request-id"] == "crawler-7.batch-42"
    replaced = client.get("/clusters", headers={"X-Request-ID": "two words"})
    assert replaced.headers["x-request-id"] != "two words"
    assert client.get("/nowhere").headers["x-request-id"]  # errors too


def test_the_access_line_names_the_request_and_never_its_text(client, caplog):
    caplog.set_level(logging.INFO, logger="story_clusters.access")
    response = client.post(
        "/articles", json={"id": "a", "text": ENGLISH_BRIDGE}, headers={"X-Request-ID": "req-1"}
    )
    (line,) = [r for r in caplog.records if r.name == "story_clusters.access"]
    entry = json.loads(JsonFormatter().format(line))
    assert entry["message"] == "request" and entry["status"] == response.status_code == 201
    assert entry["route"] == "/articles" and entry["method"] == "POST"
    assert entry["ms"] >= 0 and entry["request_id"] == "req-1"
    assert "Millbrook" not in caplog.text and "Millbrook" not in json.dumps(entry)


def test_log_lines_are_json_with_the_current_request_id():
    record = logging.LogRecord(
        "story_clusters", logging.WARNING, "", 0, "database down", None, None
    )
    token = request_id.set("abc123")
    try:
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert entry["level"] == "warning" and entry["message"] == "database down"
    assert entry["request_id"] == "abc123" and entry["time"].endswith("+00:00")
