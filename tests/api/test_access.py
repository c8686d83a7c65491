"""API keys, scopes and per-key rate limits (STORY_API_KEYS)."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from app.cli import open_access_warning
from app.config import Settings
from tests.texts import ENGLISH_BRIDGE, ENGLISH_ELECTION

READ_KEY = "read-key-0123456789abcdef"
WRITE_KEY = "write-key-0123456789abcdef"
KEYS = f"read:{READ_KEY},write:{WRITE_KEY}"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keyed(app_client):
    return lambda **overrides: app_client(api_keys=KEYS, **overrides)


def test_without_a_key_nothing_is_read_or_written(keyed, row_counts):
    with keyed() as client:
        answers = [
            client.post("/articles", json={"id": "a", "text": ENGLISH_BRIDGE}),
            client.get("/clusters"),
            client.delete("/articles/a"),
            client.post(
                "/articles", json={"id": "a", "text": ENGLISH_BRIDGE}, headers=bearer("x" * 20)
            ),
        ]
    for response in answers:
        assert response.status_code == 401
        assert response.json()["error"] == "Unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    assert row_counts()["articles"] == 0


def test_a_read_key_reads_and_a_write_key_does_both(keyed, row_counts):
    with keyed() as client:
        written = client.post(
            "/articles", json={"id": "a", "text": ENGLISH_BRIDGE}, headers=bearer(WRITE_KEY)
        )
        refused = client.post(
            "/articles", json={"id": "b", "text": ENGLISH_ELECTION}, headers=bearer(READ_KEY)
        )
        deleted = client.delete("/articles/a", headers=bearer(READ_KEY))
        read = client.get("/articles/a", headers=bearer(READ_KEY))
        read_by_writer = client.get("/clusters", headers=bearer(WRITE_KEY))
    assert written.status_code == 201
    assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
    assert deleted.status_code == 403
    assert read.status_code == 200 and read_by_writer.status_code == 200
    assert row_counts()["articles"] == 1


def test_reads_can_be_left_open(keyed):
    with keyed(reads_need_key=False) as client:
        assert client.get("/clusters").status_code == 200
        assert client.post("/match", json={"text": ENGLISH_BRIDGE}).status_code == 200
        assert client.post("/articles", json={"text": ENGLISH_BRIDGE}).status_code == 401


def test_health_and_metrics_need_no_key(keyed):
    with keyed() as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_each_key_has_its_own_rate_limit(keyed):
    with keyed(rate_limit_per_minute=3) as client:
        answers = [client.get("/clusters", headers=bearer(READ_KEY)) for _ in range(4)]
        other = client.get("/clusters", headers=bearer(WRITE_KEY))
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"] == "RateLimited"
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert other.status_code == 200


def test_keys_never_reach_the_log_or_the_settings_repr(keyed, caplog):
    caplog.set_level(logging.DEBUG)
    with keyed() as client:
        client.get("/clusters", headers=bearer(WRITE_KEY))
        client.get("/clusters", headers=bearer(READ_KEY + "-wrong"))
        settings = client.app.state.settings
    assert READ_KEY not in caplog.text and WRITE_KEY not in caplog.text
    assert WRITE_KEY not in repr(settings) and WRITE_KEY not in str(settings)


@pytest.mark.parametrize("entry", ["admin:" + "k" * 20, "read:short", "no-scope-" + "k" * 20])
def test_a_malformed_key_setting_is_refused_without_echoing_it(entry):
    with pytest.raises(ValidationError) as refused:
        Settings(api_keys=f"read:{READ_KEY},{entry}")
    assert "entry 2" in str(refused.value)
    assert entry not in str(refused.value) and READ_KEY not in str(refused.value)


def test_an_open_service_beyond_loopback_is_warned_about():
    assert open_access_warning(Settings(), "0.0.0.0") is not None
    assert open_access_warning(Settings(), "127.0.0.1") is None
    assert open_access_warning(Settings(), "::1") is None
    assert open_access_warning(Settings(api_keys=KEYS), "0.0.0.0") is None
