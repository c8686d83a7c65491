"""Bulk ingest of a JSONL file: streamed, analysed in worker processes, written in batches.

Worker processes run the CPU stages (prepare, analyse) on lines read as the file is
streamed; the calling process is the one writer: it takes the ingest lock once per
batch and decides and writes the batch's articles in file order, each seeing the ones
before it, so the clusters are those of one-at-a-time ingest of the same file.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import multiprocessing.pool
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.clustering.config import ClusteringConfig
from app.db import checkpoints_in_background, make_snapshot_reader, vacuums_in_background
from app.errors import AppError
from app.services import ingest
from app.services.analysis import Analysis, ArticleIn, analyse_article, slim
from app.services.planning import probed_early
from app.text.prior import load_prior

# Articles per writing transaction, by database. SQLite: a commit writes every page its
# transaction dirtied, and an article's 64 postings land on random pages of the
# postings' primary key, so at 200 articles a commit rewrote most of that index; at
# 20,000 stress articles 1,000 cut the writer process's kernel time from 0.41 to 0.24 ms
# an article and its CPU by 6 %. PostgreSQL: the opposite; rows an open transaction
# inserted are not visible to vacuum, so the workers' probes read the postings' heap
# and not the index alone: at 1,000 its CPU per article rose from 1.7 to 2.6 ms and
# throughput fell from 300 to 208 articles/s (5,000 stress articles; per process and
# thread from /proc, two alternating runs each).
DEFAULT_BATCH_SIZE = {"sqlite": 1000, "postgresql": 200}

# Workers run below the writer's priority: the writer is the pipeline's one serial
# stage, so it gets a core whenever it has work, and the workers (one per core, not one
# fewer) use every cycle it leaves. With one worker on 2 cores the worker bounded the
# run and the machine was 83 % busy (8,000 stress articles on SQLite, CPU per thread
# from /proc); with two niced workers it was 98 % busy, and 20,000 articles went from
# 168 and 171 to 172 and 178 articles/s on SQLite, 125 and 119 to 133 and 131 on
# PostgreSQL (bench.bulk, alternating runs).
WORKER_NICENESS = 10

# record parser, config and text limit of a worker process (set by its initializer)
_worker: dict = {}


@dataclass
class BulkSummary:
    created: int = 0
    repeated: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)  # the first few, "line N: why"

    def fail(self, line_no: int, reason: str) -> None:
        self.failed += 1
        if len(self.failures) < 20:
            self.failures.append(f"line {line_no}: {reason}")


@dataclass(frozen=True)
class Outcome:
    line_no: int
    analysis: Analysis | None
    error: str | None


def count_lines(path: Path) -> int:
    """Records in the file, for the progress bar (read in blocks, never held whole)."""
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines as bytes: a line that is not UTF-8 fails alone, in its worker."""
    with path.open("rb") as handle:
        for line_no, line in enumerate(handle, start=1):
            if line.strip():
                yield line_no, line


def _init_worker(parse, config: ClusteringConfig, max_text_chars: int, database_url: str) -> None:
    os.nice(WORKER_NICENESS)
    connection = make_snapshot_reader(database_url).connect()  # one per worker, for its life
    _worker.update(parse=parse, config=config, max_text_chars=max_text_chars, db=connection)


def analyse_line(item: tuple[int, bytes]) -> Outcome:
    """Worker: one JSONL line to a slim analysis with its early probe (or the reason it
    was refused)."""
    line_no, line = item
    try:
        article = _worker["parse"](line.decode("utf-8"))
        analysis = analyse_article(article, _worker["config"], _worker["max_text_chars"])
        return Outcome(line_no, _probed_here(slim(analysis)), None)
    except AppError as exc:
        return Outcome(line_no, None, exc.message)
    except ValueError as exc:  # UTF-8, JSON and validation errors
        return Outcome(line_no, None, str(exc).splitlines()[0] if str(exc) else repr(exc))


def analyse_lines(items: list[tuple[int, bytes]]) -> list[Outcome]:
    """Worker: one task's lines (``analyse_line`` each)."""
    return [analyse_line(item) for item in items]


def _probed_here(analysis: Analysis) -> Analysis:
    """The article's early probe, made in this worker; if the database cannot answer,
    the writer probes (and meets the outage itself)."""
    try:
        return probed_early(_worker["db"], analysis, _worker["config"].bucket_cap)
    except SQLAlchemyError:
        return analysis


def _tasks(lines: Iterable[tuple[int, bytes]]) -> Iterator[list[tuple[int, bytes]]]:
    """The lines, ``_CHUNK`` to a worker's task."""
    iterator = iter(lines)
    while task := list(islice(iterator, _CHUNK)):
        yield task


def _batches(
    results: multiprocessing.pool.IMapIterator, window: _Window, size: int
) -> Iterator[list[Outcome]]:
    """The outcomes of the tasks' ``results``, in file order, in batches of ``size`` once
    the pipeline is full but smaller while it fills and drains: the first batch is one
    task's lines and each next one twice the last, so the writer starts as soon as the
    first task is back instead of idling while a whole batch is analysed; and once every
    line is read, what has come back is written as soon as nothing more is waiting, so
    the last articles are not written alone after the workers have finished (on 8,000
    stress articles the writer had waited about 4 s for its first batch and written
    for 5 s alone at the end). Batching changes no decision: each article still sees
    every article before it."""
    taken: list[Outcome] = []
    target = min(size, _CHUNK)
    while True:
        try:
            outcomes = results.next(timeout=0 if taken and window.all_read else None)
        except multiprocessing.TimeoutError:  # draining: write what is here
            yield taken
            taken = []
            continue
        except StopIteration:
            break
        taken += outcomes
        window.took(len(outcomes))
        while len(taken) >= target:
            yield taken[:target]
            taken, target = taken[target:], min(size, 2 * target)
    if taken:
        yield taken


