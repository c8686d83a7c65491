"""Bulk ingest of a JSONL file beside datasketch's in-memory pipeline, in one run.

    python -m bench.bulk FILE.jsonl [--limit N] [--workers N] [--batch-size N]
                         [--postgres postgresql://user@host:5432/db] [--out FILE]

1. reference: datasketch's own pipeline on the same records (lower-cased word tokens,
   word 5-shingles, ``MinHash(128).update_batch``, ``MinHashLSH(threshold=0.5)`` filled
   in an insertion session), documents per second;
2. story-clusters' bulk ingest (``story-clusters ingest``'s code path: analysis in
   worker processes, one writer deciding and committing in batches; both indexes,
   clustering, statistics) into a fresh SQLite file, and into a fresh PostgreSQL
   database made on the given server (dropped afterwards) with ``--postgres``.

The machine is shared and noisy: the ratio to the reference is the number to read.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from itertools import islice
from pathlib import Path

from datasketch import MinHashLSH
from sqlalchemy.engine import make_url

from app.cli import parse_record
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.services.analysis import warm_up
from app.services.bulk import bulk_ingest
from app.store import migrate
from bench.common import ReferenceSketcher, fresh_postgres, report_beside, write_report


def limited_copy(source: Path, limit: int | None, folder: str) -> Path:
    if limit is None:
        return source
    target = Path(folder) / "records.jsonl"
    with source.open(encoding="utf-8") as reader, target.open("w", encoding="utf-8") as out:
        out.writelines(islice(reader, limit))
    return target


def datasketch_pipeline(path: Path) -> dict:
    """The reference: what datasketch alone does with the same texts."""
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    sketcher = ReferenceSketcher()
    started = time.perf_counter()
    documents = 0
    with lsh.insertion_session() as session, path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            session.insert(f"{documents}:{record.get('id')}", sketcher.sketch(record))
            documents += 1
    seconds = time.perf_counter() - started
    return {"documents": documents, "seconds": seconds, "per_second": documents / seconds}


def ours(path: Path, url: str, workers: int | None, batch_size: int | None) -> dict:
    settings = Settings(database_url=url)
    config = settings.clustering()
    migrate.upgrade(url)
    warm_up(config)  # the service does this before serving; so does the CLI's first batch
    engine = make_engine(url)
    started = time.perf_counter()
    summary = bulk_ingest(
        path,
        make_sessionmaker(engine),
        config,
        settings.max_text_chars,
        parse_record,
        workers=workers,
        batch_size=batch_size,
    )
    seconds = time.perf_counter() - started
    engine.dispose()
    done = summary.created + summary.repeated
    return {
        "database": make_url(url).get_backend_name(),
        "created": summary.created,
        "failed": summary.failed,
        "seconds": seconds,
        "per_second": done / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--limit", type=int, help="only the first N records")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None, help="default: bulk ingest's")
    parser.add_argument("--postgres", help="a PostgreSQL server URL to run on as well")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = limited_copy(args.file, args.limit, tmp)
        report["datasketch_memory"] = reference = datasketch_pipeline(path)
        print(json.dumps({"datasketch_memory": reference}), flush=True)
        runs = [("sqlite", f"sqlite:///{tmp}/bulk.db", None)]
        if args.postgres:
            url, drop = fresh_postgres(args.postgres)
            runs.append(("postgresql", url, drop))
        for name, url, cleanup in runs:
            try:
                result = ours(path, url, args.workers, args.batch_size)
            finally:
                if cleanup:
                    cleanup()
            report_beside(report, f"story_clusters_{name}", result, "datasketch_memory")
    write_report(report, args.out)


if __name__ == "__main__":
    main()
