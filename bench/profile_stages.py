"""Per-article cost of each ingest stage, from a pyinstrument profile.

    python -m bench.profile_stages FILE.jsonl [--limit 1000] [--skip 200]

Ingests the records one at a time (the HTTP path: ``services.ingest.ingest``, one
transaction each) into a fresh SQLite file; the first ``--skip`` are ingested before
profiling starts (warm-up). Prints milliseconds per article for each stage: each
frame's own time goes to the innermost stage function around it (so nothing is counted
twice), and what no stage function encloses is "other". Works on any version of the
code that names its stage functions as below (old and new names are listed).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from itertools import islice
from pathlib import Path

from pyinstrument import Profiler

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.services import ingest
from app.store import migrate
from evaluation.run import record_to_article

# stage -> function names that make it (old and new names both listed)
STAGES = {
    "prepare (validate, extract, normalise, language)": ["prepare"],
    "analyse: features": ["build_features"],
    "analyse: signatures and band keys": ["signature", "posting_keys"],
    "probe (SQL)": ["probe"],
    "candidate articles and clusters (SQL or cache)": [
        "candidate_refs",
        "clusters_by_ids",
        "article_refs",
        "cluster_states",
    ],
    "document frequencies + scoring": ["idf_function", "score_clusters", "_decide"],
    "write: article, postings, cluster": [
        "add_article",
        "insert_article",
        "add",
        "_assign_cluster",
        "join_cluster",
        "_new_cluster",
        "insert_cluster",
        "insert_article_in_new_cluster",
        "file_postings",
        "file_rows",
    ],
    "write: term and language statistics": [
        "bump_term_stats",
        "add_term_counts",
        "write_pending_counts",
        "write_pending",
    ],
    "repair": ["split_if_two_stories"],
    "commit": ["commit"],
}


def stage_seconds(root) -> dict[str, float]:
    """Each frame's own time goes to the innermost stage around it (or "other")."""
    totals = dict.fromkeys([*STAGES, "other"], 0.0)
    owner = {name: stage for stage, names in STAGES.items() for name in names}

    def walk(frame, stage: str) -> None:
        stage = owner.get(frame.function, stage)
        totals[stage] += frame.total_self_time
        for child in frame.children:
            if not child.is_synthetic:  # a synthetic child's time is in total_self_time
                walk(child, stage)

    walk(root, "other")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--skip", type=int, default=200)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with args.file.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in islice(handle, args.limit)]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/profile.db"
        settings = Settings(database_url=url)
        config = settings.clustering()
        migrate.upgrade(url)
        sessions = make_sessionmaker(make_engine(url))

        def run(batch: list[dict]) -> None:
            for record in batch:
                with sessions() as session:
                    ingest.ingest(session, record_to_article(record), config, 10**6)

        run(records[: args.skip])
        measured = records[args.skip :]
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        run(measured)
        profiler.stop()
        seconds = time.perf_counter() - started
    totals = stage_seconds(profiler.last_session.root_frame())
    per_article = {stage: 1e3 * value / len(measured) for stage, value in totals.items()}
    report = {"articles": len(measured), "ms_per_article_total": 1e3 * seconds / len(measured)}
    report["stages_ms_per_article"] = per_article
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
