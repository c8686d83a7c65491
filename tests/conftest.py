"""Fixtures: a real database (SQLite file by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from app.config import Settings
from app.db import Base, make_engine, make_sessionmaker, normalise_url
from app.main import create_app
from app.store import (
    migrate,
    models,  # noqa: F401
)
from seeds.loader import SEEDS, seed_text

DATA_TABLES = [
    "lsh_postings",
    "articles",
    "clusters",
    "term_stats",
    "lang_stats",
    "source_lines",
    "index_layout",
]


def _reset_schema(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # whatever revision it was left at
            for table in [*Base.metadata.tables, "alembic_version"]:
                connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
        else:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if not configured:
        return f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    url = normalise_url(configured)
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # CI must not pass silently without its database
        pytest.exit(f"TEST_DATABASE_URL is set but unreachable: {exc}", returncode=3)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    _reset_schema(database_url)
    migrate.upgrade(database_url)
    return database_url


def empty_data_tables(url: str) -> None:
    """Every data table emptied. The ingest lock's generation moves on, as after any
    writer, so the writer cache of an engine already open on the database starts again."""
    engine = make_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("UPDATE articles SET duplicate_of_pk = NULL"))
            connection.execute(text("UPDATE clusters SET merged_into = NULL"))
            for table in DATA_TABLES:
                connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(text("UPDATE ingest_lock SET generation = generation + 1"))
    engine.dispose()


@pytest.fixture
def db_url(migrated_url: str) -> str:
    """The migrated database with every data table emptied."""
    empty_data_tables(migrated_url)
    return migrated_url


@pytest.fixture
def wipe(db_url: str):
    """Empty the database again in the middle of a test."""
    return lambda: empty_data_tables(db_url)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, auto_migrate=False, max_body_bytes=200_000)


@pytest.fixture
def sessions(settings: Settings):
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def client(settings: Settings):
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def app_client(settings):
    """A client of an app on the test database with some settings changed, to use as
    ``with app_client(join_threshold=0.3) as client:``."""

    def make(**overrides) -> TestClient:
        return TestClient(create_app(settings.model_copy(update=overrides)))

    return make


def post_seeds(client) -> dict[str, dict]:
    """POST the two seed articles (their ids are the seed names); their answers."""
    results = {}
    for article_id in SEEDS:
        response = client.post("/articles", json={"id": article_id, "text": seed_text(article_id)})
        assert response.status_code == 201, response.text
        results[article_id] = response.json()
    return results


@pytest.fixture
def row_counts(sessions):
    def count() -> dict[str, int]:
        with sessions() as session:
            names = inspect(session.get_bind()).get_table_names()
            return {
                table: session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                for table in DATA_TABLES
                if table in names
            }

    return count
