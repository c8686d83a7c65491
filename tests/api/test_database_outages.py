"""A frozen or cut PostgreSQL, through a proxy the test controls: reads, writes and
readiness answer 503 JSON in bounded time, liveness never waits, nothing is left half
written, and the service recovers without a restart."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.config import Settings
from app.main import create_app
from app.services.check import check_database
from tests.tcp_proxy import TcpProxy
from tests.texts import ENGLISH_BRIDGE, ENGLISH_ELECTION, GERMAN_FLOOD

TIMEOUT_S = 1.5
# A call on an open connection ends at the client's deadline (the statement timeout
# + 1 s), give or take the watchdog's tick and the request itself.
OPEN_CONNECTION_WITHIN_S = TIMEOUT_S + 1.0 + 1.0
# A new connection ends at the connect timeout, which psycopg takes as at least 2 s per
# attempt, and sslmode "prefer" makes two attempts.
NEW_CONNECTION_WITHIN_S = 2 * 2.0 + 1.0


@pytest.fixture
def proxied(db_url):
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a PostgreSQL server to put a proxy in front of: the PostgreSQL run")
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    settings = Settings(
        database_url=url.set(host="127.0.0.1", port=proxy.port).render_as_string(False),
        auto_migrate=False,
        db_timeout_s=TIMEOUT_S,
        db_connect_timeout_s=1,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, proxy
    proxy.close()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_unavailable(response, seconds: float, within: float) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"] in {"Unavailable", "NotReady"}
    assert seconds < within, seconds


def read_and_write(client):
    """A read and a write, each with the seconds it took to be answered."""
    read = timed(lambda: client.get("/clusters"))
    write = timed(lambda: client.post("/articles", json={"id": "b", "text": ENGLISH_ELECTION}))
    return (*read, *write)


def test_a_frozen_database_gets_503_in_bounded_time_and_recovers(proxied, sessions, settings):
    client, proxy = proxied
    assert client.post("/articles", json={"id": "a", "text": ENGLISH_BRIDGE}).status_code == 201
    proxy.freeze()
    read, read_s, write, write_s = read_and_write(client)
    ready, ready_s = timed(lambda: client.get("/readyz"))
    alive, alive_s = timed(lambda: client.get("/healthz"))
    assert_unavailable(read, read_s, within=OPEN_CONNECTION_WITHIN_S)
    assert read.headers["retry-after"]
    assert_unavailable(write, write_s, within=NEW_CONNECTION_WITHIN_S)  # the read's was dropped
    assert_unavailable(ready, ready_s, within=2.0)
    assert alive.status_code == 200 and alive_s < 0.5
    proxy.restore()
    assert client.get("/clusters").status_code == 200  # no restart
    assert client.post("/articles", json={"id": "c", "text": GERMAN_FLOOD}).status_code == 201
    assert client.get("/articles/b").status_code in {200, 404}
    with sessions() as session:
        assert check_database(session, settings.clustering()) == []  # nothing half-written


def test_a_cut_database_gets_503_at_once_and_recovers(proxied, sessions, settings):
    client, proxy = proxied
    assert client.post("/articles", json={"id": "a", "text": ENGLISH_BRIDGE}).status_code == 201
    proxy.cut()
    read, read_s, write, write_s = read_and_write(client)
    assert_unavailable(read, read_s, within=1.5)
    assert_unavailable(write, write_s, within=1.5)
    proxy.restore()
    responses = [client.get("/clusters").status_code for _ in range(2)]
    assert responses[-1] == 200  # at most the first request after finds a dead connection
    assert client.post("/articles", json={"id": "b", "text": ENGLISH_ELECTION}).status_code == 201
    with sessions() as session:
        assert check_database(session, settings.clustering()) == []
