"""Liveness, readiness (database reachable, schema at the newest migration), metrics."""

from __future__ import annotations

import asyncio
import os
from functools import partial

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from starlette.concurrency import run_in_threadpool

from app.api.errors import error_responses
from app.errors import NotReady
from app.services import health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


# A readiness probe must answer in time even when the database does not.
READY_WITHIN_S = 1.5


@router.get("/readyz", responses=error_responses(503))
async def readyz(request: Request) -> dict:
    state = request.app.state
    check = partial(
        health.readiness,
        state.sessionmaker,
        state.engine,
        state.settings.database_url,
        state.settings.clustering(),
    )
    try:
        return await asyncio.wait_for(run_in_threadpool(check), READY_WITHIN_S)
    except TimeoutError:
        raise NotReady(f"database did not answer within {READY_WITHIN_S:g} s") from None


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
