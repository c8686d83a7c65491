"""Liveness, readiness (database reachable, schema at the newest migration), metrics."""

from __future__ import annotations

import asyncio
import os

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from app.api.errors import error_responses
from app.errors import NotReady
from app.services import layout
from app.store import migrate, repo

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


# A readiness probe must answer in time even when the database does not.
READY_WITHIN_S = 1.5


@router.get("/readyz", responses=error_responses(503))
async def readyz(request: Request) -> dict:
    try:
        return await asyncio.wait_for(run_in_threadpool(_ready, request), READY_WITHIN_S)
    except TimeoutError:
        raise NotReady(f"database did not answer within {READY_WITHIN_S:g} s") from None


def _ready(request: Request) -> dict:
    with request.app.state.sessionmaker() as session:
        try:
            repo.ping(session)
            current = migrate.current_revision(request.app.state.engine)
        except SQLAlchemyError as exc:
            raise NotReady(f"database unreachable: {type(exc).__name__}") from exc
        head = migrate.head_revision(request.app.state.settings.database_url)
        if current != head:
            raise NotReady(
                f"schema at {current}, code expects {head}: run 'story-clusters migrate'"
            )
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
