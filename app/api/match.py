"""POST /match: which story would this text join; writes nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.api.access import READS
from app.api.deps import get_app_settings, get_session
from app.api.errors import READ_ERRORS, error_responses
from app.api.schemas import ArticleBody, MatchOut
from app.config import Settings
from app.services import query

router = APIRouter(tags=["match"])


@router.post(
    "/match",
    response_model=MatchOut,
    responses=error_responses(*READ_ERRORS, 413, 422, 503),
    dependencies=READS,  # it writes nothing
)
def match(
    body: ArticleBody,
    session: Annotated[Session, Depends(get_session)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> MatchOut:
    result = query.match(session, body.to_input(), settings.clustering(), settings.max_text_chars)
    return MatchOut(**result.__dict__)