def bulk_ingest(
    path: Path,
    sessions: sessionmaker[Session],
    config: ClusteringConfig,
    max_text_chars: int,
    parse: Callable[[str], ArticleIn],
    *,
    workers: int | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> BulkSummary:
    summary = BulkSummary()
    engine = sessions.kw["bind"]
    batch_size = _checked_batch_size(batch_size, engine.dialect.name)
    workers = workers if workers is not None else os.cpu_count() or 1
    context = multiprocessing.get_context("fork")
    database_url = engine.url.render_as_string(hide_password=False)
    setup = (parse, config, max_text_chars, database_url)
    with (
        _ResultPool(workers, _init_worker, setup, context=context) as pool,
        _Window(max(2 * batch_size, 4 * _CHUNK)) as window,  # closed before the pool ends
        checkpoints_in_background(engine),
        vacuums_in_background(engine),
    ):
        _widen_pipes(pool)
        lines = window.admitted(read_lines(path))
        analysed = pool.imap(analyse_lines, _tasks(lines))  # a task's outcomes at a time
        for batch in _prior_loaded(_batches(analysed, window, batch_size)):
            _write_batch(sessions, batch, config, summary)
            progress(len(batch))
    return summary


def _checked_batch_size(batch_size: int | None, dialect: str) -> int:
    if batch_size is None:
        return DEFAULT_BATCH_SIZE.get(dialect, min(DEFAULT_BATCH_SIZE.values()))
    if batch_size < 1:
        raise ValueError(f"a batch holds at least one article, not {batch_size}")
    return batch_size


_CHUNK = 16  # lines per task sent to a worker


class _Window:
    """At most ``size`` lines read ahead of the writer: the pool would otherwise read the
    whole file while workers outpace the writer (on a many-core machine they do), and
    hold every analysis (about 20 KB each) in memory until the writer takes it; and an
    early probe made that far ahead is older than the postings the writer remembers, so
    the writer probes again. ``size`` must exceed a task's lines, or a task never fills."""

    def __init__(self, size: int) -> None:
        self._free = threading.Semaphore(size)
        self._closed = threading.Event()
        self._all_read = threading.Event()

    def __enter__(self) -> _Window:
        return self

    def __exit__(self, *_exc) -> None:
        self._closed.set()  # the pool's task thread must not wait on us while it ends

    @property
    def all_read(self) -> bool:
        """Every line has been read (and sent to the workers)."""
        return self._all_read.is_set()

    def admitted(self, lines: Iterable[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
        for line in lines:
            while not self._free.acquire(timeout=0.1):
                if self._closed.is_set():
                    return
            yield line
        self._all_read.set()

    def took(self, count: int) -> None:
        """The writer took ``count`` lines' outcomes: as many more lines may be read."""
        self._free.release(count)


class _ResultPool(multiprocessing.pool.Pool):
    """A pool whose worker-watching thread wakes when a worker exits or the pool
    changes, not whenever results wait in the pipe: it only looks, never reads, so while
    results waited for the writer's result thread it spun, 66 µs of the writer's CPU
    per article (measured per thread from /proc), all of it holding the interpreter
    lock the writer needs. (The base class watches the result pipe for workers that
    retire after ``maxtasksperchild`` tasks, which this pool does not set.)"""

    def _get_sentinels(self):
        return [self._change_notifier._reader]  # type: ignore[attr-defined]


_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
_PIPE_BYTES = 1 << 20  # Linux's default ceiling for an unprivileged process


def _widen_pipes(pool) -> None:
    """Give the pool's task and result pipes 1 MB instead of 64 KB. A worker's answer
    for one chunk (16 analyses, about 200 KB) overflowed the pipe, so the worker waited
    until the writer process's result thread drained it, and that thread first needs the
    interpreter lock the writer holds while it decides: 9 % of the worker's time went
    to waiting (py-spy --idle). Where the pipes cannot be widened, nothing changes but
    that wait. (The pool's queues are private attributes: looked up defensively.)"""
    if _F_SETPIPE_SZ is None:
        return
    for queue in (getattr(pool, "_inqueue", None), getattr(pool, "_outqueue", None)):
        for end in (getattr(queue, "_reader", None), getattr(queue, "_writer", None)):
            try:
                fcntl.fcntl(end.fileno(), _F_SETPIPE_SZ, _PIPE_BYTES)  # type: ignore[union-attr]
            except (AttributeError, OSError, ValueError):
                return


def _prior_loaded(batches: Iterator[list[Outcome]]) -> Iterator[list[Outcome]]:
    """The batches, the first analysed article's frequency prior loaded before its
    batch is written: while the workers go on analysing, not inside a transaction."""
    loaded = False
    for batch in batches:
        if not loaded:
            first = next((o.analysis for o in batch if o.analysis is not None), None)
            if first is not None:
                load_prior(first.prepared.lang)
                loaded = True
        yield batch


def _write_batch(sessions, batch: list[Outcome], config, summary: BulkSummary) -> None:
    for outcome in batch:
        if outcome.error is not None:
            summary.fail(outcome.line_no, outcome.error)
    ready = [(o, o.analysis) for o in batch if o.analysis is not None]
    with sessions() as session:
        results = ingest.ingest_batch(session, [analysis for _, analysis in ready], config)
    for (outcome, _), result in zip(ready, results, strict=True):
        if isinstance(result, Exception):
            summary.fail(outcome.line_no, getattr(result, "message", None) or repr(result))
        elif result.created:
            summary.created += 1
        else:
            summary.repeated += 1
