"""POST /match: which story would this text join; writes nothing."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.access import READS
from app.api.deps import SessionDep, SettingsDep
from app.api.errors import READ_ERRORS, error_responses
from app.api.schemas import ArticleBody, MatchOut
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
    session: SessionDep,
    settings: SettingsDep,
) -> MatchOut:
    result = query.match(session, body.to_input(), settings.clustering(), settings.max_text_chars)
    return MatchOut.model_validate(result)
