"""Throughput and latency, side by side with datasketch's own LSH (in memory and on Redis).

    python -m bench.run [--sizes 2000,10000,50000] [--http-requests 400] [--clients 8]
                        [--memory-max 20000] [--index-url postgresql://…]
                        [--http-database-url postgresql://…] [--http-workers 2]
                        [--redis redis://127.0.0.1:6379/0] [--redis-max 2000] [--out FILE]

Documents are synthetic news-like texts made from a fixed seed (a Zipf vocabulary plus
per-event names), so every system indexes exactly the same story-term MinHashes:

1. bulk ingest: story-clusters' whole pipeline (features, both indexes, assignment,
   commit) on SQLite, articles per second;
2. index cost per document, same signatures: our SQL postings (probe + insert) versus
   datasketch MinHashLSH in memory and with its Redis storage (query + insert);
3. probe latency as the index grows (p50/p99 per query at each size);
4. HTTP: POST /articles from concurrent clients against a uvicorn server on loopback.
Ratios are the point: absolute times on shared machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from datasketch import MinHashLSH
from sqlalchemy import text

from app.clustering.config import ClusteringConfig
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.lsh.bands import posting_keys
from app.lsh.params import optimal_bands
from app.lsh.signatures import minhash
from app.services import ingest
from app.services.analysis import ArticleIn, story_weights
from app.store import migrate, repo
from app.store.models import STORY_INDEX
from app.text.features import story_terms

VOCABULARY = [f"wort{i}" for i in range(20000)]


def synthetic_articles(n: int, seed: int = 11) -> list[ArticleIn]:
    """n articles about n/5 events: each event has names; text mixes names and common words."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
    articles = []
    for i in range(n):
        event = i // 5
        names = [f"Name{event}x{k}" for k in range(6)]
        words = rng.choices(VOCABULARY, weights=weights, k=220)
        words += [rng.choice(names) for _ in range(25)]
        rng.shuffle(words)
        sentences = [" ".join(words[j : j + 15]) + "." for j in range(0, len(words), 15)]
        articles.append(ArticleIn(id=f"doc{i}", text="\n".join(sentences), lang="en"))
    return articles


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_bulk_ingest(articles: list[ArticleIn], url: str) -> dict:
    settings = Settings(database_url=url)
    config = settings.clustering()
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    started = time.perf_counter()
    for article in articles:
        with sessions() as session:
            ingest.ingest(session, article, config, settings.max_text_chars)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"articles": len(articles), "seconds": seconds, "per_second": len(articles) / seconds}


def story_signatures(articles: list[ArticleIn], config: ClusteringConfig):
    weights = story_weights(config)  # the service's own term weighting
    return [
        minhash(
            (t.encode() for t in story_terms(None, a.text, "en", weights)),
            config.story_num_perm,
            config.minhash_seed,
        )
        for a in articles
    ]


