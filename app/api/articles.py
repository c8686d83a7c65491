"""Article routes: ingest (single and batch), read, replace, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.api.access import READS, WRITES
from app.api.deps import AnalyserDep, SessionDep, SettingsDep
from app.api.errors import (
    READ_ERRORS,
    WRITE_ERRORS,
    database_unavailable,
    error_responses,
    validation_detail,
)
from app.api.schemas import (
    ArticleBody,
    ArticleDetail,
    ArticleResult,
    BatchBody,
    BatchItem,
    BatchResult,
    ErrorOut,
    Name,
)
from app.config import Settings
from app.errors import AppError, InvalidInput, Unavailable
from app.metrics import ARTICLES_INGESTED
from app.services import ingest as ingest_service
from app.services import query
from app.services.analysis_pool import Analyser

router = APIRouter(tags=["articles"])

# ":path": an id may hold "/" (URL-style ids); every id POST accepts can be addressed.
ArticleId = Annotated[
    Name, Path(min_length=1, max_length=255, description="The article's id ('/' allowed).")
]


def _result(result: ingest_service.IngestResult) -> ArticleResult:
    return ArticleResult.model_validate(result)


def _ingest(session: Session, body: ArticleBody, settings: Settings, analyser: Analyser):
    result = ingest_service.ingest(
        session, body.to_input(), settings.clustering(), settings.max_text_chars, analyser
    )
    ARTICLES_INGESTED.labels(outcome="created" if result.created else "repeat").inc()
    return result


@router.post(
    "/articles",
    status_code=201,
    response_model=ArticleResult,
    responses={200: {"model": ArticleResult, "description": "Stored before: same id, content."}}
    | error_responses(*WRITE_ERRORS, 409, 413, 422, 503),
    dependencies=WRITES,
)
def post_article(
    body: ArticleBody,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    analyser: AnalyserDep,
) -> ArticleResult:
    result = _ingest(session, body, settings, analyser)
    if not result.created:
        response.status_code = 200
    return _result(result)


@router.post(
    "/articles/batch",
    response_model=BatchResult,
    responses=error_responses(*WRITE_ERRORS, 413, 422, 503),
    dependencies=WRITES,
)
def post_batch(
    body: BatchBody, session: SessionDep, settings: SettingsDep, analyser: AnalyserDep
) -> BatchResult:
    """Every item is answered on its own: valid ones are stored in order, each invalid
    one is answered with its error and changes nothing."""
    if len(body.articles) > settings.max_batch_size:
        raise InvalidInput(f"a batch holds at most {settings.max_batch_size} articles")
    return BatchResult(
        items=[
            _batch_item(session, i, raw, settings, analyser) for i, raw in enumerate(body.articles)
        ]
    )


def _batch_item(
    session: Session, index: int, raw: dict, settings: Settings, analyser: Analyser
) -> BatchItem:
    try:
        result = _ingest(session, ArticleBody.model_validate(raw), settings, analyser)
    except ValidationError as exc:
        error = _error("InvalidInput", validation_detail(exc))
        return BatchItem(index=index, status=422, error=error)
    except AppError as exc:
        return _failed(index, exc)
    except DBAPIError as exc:
        if not database_unavailable(exc):
            raise
        return _failed(index, Unavailable())
    return BatchItem(index=index, status=201 if result.created else 200, result=_result(result))


def _failed(index: int, exc: AppError) -> BatchItem:
    return BatchItem(index=index, status=exc.status, error=_error(exc.kind, exc.message))


def _error(kind: str, detail) -> ErrorOut:
    return ErrorOut(error=kind, detail=detail)


@router.get(
    "/articles/{article_id:path}",
    response_model=ArticleDetail,
    responses=error_responses(*READ_ERRORS, 404, 422, 503),
    dependencies=READS,
)
def get_article(article_id: ArticleId, session: SessionDep) -> ArticleDetail:
    return ArticleDetail.of(query.get_article(session, article_id))


@router.put(
    "/articles/{article_id:path}",
    response_model=ArticleResult,
    responses=error_responses(*WRITE_ERRORS, 404, 413, 422, 503),  # 404: a path no route takes
    dependencies=WRITES,
)
def put_article(
    article_id: ArticleId,
    body: ArticleBody,
    session: SessionDep,
    settings: SettingsDep,
    analyser: AnalyserDep,
) -> ArticleResult:
    if body.id is not None and body.id != article_id:
        raise InvalidInput("the body's id differs from the path's")
    result = ingest_service.replace(
        session,
        body.to_input(article_id),
        settings.clustering(),
        settings.max_text_chars,
        analyser,
    )
    return _result(result)


@router.delete(
    "/articles/{article_id:path}",
    status_code=204,
    responses=error_responses(*WRITE_ERRORS, 404, 422, 503),
    dependencies=WRITES,
)
def delete_article(article_id: ArticleId, session: SessionDep, settings: SettingsDep) -> Response:
    ingest_service.delete(session, article_id, settings.clustering())
    return Response(status_code=204)
