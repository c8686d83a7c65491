"""The ASGI application: ``app.main:app``; ``create_app()`` for tests and embedding."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from app.api import articles, clusters, explain, health, match
from app.api.errors import BodySizeLimit, install_error_handlers
from app.config import Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.metrics import REQUEST_SECONDS
from app.services.analysis import warm_up
from app.store import migrate


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        active = settings or get_settings()
        if active.should_auto_migrate():
            migrate.upgrade(active.database_url)
        engine = make_engine(
            active.database_url, sqlite_busy_timeout_s=active.sqlite_busy_timeout_s
        )
        app.state.settings = active
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        warm_up(active.clustering())
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="story-clusters",
        version="0.1.0",
        summary="Near-duplicate detection and story clustering for news articles",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for module in (articles, clusters, match, explain, health):
        app.include_router(module.router)

    @app.middleware("http")
    async def _timing(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        REQUEST_SECONDS.labels(
            request.method, getattr(route, "path", "unmatched"), str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response

    app.add_middleware(BodySizeLimit)
    return app


app = create_app()
