"""Per-request access to the session factory and settings built in the lifespan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import InvalidInput
from app.services.analysis_pool import Analyser


def no_unknown_query_parameters(request: Request) -> None:
    """Unknown query parameters are refused, as unknown body fields are: a misspelt
    filter (``min_sise=5``) would otherwise be silently ignored."""
    route = request.scope.get("route")
    if not request.query_params or not isinstance(route, APIRoute):
        return
    dependant = route.dependant
    key = (route.path_format, tuple(sorted(route.methods or ())))  # the same in every app
    known = _known_query_params.get(key)
    if known is None:  # once per route: its parameters do not change
        known = _known_query_params[key] = frozenset(
            param.alias for param in _all_query_params(dependant)
        )
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise InvalidInput(f"unknown query parameter(s): {', '.join(map(repr, unknown))}")


_known_query_params: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}


def _all_query_params(dependant) -> Iterator:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _all_query_params(sub)


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.close()


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_analyser(request: Request) -> Analyser:
    return request.app.state.analyser


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AnalyserDep = Annotated[Analyser, Depends(get_analyser)]
