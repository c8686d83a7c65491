"""Migrations build the schema the models describe, and go back down cleanly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.db import Base, make_engine
from app.store import migrate


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_and_models_agree(db_url):
    migrated_url = db_url  # emptied: a downgrade drops tables other tests' rows would pin
    migrate.downgrade(migrated_url, "base")
    assert _tables(migrated_url) <= {"alembic_version"}
    migrate.upgrade(migrated_url)
    assert {"articles", "clusters", "lsh_postings"} <= _tables(migrated_url)
    engine = make_engine(migrated_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert migrate.current_revision(engine) == migrate.head_revision(migrated_url)
    engine.dispose()


def test_fresh_sqlite_file_upgrades(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    migrate.upgrade(url)
    assert {"articles", "clusters", "lsh_postings"} <= _tables(url)
    migrate.downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}


def test_service_migrates_a_fresh_sqlite_file_at_start(tmp_path):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    url = f"sqlite:///{tmp_path}/service.db"
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/readyz").json()["status"] == "ready"
        body = {"id": "a", "text": "Flut in Passau: die Donau steigt weiter."}
        assert client.post("/articles", json=body).status_code == 201
    assert {"articles", "clusters", "lsh_postings"} <= _tables(url)


def test_readiness_fails_until_the_schema_is_migrated(tmp_path):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    url = f"sqlite:///{tmp_path}/unmigrated.db"
    with TestClient(create_app(Settings(database_url=url, auto_migrate=False))) as client:
        response = client.get("/readyz")
        assert response.status_code == 503 and response.json()["error"] == "NotReady"
        assert client.get("/healthz").status_code == 200


def _fresh_database(database_url: str, tmp_path):
    """An empty database of the suite's kind: a new SQLite file, or a new PostgreSQL
    database on the suite's server (dropped afterwards)."""
    from sqlalchemy.engine import make_url

    from bench.common import fresh_postgres

    if make_url(database_url).get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path}/concurrent.db", lambda: None
    return fresh_postgres(database_url)


def test_three_concurrent_migrate_runs_on_an_empty_database_all_succeed(database_url, tmp_path):
    import os
    import subprocess
    import sys

    url, drop = _fresh_database(database_url, tmp_path)
    try:
        env = os.environ | {"DATABASE_URL": url}
        command = [sys.executable, "-m", "app.cli", "migrate"]
        runs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for _ in range(3)
        ]
        outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0], outputs
        engine = make_engine(url)
        assert migrate.current_revision(engine) == migrate.head_revision(url)
        engine.dispose()
    finally:
        drop()


def _rows(url: str, sql: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).all())
    finally:
        engine.dispose()


def _postings_options(url: str) -> list[str]:
    [(options,)] = _rows(url, "SELECT reloptions FROM pg_class WHERE relname = 'lsh_postings'")
    return list(options or [])


def test_postgres_postings_are_vacuumed_after_one_percent_new_rows(migrated_url):
    """Probes stay index-only scans only where vacuum has marked the pages visible."""
    if make_url(migrated_url).get_backend_name() != "postgresql":
        pytest.skip("autovacuum options are PostgreSQL's")
    try:
        assert "autovacuum_vacuum_insert_scale_factor=0.01" in _postings_options(migrated_url)
        migrate.downgrade(migrated_url, "6a1d3f9c2e48")  # before the options
        assert _postings_options(migrated_url) == []
    finally:
        migrate.upgrade(migrated_url)
    assert "autovacuum_vacuum_insert_threshold=10000" in _postings_options(migrated_url)


def _compression(url: str) -> dict[str, str]:
    """column -> compression method set on it ('' for the server's default)."""
    sql = (
        "SELECT attrelid::regclass::text || '.' || attname, attcompression"
        " FROM pg_attribute WHERE attrelid IN ('articles'::regclass, 'clusters'::regclass)"
        " AND attnum > 0 AND NOT attisdropped"
    )
    return dict(_rows(url, sql))


def test_postgres_large_columns_are_compressed_with_lz4(migrated_url):
    """An article's row and a centroid are compressed on every write: lz4, not pglz."""
    if make_url(migrated_url).get_backend_name() != "postgresql":
        pytest.skip("column compression is PostgreSQL's")
    try:
        methods = _compression(migrated_url)
        for column in ("articles.text", "articles.story_terms", "clusters.centroid"):
            assert methods[column] == "l", column
        assert methods["articles.pk"] == ""  # fixed-width columns are never compressed
        migrate.downgrade(migrated_url, "4f2c9a7d3e15")
        assert set(_compression(migrated_url).values()) == {""}
    finally:
        migrate.upgrade(migrated_url)
    assert _compression(migrated_url)["articles.text"] == "l"
