"""Engine construction and the declarative base (naming convention for constraints)."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

import orjson
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PerEngine(Generic[T]):
    """One ``factory()`` object per engine (so per database in this process), made on
    first use and forgotten with the engine."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._objects: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._guard = threading.Lock()

    def __call__(self, bind: Engine) -> T:
        with self._guard:
            found = self._objects.get(bind)
            if found is None:
                found = self._objects[bind] = self._factory()
            return found


def normalise_url(url: str) -> str:
    """Let operators write ``postgresql://``; we drive PostgreSQL with psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _json_dumps(value: object) -> str:
    return orjson.dumps(value).decode()


# Centroids, story terms and neighbour lists are JSON columns written for every article:
# the standard library's encoder was a tenth of the writer's time, orjson's is a fraction.
_JSON_CODEC = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def make_engine(
    url: str,
    *,
    sqlite_busy_timeout_s: float = 30.0,
    timeout_s: float | None = None,
    connect_timeout_s: float = 10.0,
    lock_timeout_s: float | None = None,
) -> Engine:
    """An engine for ``url``. ``timeout_s`` (the service's): on PostgreSQL, the server
    cancels a statement after it, and a client-side deadline ends any database call
    still waiting shortly after (a frozen server); also the wait for a pooled
    connection. None (bulk ingest, reindex, check): no limit on statements."""
    from sqlalchemy import create_engine

    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": sqlite_busy_timeout_s, "check_same_thread": False},
            hide_parameters=True,
            **_JSON_CODEC,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options = []
    if timeout_s is not None:
        options.append(f"-c statement_timeout={int(timeout_s * 1000)}")
    if lock_timeout_s is not None:
        options.append(f"-c lock_timeout={int(lock_timeout_s * 1000)}")
    connect_args: dict = {"connect_timeout": max(1, round(connect_timeout_s))}
    if options:
        connect_args["options"] = " ".join(options)
    engine = create_engine(
        url,
        pool_pre_ping=timeout_s is None,  # a ping has no deadline; the service relies
        pool_size=10,  # on losing a dead connection at its first use instead
        max_overflow=10,
        pool_timeout=timeout_s if timeout_s is not None else 30,
        hide_parameters=True,
        connect_args=connect_args,
        **_JSON_CODEC,
    )
    if timeout_s is not None:
        from app.store import deadline

        # a little after the server's own timeout, which ends a slow statement cleanly
        deadline.install(engine, timeout_s + 1.0)
    return engine


def make_snapshot_reader(url: str, **engine_options) -> Engine:
    """An engine for reads of one statement each (the analysis workers' early probes):
    in autocommit, so no transaction is held between them, and none is rolled back.
    (psycopg forgets its prepared statements at every rollback; planning the probe
    again cost 5.7 ms an article, four times the probe itself.)"""
    return make_engine(url, **engine_options).execution_options(isolation_level="AUTOCOMMIT")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while one writer commits; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.close()


SQLITE_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default


@contextmanager
def checkpoints_in_background(engine: Engine, interval_s: float = 1.0) -> Iterator[None]:
    """SQLite: while inside, a thread of its own copies the write-ahead log into the
    database file (passive checkpoints, which never block a writer), and the engine's
    connections do not checkpoint at their commits. With bulk ingest's transactions
    (200 articles then) every commit passed SQLite's 1,000-page mark and checkpointed on the
    writer's thread: about 6 % of bulk ingest's time. Nothing for PostgreSQL or an
    in-memory database."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return

    def no_autocheckpoint(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    def default_autocheckpoint(dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")

    event.listen(engine, "checkout", no_autocheckpoint)
    event.listen(engine, "checkin", default_autocheckpoint)
    try:
        with _repeated(engine, "PRAGMA wal_checkpoint(PASSIVE)", interval_s, "wal-checkpoints"):
            yield
    finally:
        event.remove(engine, "checkout", no_autocheckpoint)
        event.remove(engine, "checkin", default_autocheckpoint)


@contextmanager
def vacuums_in_background(engine: Engine, interval_s: float = 5.0) -> Iterator[None]:
    """PostgreSQL: while inside, a thread of its own vacuums the postings every
    ``interval_s``. A probe reads its rows from the postings' primary key alone only on
    pages vacuum has marked all-visible; during a bulk load autovacuum (a one-minute
    nap, then a 1 % insert threshold) comes too rarely, and every probe row costs a
    heap visit: 1.43-1.71 ms a probe on 5,000 freshly loaded stress articles, 0.96 ms
    after a vacuum. Vacuum takes no lock a writer or reader waits for, and without
    dead rows it only visits the pages added since its last run. Nothing for SQLite."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with _repeated(engine, "VACUUM lsh_postings", interval_s, "postings-vacuum"):
        yield


@contextmanager
def _repeated(engine: Engine, sql: str, interval_s: float, name: str) -> Iterator[None]:
    """While inside, a thread named ``name`` runs ``sql`` every ``interval_s`` on a
    connection of its own, outside any transaction (VACUUM cannot run in one)."""
    stop = threading.Event()
    thread = threading.Thread(target=_repeat_until, args=(engine, sql, interval_s, stop), name=name)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _repeat_until(engine: Engine, sql: str, interval_s: float, stop: threading.Event) -> None:
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            while not stop.wait(interval_s):
                connection.exec_driver_sql(sql).close()
    except SQLAlchemyError as exc:  # upkeep only: the run goes on without it
        logging.getLogger("story_clusters").warning("stopped running %r: %s", sql, exc)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
