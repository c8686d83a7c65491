"""Bulk ingest on SQLite: the write-ahead log is checkpointed by a thread of its own."""

import threading
import time

from sqlalchemy import text

from app.db import SQLITE_AUTOCHECKPOINT_PAGES, checkpoints_in_background, make_engine


def _autocheckpoint(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "wal-checkpoints"]


def test_commits_leave_the_log_to_the_checkpoint_thread_and_get_it_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    assert _autocheckpoint(engine) == SQLITE_AUTOCHECKPOINT_PAGES
    with checkpoints_in_background(engine, interval_s=0.05):
        assert _autocheckpoint(engine) == 0
        assert len(_checkpoint_threads()) == 1
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x BLOB)"))
            for _ in range(50):
                connection.execute(text("INSERT INTO t VALUES (randomblob(4000))"))
        # 50 pages are far below any commit's own checkpoint: only the thread copies
        # them from the log into the database file
        deadline = time.monotonic() + 5
        while (tmp_path / "wal.db").stat().st_size < 50 * 4000:
            assert time.monotonic() < deadline, "the log was not copied"
            time.sleep(0.05)
    assert _autocheckpoint(engine) == SQLITE_AUTOCHECKPOINT_PAGES  # as it came
    assert _checkpoint_threads() == []
    engine.dispose()


def test_nothing_changes_for_other_databases():
    engine = make_engine("sqlite://")  # in memory: no log to copy
    with checkpoints_in_background(engine):
        assert _checkpoint_threads() == []
    engine.dispose()
