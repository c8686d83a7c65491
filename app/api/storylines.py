"""Storyline routes: events that continue one another, and the list of storylines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.access import READS
from app.api.clusters import cursor_value, page_limit
from app.api.deps import SessionDep, SettingsDep
from app.api.errors import READ_ERRORS, error_responses
from app.api.schemas import MAX_ID, StorylineDetail, StorylineList, TimestampIn
from app.services import query

router = APIRouter(tags=["storylines"])

StorylineId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get(
    "/storylines/{storyline_id}",
    response_model=StorylineDetail,
    responses=error_responses(*READ_ERRORS, 404, 422, 503),
    dependencies=READS,
)
def get_storyline(
    storyline_id: StorylineId,
    session: SessionDep,
    settings: SettingsDep,
    cursor: str | None = None,
    limit: int = 100,
) -> StorylineDetail:
    offset = cursor_value(cursor) or 0
    page = page_limit(limit, settings)
    view = query.get_storyline(session, storyline_id, offset, page, settings.clustering())
    return StorylineDetail.of(view)


@router.get(
    "/storylines",
    response_model=StorylineList,
    responses=error_responses(*READ_ERRORS, 422, 503),
    dependencies=READS,
)
def list_storylines(
    session: SessionDep,
    settings: SettingsDep,
    updated_since: TimestampIn | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> StorylineList:
    storylines, next_cursor = query.list_storylines(
        session,
        settings.clustering(),
        updated_since=updated_since,
        after_id=cursor_value(cursor),
        limit=page_limit(limit, settings),
    )
    return StorylineList.of(storylines, next_cursor)
