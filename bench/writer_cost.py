"""The bulk writer's cost per article, counted in instructions, for comparing versions.

Bulk ingest on these machines is bounded by its one writer, and a run's rate drifts by a
quarter between hours, so a change worth 3 % of the writer cannot be seen in articles
per second. valgrind's callgrind counts the instructions a process executes, the same
whatever else the machine does (two runs of one version: 0.05 % apart).

The first N records of a JSONL file are analysed beforehand (as bulk ingest's workers
analyse them) and saved; then they are replayed through the writer
(``ingest.ingest_batch``) on a fresh SQLite file, in batches, each batch's early
probes made just before it on a snapshot reader, as the workers make them. Under
callgrind the replay runs twice, once only loading the analyses and once whole: the
difference is the writer's instructions, its probes' included. ``--timer`` measures
the replay's process time instead (no valgrind; as noisy as the machine).

    python -m bench.writer_cost perf.jsonl --limit 1500 [--batch-size 1000] [--timer]

Instructions are work, not time: a change that trades a chain of dependent operations
for more but independent ones counts more instructions and may take less time (or, in
the running ingest, no less: docs/speed.md, eighteenth session). Profile such a change
in the running ingest.

Run it on two checkouts (``PYTHONPATH=<checkout>``) with the same file and limit.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

from app.cli import parse_record
from app.config import Settings
from app.db import make_engine, make_sessionmaker, make_snapshot_reader
from app.services import ingest
from app.services.analysis import analyse_article, slim
from app.services.bulk import read_lines
from app.services.planning import probed_early
from app.store import migrate
from app.text.prior import load_prior

_COLLECTED = re.compile(r"Collected\s*:\s*([\d,]+)")


def analysed(path: Path, limit: int, settings: Settings) -> list:
    """The first ``limit`` records, analysed as bulk ingest's workers analyse them."""
    config = settings.clustering()
    return [
        slim(analyse_article(parse_record(line.decode()), config, settings.max_text_chars))
        for _, line in islice(read_lines(path), limit)
    ]


def replay(
    analyses_file: Path, template: Path, batch_size: int, load_only: bool
) -> tuple[float, int]:
    """Process seconds the writer spent on the saved analyses, on a copy of ``template``,
    and how many articles it created ((0.0, 0) with ``load_only``: the analyses are
    loaded and nothing else)."""
    with analyses_file.open("rb") as handle:
        analyses = pickle.load(handle)
    if not analyses or load_only:
        return 0.0, 0
    load_prior(analyses[0].prepared.lang)
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "writer.db"
        shutil.copy(template, database)
        url = f"sqlite:///{database}"
        config = Settings(database_url=url).clustering()
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        reader_engine = make_snapshot_reader(url)
        spent, created = 0.0, 0
        with reader_engine.connect() as reader:
            for start in range(0, len(analyses), batch_size):
                batch = analyses[start : start + batch_size]
                # autocommit: each probe sees every batch committed before it
                batch = [probed_early(reader, a, config.bucket_cap) for a in batch]
                started = time.process_time()
                with sessions() as session:
                    results = ingest.ingest_batch(session, batch, config)
                spent += time.process_time() - started
                created += sum(
                    not isinstance(result, Exception) and result.created for result in results
                )
        reader_engine.dispose()
        engine.dispose()
    return spent, created


def instructions(analyses_file: Path, template: Path, batch_size: int, load_only: bool) -> int:
    """Instructions of a replay in a child process under callgrind."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, "-m", "bench.writer_cost", "--replay", str(analyses_file)]
    command += ["--template", str(template), "--batch-size", str(batch_size)]
    command += ["--load-only"] if load_only else []
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # set iteration orders: same count
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind reported no count:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def measure(path: Path, limit: int, batch_size: int, timer: bool) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        analyses_file, template = Path(scratch) / "analyses.pickle", Path(scratch) / "empty.db"
        analyses = analysed(path, limit, Settings(database_url=f"sqlite:///{template}"))
        with analyses_file.open("wb") as handle:
            pickle.dump(analyses, handle)
        migrate.upgrade(f"sqlite:///{template}")
        result: dict = {"articles": len(analyses), "batch_size": batch_size}
        if timer:
            seconds, created = replay(analyses_file, template, batch_size, load_only=False)
            per_article = 1e3 * seconds / max(1, len(analyses))
            return result | {"created": created, "writer_ms_per_article": per_article}
        loading = instructions(analyses_file, template, batch_size, load_only=True)
        whole = instructions(analyses_file, template, batch_size, load_only=False)
        writer = whole - loading
        return result | {
            "instructions_whole": whole,
            "instructions_loading": loading,
            "writer_instructions_per_article": writer / max(1, len(analyses)),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--limit", type=int, default=1500, help="records replayed")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--timer", action="store_true", help="process time, no valgrind")
    parser.add_argument("--replay", type=Path, help=argparse.SUPPRESS)  # the child's part
    parser.add_argument("--template", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        replay(args.replay, args.template, args.batch_size, args.load_only)
        return
    if args.file is None:
        parser.error("a JSONL file is needed")
    if not args.timer and shutil.which("valgrind") is None:
        parser.error("valgrind is not installed: install it, or use --timer")
    print(json.dumps(measure(args.file, args.limit, args.batch_size, args.timer)), flush=True)


if __name__ == "__main__":
    main()
