"""GET /explain?a=&b=: why two articles are or are not in one story."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from app.api.access import READS
from app.api.deps import get_app_settings, get_session
from app.api.errors import READ_ERRORS, error_responses
from app.api.schemas import Name
from app.config import Settings
from app.services import explain as explain_service

router = APIRouter(tags=["explain"])


@router.get("/explain", responses=error_responses(*READ_ERRORS, 404, 422, 503), dependencies=READS)
def explain(
    a: Annotated[Name, Query(min_length=1, max_length=255)],
    b: Annotated[Name, Query(min_length=1, max_length=255)],
    session: Annotated[Session, Depends(get_session)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> dict:
    return explain_service.explain(session, a, b, settings.clustering()).__dict__
