"""The ASGI application: ``app.main:app``; ``create_app()`` for tests and embedding."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app.api import articles, clusters, explain, health, match, storylines
from app.api.access import RateLimiter
from app.api.deps import no_unknown_query_parameters
from app.api.errors import BodySizeLimit, install_error_handlers
from app.config import Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.logs import new_request_id, request_id
from app.metrics import REQUEST_SECONDS
from app.services.analysis import warm_up
from app.services.analysis_pool import Analyser, ProbeTarget
from app.store import migrate

access_log = logging.getLogger("story_clusters.access")


def analyser_for(settings: Settings) -> Analyser:
    """Posted articles are analysed and probed early in worker processes."""
    target = ProbeTarget(
        settings.database_url, settings.db_timeout_s, settings.db_connect_timeout_s
    )
    return Analyser(settings.analysis_processes, target)


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        active = settings or get_settings()
        if active.should_auto_migrate():
            migrate.upgrade(active.database_url)
        engine = make_engine(
            active.database_url,
            sqlite_busy_timeout_s=active.sqlite_busy_timeout_s,
            timeout_s=active.db_timeout_s,
            connect_timeout_s=active.db_connect_timeout_s,
            lock_timeout_s=active.db_lock_timeout_s,
        )
        app.state.settings = active
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.rate_limiter = RateLimiter(active.rate_limit_per_minute)
        app.state.analyser = analyser_for(active)
        warm_up(active.clustering())
        app.state.analyser.start(active.clustering())
        try:
            yield
        finally:
            app.state.analyser.stop()
            engine.dispose()

    app = FastAPI(
        title="story-clusters",
        version="0.1.0",
        summary="Near-duplicate detection and story clustering for news articles",
        lifespan=lifespan,
        dependencies=[Depends(no_unknown_query_parameters)],
    )
    install_error_handlers(app)
    for module in (articles, clusters, storylines, match, explain, health):
        app.include_router(module.router)

    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestTimer)  # outermost: rejected bodies are counted too
    return app


class RequestTimer:
    """Per request: a request id (the client's X-Request-ID when it is a plain token),
    echoed in the answer and carried by every log line of the request; latency by
    method, route and status; one JSON access line. Plain ASGI (the decorator-made
    middleware runs every request in an extra task: measurable at hundreds of
    requests per second). A request that raises counts as 500."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500
        offered = dict(scope.get("headers") or []).get(b"x-request-id", b"")
        rid = new_request_id(offered.decode("latin-1"))
        token = request_id.set(rid)

        async def send_and_note_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path_format", "unmatched")  # no ":path"
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(seconds)
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "ms": round(seconds * 1000, 2),
                    "request_id": rid,
                },
            )
            request_id.reset(token)


app = create_app()
