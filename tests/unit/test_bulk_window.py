"""Bulk ingest reads at most a window of lines ahead of its writer."""

import threading

from app.services.bulk import _Window


def next_in_thread(iterator) -> tuple[threading.Thread, list]:
    """``next(iterator)`` started in another thread: the thread, and where its value goes."""
    found: list = []
    thread = threading.Thread(target=lambda: found.append(next(iterator, None)), daemon=True)
    thread.start()
    return thread, found


def test_lines_wait_until_the_writer_takes_what_was_read():
    window = _Window(3)
    admitted = window.admitted(iter(range(10)))
    assert [next(admitted) for _ in range(3)] == [0, 1, 2]
    reader, found = next_in_thread(admitted)
    reader.join(0.3)
    assert reader.is_alive()  # a fourth line waits: three are read and not yet taken
    window.took(1)
    reader.join(2.0)
    assert found == [3]


def test_a_closed_window_lets_a_waiting_reader_end():
    window = _Window(1)
    admitted = window.admitted(iter(range(10)))
    assert next(admitted) == 0
    reader, found = next_in_thread(admitted)
    with window:
        pass  # leaving closes it, as when the writer fails
    reader.join(2.0)
    assert not reader.is_alive() and found == [None]  # the reading ended, not waiting on
