"""Bulk ingest on PostgreSQL: a thread of its own vacuums the postings, so the
workers' probes read them from the primary key alone."""

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import make_engine, vacuums_in_background


def _vacuum_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "postings-vacuum"]


def _vacuums(engine) -> int:
    with engine.connect() as connection:  # a new transaction: fresh statistics
        statement = text(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'lsh_postings'"
        )
        return connection.execute(statement).scalar_one()


def test_postings_are_vacuumed_while_inside_and_the_thread_ends_after(db_url):
    if make_url(db_url).get_backend_name() != "postgresql":
        pytest.skip("vacuum is PostgreSQL's (SQLite's log has its checkpoint thread)")
    engine = make_engine(db_url)
    before = _vacuums(engine)
    with vacuums_in_background(engine, interval_s=0.05):
        assert len(_vacuum_threads()) == 1
        deadline = time.monotonic() + 10
        while _vacuums(engine) < before + 2:
            assert time.monotonic() < deadline, "the postings were not vacuumed"
            time.sleep(0.05)
    assert _vacuum_threads() == []
    engine.dispose()


def test_nothing_runs_for_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    with vacuums_in_background(engine, interval_s=0.01):
        assert _vacuum_threads() == []
    engine.dispose()