def bench_index(
    signatures,
    config: ClusteringConfig,
    sizes,
    redis_url: str | None,
    redis_max: int,
    memory_max: int,
    index_url: str | None = None,
):
    """Index cost and probe latency: SQL postings vs datasketch (memory, Redis).
    The SQL index is a temporary SQLite file unless ``index_url`` names an empty,
    migratable database (its postings are deleted afterwards)."""
    b, r = optimal_bands(config.story_lsh_threshold, config.story_num_perm)
    results: dict = {"bands": [b, r], "sizes": {}}
    systems = {
        "sql": None,
        "datasketch_memory": MinHashLSH(num_perm=config.story_num_perm, params=(b, r)),
    }
    if redis_url:
        host_port = redis_url.split("//", 1)[1].split("/", 1)[0]
        host, port = host_port.split(":")
        # a name of its own, removed afterwards: never touch other data in that Redis
        basename = f"story-bench-{random.getrandbits(48):x}".encode()
        systems["datasketch_redis"] = MinHashLSH(
            num_perm=config.story_num_perm,
            params=(b, r),
            storage_config={
                "type": "redis",
                "basename": basename,
                "redis": {"host": host, "port": int(port)},
            },
        )
    with tempfile.TemporaryDirectory() as tmp:
        url = index_url or f"sqlite:///{tmp}/index.db"
        migrate.upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        inserted = 0
        for size in sizes:
            timings = {name: 0.0 for name in systems}
            with sessions() as session:
                # postings only, no article rows: the index alone is compared
                _without_foreign_keys(session)
                store = repo.SqlBucketStore(session)
                for i in range(inserted, size):
                    sig = signatures[i % len(signatures)]
                    keys = posting_keys(sig.hashvalues, b, r)
                    t0 = time.perf_counter()
                    store.probe({STORY_INDEX: keys}, config.bucket_cap)
                    store.add(i + 1, {STORY_INDEX: keys})
                    timings["sql"] += time.perf_counter() - t0
                    if (i + 1) % 2000 == 0:
                        session.commit()
                session.commit()
            if size > redis_max:
                systems.pop("datasketch_redis", None)  # a few thousand ops/s: too slow beyond
            if size > memory_max:
                systems.pop("datasketch_memory", None)  # its probe grows with the index
            for name, lsh in systems.items():
                if lsh is None:
                    continue
                t0 = time.perf_counter()
                for i in range(inserted, size):
                    sig = signatures[i % len(signatures)]
                    lsh.query(sig)
                    lsh.insert(f"d{i}", sig, check_duplication=False)
                timings[name] = time.perf_counter() - t0
            added = size - inserted
            inserted = size
            probes = {name: [] for name in systems}
            sample = signatures[:200]
            with sessions() as session:
                store = repo.SqlBucketStore(session)
                for sig in sample:
                    keys = posting_keys(sig.hashvalues, b, r)
                    t0 = time.perf_counter()
                    store.probe({STORY_INDEX: keys}, config.bucket_cap)
                    probes["sql"].append(time.perf_counter() - t0)
            for name, lsh in systems.items():
                if lsh is None:
                    continue
                for sig in sample:
                    t0 = time.perf_counter()
                    lsh.query(sig)
                    probes[name].append(time.perf_counter() - t0)
            results["sizes"][size] = {
                name: {
                    "index_us_per_doc": 1e6 * timings[name] / added,
                    "probe_p50_ms": 1e3 * statistics.median(probes[name]),
                    "probe_p99_ms": 1e3 * percentile(probes[name], 0.99),
                }
                for name in systems
            }
        if index_url:  # leave the given database as it was found
            with sessions() as session:
                session.execute(text("DELETE FROM lsh_postings"))
                session.commit()
        engine.dispose()
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=basename + b"*"):
            client.delete(key)
    return results


def bench_http(
    articles: list[ArticleIn],
    clients: int,
    port: int = 8765,
    database_url: str | None = None,
    workers: int = 1,
) -> dict:
    """POST /articles from concurrent clients to uvicorn (``workers`` processes) on a
    fresh SQLite file, or on ``database_url`` (migrated first; it should be empty)."""
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{tmp}/http.db"
        migrate.upgrade(url)
        env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            latencies: list[float] = []

            def post(article: ArticleIn) -> None:
                t0 = time.perf_counter()
                response = httpx.post(
                    f"{base}/articles", json={"id": article.id, "text": article.text}, timeout=60
                )
                response.raise_for_status()
                latencies.append(time.perf_counter() - t0)

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                list(pool.map(post, articles))
            seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
    return {
        "requests": len(articles),
        "clients": clients,
        "workers": workers,
        "database": url.split(":", 1)[0],
        "per_second": len(articles) / seconds,
        "p50_ms": 1e3 * statistics.median(latencies),
        "p99_ms": 1e3 * percentile(latencies, 0.99),
    }


def _without_foreign_keys(session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET session_replication_role = replica"))  # needs superuser
    else:
        session.execute(text("PRAGMA foreign_keys=OFF"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000,50000")
    parser.add_argument("--bulk", type=int, default=2000)
    parser.add_argument("--http-requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--http-workers", type=int, default=1, help="uvicorn processes")
    parser.add_argument("--http-database-url", help="database for the HTTP run (default SQLite)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--redis-max", type=int, default=2000, help="largest size run on Redis")
    parser.add_argument("--memory-max", type=int, default=20000, help="largest size in memory")
    parser.add_argument("--index-url", help="database for the index benchmark (default SQLite)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    config = Settings().clustering()
    report: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        report["bulk_ingest"] = bench_bulk_ingest(
            synthetic_articles(args.bulk), f"sqlite:///{tmp}/bulk.db"
        )
    print(json.dumps({"bulk_ingest": report["bulk_ingest"]}), flush=True)
    signatures = story_signatures(synthetic_articles(5000, seed=12), config)
    report["index"] = bench_index(
        signatures,
        config,
        sizes,
        args.redis or None,
        args.redis_max,
        args.memory_max,
        args.index_url,
    )
    print(json.dumps({"index": report["index"]}), flush=True)
    report["http"] = bench_http(
        synthetic_articles(args.http_requests, seed=13),
        args.clients,
        database_url=args.http_database_url,
        workers=args.http_workers,
    )
    print(json.dumps({"http": report["http"]}), flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
