"""`serve --workers 2`, for real: /metrics counts every worker's requests, whichever
worker answers the scrape."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _counted(metrics: str, route: str) -> float:
    labels = rf'method="GET",route="{re.escape(route)}",status="200"'
    pattern = rf"story_request_seconds_count\{{{labels}\}} (\S+)"
    found = re.search(pattern, metrics)
    return float(found.group(1)) if found else 0.0


def test_metrics_sum_all_workers(tmp_path):
    port = _free_port()
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path}/serve.db"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        for _ in range(30):  # a new connection each: the workers share them out
            assert httpx.get(f"{base}/clusters").status_code == 200
        scrapes = [_counted(httpx.get(f"{base}/metrics").text, "/clusters") for _ in range(6)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert scrapes == [30.0] * 6
