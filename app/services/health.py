"""Readiness: the database answers and holds the schema and index layout this code
expects."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.clustering.config import ClusteringConfig
from app.errors import NotReady
from app.services import layout
from app.store import migrate, repo


def readiness(
    sessions: sessionmaker[Session], engine: Engine, database_url: str, config: ClusteringConfig
) -> dict:
    """{"status": "ready", "revision": ...}, or NotReady saying what is missing."""
    with sessions() as session:
        try:
            repo.ping(session)
            current, problem = migrate.schema_problem(engine, database_url)
        except SQLAlchemyError as exc:
            raise NotReady(f"database unreachable: {type(exc).__name__}") from exc
        if problem:
            raise NotReady(problem)
        layout.check(session, config)
        return {"status": "ready", "revision": current}
