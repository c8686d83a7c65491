"""`serve`, for real: with two workers /metrics counts every worker's requests,
whichever worker answers the scrape; SIGTERM ends it within the grace period."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from bench.common import free_port


def _counted(metrics: str, route: str) -> float:
    labels = rf'method="GET",route="{re.escape(route)}",status="200"'
    pattern = rf"story_request_seconds_count\{{{labels}\}} (\S+)"
    found = re.search(pattern, metrics)
    return float(found.group(1)) if found else 0.0


def test_metrics_sum_all_workers(tmp_path):
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path}/serve.db"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server, base = _serve(env, "--workers", "2")
    try:
        _wait_ready(base)
        for _ in range(30):  # a new connection each: the workers share them out
            assert httpx.get(f"{base}/clusters").status_code == 200
        scrapes = [_counted(httpx.get(f"{base}/metrics").text, "/clusters") for _ in range(6)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert scrapes == [30.0] * 6


def test_sigterm_ends_serve_within_the_grace_period_while_the_database_hangs(db_url, tmp_path):
    """A request stuck on a frozen database must not hold the shutdown past the grace."""
    import signal
    import threading

    from sqlalchemy.engine import make_url

    from tests.tcp_proxy import TcpProxy

    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a PostgreSQL server to put a proxy in front of: the PostgreSQL run")
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    env = os.environ | {
        "DATABASE_URL": proxied,
        "STORY_SHUTDOWN_GRACE_S": "3",
        "STORY_DB_TIMEOUT_S": "60",  # the request would hang for a minute
    }
    server, base = _serve(env)
    try:
        _wait_ready(base)
        proxy.freeze()
        hung = threading.Thread(
            target=lambda: _ignore_errors(httpx.get, f"{base}/clusters", timeout=90)
        )
        hung.start()
        time.sleep(1.0)  # the request is now waiting on the database
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        stopped_after = time.monotonic() - started
    finally:
        proxy.close()
        if server.poll() is None:
            server.kill()
    assert stopped_after < 3 + 2.0, stopped_after


def _serve(env: dict, *options: str) -> tuple[subprocess.Popen, str]:
    """`story-clusters serve` on a free port, and its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *options]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return server, f"http://127.0.0.1:{port}"


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the service did not become ready")


def _ignore_errors(call, *args, **kwargs) -> None:
    with contextlib.suppress(httpx.HTTPError):
        call(*args, **kwargs)
