"""Analysis in worker processes, with the article's early probe.

A server process's request threads share one interpreter lock. The analysis of a
posted article (features, signatures, band keys) is milliseconds of CPU; run in the
request threads it holds that lock against the one writer thread whose turn bounds
ingest throughput (its database round trips wait for the lock to come back). So the
service hands it to worker processes, which also make the article's probe on the index
as it stands (``planning.probed_early``), and the writer only completes it.

Bulk ingest's workers do the same to the lines of a file (``app.services.bulk``).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.clustering.config import ClusteringConfig
from app.db import make_snapshot_reader
from app.errors import Unavailable
from app.services.analysis import Analysis, ArticleIn, analyse_article, slim, warm_up
from app.services.planning import probed_early


@dataclass(frozen=True)
class ProbeTarget:
    """The database a worker probes, with the service's limits on it."""

    url: str
    timeout_s: float | None = None
    connect_timeout_s: float = 10.0


# -- in a worker process -----------------------------------------------------------------

# The engines of the few databases a worker probed last (a process's workers serve
# every app of the process: tests make many).
_engines: OrderedDict[ProbeTarget, Engine] = OrderedDict()
MAX_ENGINES = 4
PARENT_CHECK_S = 1.0


def _engine(target: ProbeTarget) -> Engine:
    engine = _engines.pop(target, None)
    if engine is None:
        engine = make_snapshot_reader(
            target.url, timeout_s=target.timeout_s, connect_timeout_s=target.connect_timeout_s
        )
    _engines[target] = engine  # the most recent last
    while len(_engines) > MAX_ENGINES:
        _engines.popitem(last=False)[1].dispose()
    return engine


def _start_worker(server_pid: int, config: ClusteringConfig) -> None:
    """Worker initializer: warmed up, and an exit when the server process is gone.
    (A killed server runs no clean-up, and a worker holds both ends of its own task
    queue, so it would otherwise wait for tasks forever.)"""
    warm_up(config)
    threading.Thread(target=_exit_without, args=(server_pid,), daemon=True).start()


def _exit_without(server_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_S)
        try:
            os.kill(server_pid, 0)
        except (ProcessLookupError, PermissionError):  # gone (or its pid is another's)
            os._exit(0)


def analysed_in_worker(
    article: ArticleIn, config: ClusteringConfig, max_text_chars: int, target: ProbeTarget | None
) -> Analysis:
    """Worker: the article's slim analysis, with its early probe if ``target`` is given
    (Unavailable if the database does not answer it)."""
    analysis = slim(analyse_article(article, config, max_text_chars))
    if target is None:
        return analysis
    try:
        # a connection per article: back in the pool, its deadline (the service's, on
        # PostgreSQL) is disarmed
        with _engine(target).connect() as connection:
            return probed_early(connection, analysis, config.bucket_cap)
    except SQLAlchemyError as exc:  # answered now: the writer would meet it again, later
        raise Unavailable() from exc


# -- in the server process ---------------------------------------------------------------

# forkserver: a server process has threads, which a plain fork would copy mid-state. The
# fork server imports the analysis code and loads the models once (``preload_models``);
# workers fork from it with both, so starting a pool takes milliseconds, not seconds.
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["app.services.analysis_preload"])


class Analyser:
    """How a server process analyses the articles posted to it: in ``processes`` worker
    processes (0: in the request thread), probing ``target`` early. The app starts it
    when it starts and stops it when it stops (a server ending on SIGTERM runs no exit
    handlers: uvicorn re-raises the signal)."""

    def __init__(self, processes: int = 0, target: ProbeTarget | None = None) -> None:
        self.processes, self.target = processes, target
        self._executor: ProcessPoolExecutor | None = None
        self._guard = threading.Lock()

    def start(self, config: ClusteringConfig) -> None:
        """Start the workers now rather than on the first article."""
        if self.processes:
            executor = self._running(config)
            for started in [executor.submit(os.getpid) for _ in range(self.processes)]:
                started.result()

    def stop(self) -> None:
        with self._guard:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def __call__(self, article: ArticleIn, config: ClusteringConfig, max_text_chars: int):
        if not self.processes:
            return analyse_article(article, config, max_text_chars)
        executor = self._running(config)
        try:
            return executor.submit(
                analysed_in_worker, article, config, max_text_chars, self.target
            ).result()
        except BrokenProcessPool:
            # a worker died (killed from outside): a new pool, and this article here
            self._discard(executor)
            return analyse_article(article, config, max_text_chars)

    def _running(self, config: ClusteringConfig) -> ProcessPoolExecutor:
        with self._guard:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.processes,
                    _context,
                    initializer=_start_worker,
                    initargs=(os.getpid(), config),
                )
            return self._executor

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        with self._guard:
            if self._executor is executor:
                self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)


IN_THREAD = Analyser()
