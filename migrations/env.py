"""Alembic environment: the URL comes from the caller's config or from the settings."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text

from app.config import get_settings
from app.db import Base, make_engine, normalise_url
from app.store import models  # noqa: F401  (registers the tables on Base.metadata)

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return normalise_url(config.get_main_option("sqlalchemy.url") or get_settings().database_url)


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


# Concurrent `migrate` runs (replicas starting together, a release step beside
# STORY_AUTO_MIGRATE) take turns: on PostgreSQL an advisory lock held by the migrating
# transaction; on SQLite an exclusive lock on a file beside the database. The one that
# waited then finds the schema at head and does nothing.
MIGRATION_LOCK_KEY = 0x5354_4F52_5953  # "STORYS"


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with _sqlite_file_lock(connection), context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        context.run_migrations()


@contextmanager
def _sqlite_file_lock(connection):
    database = connection.engine.url.database if connection.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
