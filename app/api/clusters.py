"""Cluster routes: one story with its members, and the list of stories."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.access import READS
from app.api.deps import SessionDep, SettingsDep
from app.api.errors import READ_ERRORS, error_responses
from app.api.schemas import (
    MAX_COUNT,
    MAX_ID,
    ClusterDetail,
    ClusterList,
    TimestampIn,
)
from app.config import Settings
from app.errors import InvalidInput
from app.services import query

router = APIRouter(tags=["clusters"])


ClusterId = Annotated[int, Path(ge=1, le=MAX_ID)]
_CURSOR = re.compile(r"[0-9]{1,19}")  # ASCII digits only: str.isdigit() takes "²"


def cursor_value(value: str | None) -> int | None:
    """Cursors are ids this service handed out: decimal, within 64 bits."""
    if value is None:
        return None
    if not _CURSOR.fullmatch(value) or int(value) > MAX_ID:
        raise InvalidInput("cursor is not one this service handed out")
    return int(value)


def page_limit(limit: int, settings: Settings) -> int:
    if not 1 <= limit <= settings.page_size_max:
        raise InvalidInput(f"limit must be between 1 and {settings.page_size_max}")
    return limit


@router.get(
    "/clusters/{cluster_id}",
    response_model=ClusterDetail,
    responses=error_responses(*READ_ERRORS, 404, 422, 503),
    dependencies=READS,
)
def get_cluster(
    cluster_id: ClusterId,
    session: SessionDep,
    settings: SettingsDep,
    cursor: str | None = None,
    limit: int = 100,
) -> ClusterDetail:
    page = page_limit(limit, settings)
    view = query.get_cluster(session, cluster_id, cursor_value(cursor), page, settings.clustering())
    return ClusterDetail.of(view)


@router.get(
    "/clusters",
    response_model=ClusterList,
    responses=error_responses(*READ_ERRORS, 422, 503),
    dependencies=READS,
)
def list_clusters(
    session: SessionDep,
    settings: SettingsDep,
    updated_since: TimestampIn | None = None,
    min_size: Annotated[int, Query(ge=1, le=MAX_COUNT)] = 1,
    cursor: str | None = None,
    limit: int = 100,
) -> ClusterList:
    clusters, next_cursor = query.list_clusters(
        session,
        settings.clustering(),
        updated_since=updated_since,
        min_size=min_size,
        after_id=cursor_value(cursor),
        limit=page_limit(limit, settings),
    )
    return ClusterList.of(clusters, next_cursor)
