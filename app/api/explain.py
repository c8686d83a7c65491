"""GET /explain?a=&b=: why two articles are or are not in one story."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.access import READS
from app.api.deps import SessionDep, SettingsDep
from app.api.errors import READ_ERRORS, error_responses
from app.api.schemas import ExplainOut, Name
from app.services import explain as explain_service

router = APIRouter(tags=["explain"])


@router.get(
    "/explain",
    response_model=ExplainOut,
    responses=error_responses(*READ_ERRORS, 404, 422, 503),
    dependencies=READS,
)
def explain(
    a: Annotated[Name, Query(min_length=1, max_length=255)],
    b: Annotated[Name, Query(min_length=1, max_length=255)],
    session: SessionDep,
    settings: SettingsDep,
) -> ExplainOut:
    return ExplainOut.model_validate(explain_service.explain(session, a, b, settings.clustering()))
