"""The one error handler: every error leaves as ``{"error": kind, "detail": ...}``."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.schemas import ErrorOut
from app.errors import AppError, Unavailable

log = logging.getLogger("story_clusters")

_DESCRIPTIONS = {
    401: "An API key is needed (`Authorization: Bearer <key>`), or the one given is not valid.",
    403: "The API key may only read.",
    404: "No such article or cluster.",
    409: "The id is taken by an article with other content.",
    413: "The request body is larger than the configured limit.",
    422: "The request is not valid; `detail` says where and why.",
    429: "Too many requests with this key; retry after `Retry-After` seconds.",
    503: "The database is unavailable or not ready; retry after `Retry-After` seconds.",
}


# What the access dependencies can answer, by kind of route.
READ_ERRORS = (401, 429)
WRITE_ERRORS = (401, 403, 429)


def error_responses(*statuses: int) -> dict:
    """OpenAPI entries for the errors a route can answer (all in the one error body)."""
    return {code: {"model": ErrorOut, "description": _DESCRIPTIONS[code]} for code in statuses}


def error_response(
    status: int, kind: str, detail, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    content = {"error": kind, "detail": detail}
    return JSONResponse(status_code=status, content=content, headers=headers)


def app_error_response(exc: AppError) -> JSONResponse:
    return error_response(exc.status, exc.kind, exc.message, exc.headers)


def database_unavailable(exc: Exception) -> bool:
    """A failure of the connection (down, hung, timed out, locked), not of the request."""
    if isinstance(exc, (OperationalError, TimeoutError)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def validation_detail(exc: RequestValidationError | ValidationError) -> list[dict]:
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return app_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "InvalidInput", validation_detail(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not decode the body (e.g. invalid UTF-8)
            return error_response(422, "InvalidInput", "request body is not valid UTF-8 JSON")
        kind = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HTTPError")
        return error_response(exc.status_code, kind, str(exc.detail), exc.headers)  # Allow

    @app.exception_handler(DBAPIError)
    @app.exception_handler(TimeoutError)
    async def _database(_request: Request, exc: Exception) -> JSONResponse:
        if not database_unavailable(exc):
            return _internal(exc)
        log.warning("database unavailable: %s", type(exc.__cause__ or exc).__name__)
        return app_error_response(Unavailable())

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises it after this answer, and the server logs the traceback.
        return _internal_error()


def _internal(exc: Exception) -> JSONResponse:
    log.error("unhandled database error", exc_info=exc)
    return _internal_error()


def _internal_error() -> JSONResponse:
    """The one error body, and nothing of the failure: details go to the log only."""
    return error_response(500, "InternalError", "internal error; it has been logged")


class BodySizeLimit:
    """Reject bodies over the configured size with 413 before anything reads them."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        max_bytes = scope["app"].state.settings.max_body_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            return await self._reject(scope, receive, send, max_bytes)
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > max_bytes:
                return await self._reject(scope, receive, send, max_bytes)
        delivered = False

        async def replay():
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        return await self.app(scope, replay, send)

    async def _reject(self, scope, receive, send, max_bytes: int):
        response = error_response(
            413, "PayloadTooLarge", f"request body is larger than {max_bytes} bytes"
        )
        await response(scope, receive, send)
