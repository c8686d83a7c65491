"""Bulk ingest's batches: full-size once the pipeline runs, smaller while it fills and
drains; and its workers run below the writer's priority."""

import multiprocessing
import os

from app.services.bulk import (
    _CHUNK,
    WORKER_NICENESS,
    Outcome,
    _batches,
    _init_worker,
    _ResultPool,
    _Window,
)


class Results:
    """Task results as the pool hands them out: ``next(timeout)`` gives the next task's
    outcomes, or raises TimeoutError when ``timeout`` is 0 and none has come back."""

    def __init__(self, tasks: list[list[Outcome] | None]) -> None:
        self.tasks = list(tasks)  # None: nothing back yet at that point

    def next(self, timeout=None):
        if not self.tasks:
            raise StopIteration
        if self.tasks[0] is None:
            if timeout == 0:
                self.tasks.pop(0)
                raise multiprocessing.TimeoutError
            self.tasks.pop(0)  # a blocking wait: the task comes back
        return self.tasks.pop(0)


def outcomes(start: int, count: int) -> list[Outcome]:
    return [Outcome(line_no, None, "x") for line_no in range(start, start + count)]


def sizes(batches) -> list[int]:
    return [len(batch) for batch in batches]


def test_batches_start_at_one_task_and_double_up_to_the_batch_size():
    tasks = [outcomes(i * _CHUNK, _CHUNK) for i in range(40)]
    window = _Window(40 * _CHUNK)
    assert len(list(window.admitted(iter(range(40 * _CHUNK))))) == 40 * _CHUNK  # all read
    batches = list(_batches(Results(tasks), window, 100))
    assert sizes(batches) == [16, 32, 64] + [100] * 5 + [28]
    lines = [o.line_no for batch in batches for o in batch]
    assert lines == list(range(40 * _CHUNK))  # every outcome once, in file order
    # every outcome taken gave the window its line back: as many may be read again
    freed = [window._free.acquire(blocking=False) for _ in range(40 * _CHUNK + 1)]
    assert freed.count(True) == 40 * _CHUNK


def test_once_every_line_is_read_what_came_back_is_written_without_waiting():
    tasks = [outcomes(i * _CHUNK, _CHUNK) for i in range(10)]
    tasks.insert(8, None)  # after 8 tasks, the workers are still on the last two
    window = _Window(10_000)
    list(window.admitted(iter(range(3))))  # the reader reached the end of the file
    assert window.all_read
    batches = list(_batches(Results(tasks), window, 1000))
    # 16, 32, 64 from the ramp; then the 16 waiting are written instead of waiting
    assert sizes(batches) == [16, 32, 64, 16, 32]


def test_while_lines_are_still_read_a_partial_batch_waits_for_more():
    tasks = [outcomes(i * _CHUNK, _CHUNK) for i in range(10)]
    tasks.insert(8, None)
    batches = list(_batches(Results(tasks), _Window(10_000), 1000))
    assert sizes(batches) == [16, 32, 64, 48]  # the wait did not cut a batch


def test_workers_run_below_the_writers_priority(tmp_path):
    setup = (None, None, 0, f"sqlite:///{tmp_path / 'db.sqlite'}")
    context = multiprocessing.get_context("fork")
    with _ResultPool(1, _init_worker, setup, context=context) as pool:
        worker_niceness = pool.apply(os.nice, (0,))
    assert worker_niceness == min(19, os.nice(0) + WORKER_NICENESS)
