"""Liveness, readiness (database reachable, schema at the newest migration), metrics."""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.api.errors import error_responses
from app.errors import NotReady
from app.services import layout
from app.store import migrate, repo

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", responses=error_responses(503))
def readyz(request: Request, session: Annotated[Session, Depends(get_session)]) -> dict:
    try:
        repo.ping(session)
        current = migrate.current_revision(request.app.state.engine)
    except SQLAlchemyError as exc:
        raise NotReady(f"database unreachable: {type(exc).__name__}") from exc
    head = migrate.head_revision(request.app.state.settings.database_url)
    if current != head:
        raise NotReady(f"schema at {current}, code expects {head}: run 'story-clusters migrate'")
    layout.check(session, request.app.state.settings.clustering())
    return {"status": "ready", "revision": current}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text."}},
)
def metrics() -> Response:
    """With several worker processes (PROMETHEUS_MULTIPROC_DIR set, as `serve
    --workers N` does) every scrape sums all workers' counts, whichever one answers."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
