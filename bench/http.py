"""Online ingest over HTTP beside datasketch's MinHashLSH on Redis, in one run.

    python -m bench.http FILE.jsonl [--requests 2000] [--clients 32] [--workers 1,2,4]
                         [--analysis-processes 1]
                         [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
                         [--redis redis://127.0.0.1:6379/0] [--out FILE]

1. reference: datasketch ``MinHashLSH(threshold=0.5, num_perm=128)`` with its Redis
   storage, online: for each document in turn, tokens, word 5-shingles, ``MinHash``,
   ``query`` then ``insert`` (what a service built on it does per article);
2. story-clusters: ``POST /articles`` of the same documents from ``--clients``
   concurrent clients (kept-alive connections) against uvicorn with N worker
   processes (``story-clusters serve --workers N`` runs the same) on a fresh
   PostgreSQL database (made on the given server, dropped afterwards), for each N, and
   for each number of analysis processes per worker (``STORY_ANALYSIS_PROCESSES``; 0:
   analysis in the request threads, as before they existed).

Throughput is requests per second over the whole run; latency p50/p99 per request;
CPU milliseconds per request of the service's processes, the database (or Redis)
server's and the clients', and how busy the machine's cores were (``machine_busy``,
1.0: every core busy all the time), from Linux's /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path

import httpx
from datasketch import MinHashLSH

from app.store import migrate
from bench.common import (
    CpuMeter,
    ReferenceSketcher,
    free_port,
    fresh_postgres,
    percentile,
    report_beside,
    write_report,
)

API_FIELDS = ("id", "title", "text", "html", "url", "source", "published_at", "lang")


def read_records(path: Path, limit: int) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in islice(handle, limit)]


def datasketch_redis_online(records: list[dict], redis_url: str) -> dict:
    import redis

    host_port = redis_url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    basename = f"story-bench-{random.getrandbits(48):x}".encode()  # ours alone, removed after
    lsh = MinHashLSH(
        threshold=0.5,
        num_perm=128,
        storage_config={
            "type": "redis",
            "basename": basename,
            "redis": {"host": host, "port": int(port)},
        },
    )
    sketcher = ReferenceSketcher()
    latencies = []
    meter = CpuMeter(None, server_names=("redis-server",))
    started = time.perf_counter()
    try:
        for i, record in enumerate(records):
            t0 = time.perf_counter()
            sketch = sketcher.sketch(record)
            lsh.query(sketch)
            lsh.insert(f"{i}", sketch, check_duplication=False)
            latencies.append(time.perf_counter() - t0)
        seconds = time.perf_counter() - started
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=basename + b"*"):
            client.delete(key)
    return _summary(len(records), seconds, latencies) | meter.stop(len(records))


def _summary(requests: int, seconds: float, latencies: list[float]) -> dict:
    return {
        "requests": requests,
        "seconds": seconds,
        "per_second": requests / seconds,
        "p50_ms": 1e3 * statistics.median(latencies),
        "p99_ms": 1e3 * percentile(latencies, 0.99),
    }


def serve(url: str, workers: int, analysis_processes: int, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "STORY_AUTO_MIGRATE": "false"}
    env["STORY_ANALYSIS_PROCESSES"] = str(analysis_processes)
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not become ready in 60 s")


def story_clusters_http(
    records: list[dict], clients: int, workers: int, analysis_processes: int, server_url: str
) -> dict:
    url, drop = fresh_postgres(server_url)
    port = free_port()
    try:
        migrate.upgrade(url)
        server = serve(url, workers, analysis_processes, port)
        try:
            latencies: list[float] = []
            errors: list[int] = []
            base = f"http://127.0.0.1:{port}"
            limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
            with httpx.Client(base_url=base, timeout=120, limits=limits) as http:

                def post(record: dict) -> None:
                    body = {key: record[key] for key in API_FIELDS if record.get(key)}
                    t0 = time.perf_counter()
                    response = http.post("/articles", json=body)
                    latencies.append(time.perf_counter() - t0)
                    if response.status_code not in (200, 201):
                        errors.append(response.status_code)

                meter = CpuMeter(server.pid)
                started = time.perf_counter()
                with ThreadPoolExecutor(max_workers=clients) as pool:
                    list(pool.map(post, records))
                seconds = time.perf_counter() - started
                cpu = meter.stop(len(records))
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        drop()
    result = _summary(len(records), seconds, latencies) | cpu
    result.update(
        workers=workers, analysis_processes=analysis_processes, clients=clients, errors=len(errors)
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--analysis-processes", default="1", help="per worker, e.g. 0,1")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    records = read_records(args.file, args.requests)
    report: dict = {"datasketch_redis": datasketch_redis_online(records, args.redis)}
    print(json.dumps(report), flush=True)
    for analysis in (int(a) for a in args.analysis_processes.split(",")):
        for workers in (int(w) for w in args.workers.split(",")):
            result = story_clusters_http(records, args.clients, workers, analysis, args.postgres)
            name = f"story_clusters_workers_{workers}_analysis_{analysis}"
            report_beside(report, name, result, "datasketch_redis")
    write_report(report, args.out)


if __name__ == "__main__":
    main()
