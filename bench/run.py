"""Index cost and probe latency of the SQL index, beside datasketch's own LSH (in memory
and on Redis), on the same signatures, as the index grows.

    python -m bench.run [--sizes 2000,10000,50000] [--memory-max 20000]
                        [--index-url postgresql://…] [--redis redis://127.0.0.1:6379/0]
                        [--redis-max 2000] [--out FILE]

Documents are synthetic news-like texts made from a fixed seed (a Zipf vocabulary plus
per-event names), so every system indexes exactly the same story-term MinHashes. The
whole pipeline is measured by ``bench.bulk`` (bulk ingest) and ``bench.http`` (online
ingest over HTTP). Ratios are the point: absolute times on shared machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from datasketch import MinHashLSH
from sqlalchemy import text

from app.clustering.config import ClusteringConfig
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.lsh.bands import posting_keys
from app.lsh.params import optimal_bands
from app.lsh.signatures import minhash
from app.services.analysis import ArticleIn
from app.store import migrate, repo
from app.store.models import STORY_INDEX
from app.text.features import story_terms
from bench.common import percentile

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


def story_signatures(articles: list[ArticleIn], config: ClusteringConfig):
    weights = config.story_weights()  # the service's own term weighting
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
            sample = signatures[:200]
            probes = {name: [] for name in systems}
            unvacuumed = None
            if engine.dialect.name == "postgresql":
                unvacuumed = _sql_probe_times(sessions, sample, b, r, config.bucket_cap)
                _vacuum_postings(engine)
            probes["sql"] = _sql_probe_times(sessions, sample, b, r, config.bucket_cap)
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
            with sessions() as session:
                index_bytes = _index_bytes(session, url)
            results["sizes"][size]["sql"].update(_rss_mb(), index_bytes_per_doc=index_bytes / size)
            if unvacuumed is not None:
                results["sizes"][size]["sql"].update(
                    before_vacuum_p50_ms=1e3 * statistics.median(unvacuumed),
                    before_vacuum_p99_ms=1e3 * percentile(unvacuumed, 0.99),
                )
            print(json.dumps({size: results["sizes"][size]}), flush=True)
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


def _sql_probe_times(sessions, sample, bands: int, rows: int, cap: int) -> list[float]:
    times = []
    with sessions() as session:
        store = repo.SqlBucketStore(session)
        for sig in sample:
            keys = posting_keys(sig.hashvalues, bands, rows)
            t0 = time.perf_counter()
            store.probe({STORY_INDEX: keys}, cap)
            times.append(time.perf_counter() - t0)
    return times


def _vacuum_postings(engine) -> None:
    """PostgreSQL: the visibility map autovacuum keeps on the postings table (migration
    0007 makes it vacuum after 1 % new rows, not 20 %), so that probes are index-only
    scans; a freshly bulk-built table has none, and every row a probe reads costs a
    heap fetch."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) lsh_postings"))


def _rss_mb() -> dict[str, float]:
    """This process's resident memory now (not its peak): its own (heap) and file pages
    (SQLite's memory-mapped database file, shared with the OS page cache)."""
    fields = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in ("RssAnon", "RssFile"):
                fields[name] = int(value.split()[0]) / 1024  # kB
    return {"rss_anon_mb": fields.get("RssAnon", 0.0), "rss_file_mb": fields.get("RssFile", 0.0)}


def _index_bytes(session, url: str) -> int:
    """The postings table with its indexes (PostgreSQL), or the whole file (SQLite: the
    index is all it holds)."""
    if session.get_bind().dialect.name == "postgresql":
        statement = text("SELECT pg_total_relation_size('lsh_postings')")
        return int(session.execute(statement).scalar_one())
    session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))  # all pages in the file
    return Path(session.get_bind().url.database).stat().st_size


def _without_foreign_keys(session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET session_replication_role = replica"))  # needs superuser
    else:
        session.execute(text("PRAGMA foreign_keys=OFF"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000,50000")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--redis-max", type=int, default=2000, help="largest size run on Redis")
    parser.add_argument("--memory-max", type=int, default=20000, help="largest size in memory")
    parser.add_argument("--index-url", help="database for the index benchmark (default SQLite)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    config = Settings().clustering()
    signatures = story_signatures(synthetic_articles(5000, seed=12), config)
    report = {
        "index": bench_index(
            signatures,
            config,
            sizes,
            args.redis or None,
            args.redis_max,
            args.memory_max,
            args.index_url,
        )
    }
    print(json.dumps(report), flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
