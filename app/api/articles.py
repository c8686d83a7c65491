"""Article routes: ingest (single and batch), read, replace, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.api.deps import get_app_settings, get_session
from app.api.errors import validation_detail
from app.api.schemas import (
    ArticleBody,
    ArticleDetail,
    ArticleResult,
    BatchBody,
    BatchItem,
    BatchResult,
)
from app.config import Settings
from app.errors import AppError, InvalidInput
from app.metrics import ARTICLES_INGESTED
from app.services import ingest as ingest_service
from app.services import query

router = APIRouter(tags=["articles"])

SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ArticleId = Annotated[str, Path(min_length=1, max_length=255)]


def _result(result: ingest_service.IngestResult) -> ArticleResult:
    return ArticleResult(
        id=result.id,
        cluster_id=result.cluster_id,
        duplicate_of=result.duplicate_of,
        near_duplicates=result.near_duplicates,
        lang=result.lang,
    )


def _ingest(session: Session, body: ArticleBody, settings: Settings):
    result = ingest_service.ingest(
        session, body.to_input(), settings.clustering(), settings.max_text_chars
    )
    ARTICLES_INGESTED.labels(outcome="created" if result.created else "repeat").inc()
    return result


@router.post("/articles", status_code=201, response_model=ArticleResult)
def post_article(
    body: ArticleBody, response: Response, session: SessionDep, settings: SettingsDep
) -> ArticleResult:
    result = _ingest(session, body, settings)
    if not result.created:
        response.status_code = 200
    return _result(result)


@router.post("/articles/batch", response_model=BatchResult)
def post_batch(body: BatchBody, session: SessionDep, settings: SettingsDep) -> BatchResult:
    if len(body.articles) > settings.max_batch_size:
        raise InvalidInput(f"a batch holds at most {settings.max_batch_size} articles")
    items = []
    for index, raw in enumerate(body.articles):
        try:
            result = _ingest(session, ArticleBody.model_validate(raw), settings)
            status = 201 if result.created else 200
            items.append(BatchItem(index=index, status=status, result=_result(result)))
        except ValidationError as exc:
            detail = validation_detail(exc)
            items.append(BatchItem(index=index, status=422, error=_error("InvalidInput", detail)))
        except AppError as exc:
            items.append(
                BatchItem(index=index, status=exc.status, error=_error(exc.kind, exc.message))
            )
    return BatchResult(items=items)


def _error(kind: str, detail) -> dict:
    return {"error": kind, "detail": detail}


@router.get("/articles/{article_id}", response_model=ArticleDetail)
def get_article(article_id: ArticleId, session: SessionDep) -> ArticleDetail:
    view = query.get_article(session, article_id)
    article = view.article
    return ArticleDetail(
        **_result(view.result).model_dump(),
        title=article.title,
        url=article.url,
        source=article.source,
        published_at=article.published_at,
        ingested_at=article.ingested_at,
        copies=view.copies,
        boilerplate_lines=len(article.boilerplate_lines),
    )


@router.put("/articles/{article_id}", response_model=ArticleResult)
def put_article(
    article_id: ArticleId, body: ArticleBody, session: SessionDep, settings: SettingsDep
) -> ArticleResult:
    if body.id is not None and body.id != article_id:
        raise InvalidInput("the body's id differs from the path's")
    result = ingest_service.replace(
        session, body.to_input(article_id), settings.clustering(), settings.max_text_chars
    )
    return _result(result)


@router.delete("/articles/{article_id}", status_code=204)
def delete_article(article_id: ArticleId, session: SessionDep, settings: SettingsDep) -> Response:
    ingest_service.delete(session, article_id, settings.clustering())
    return Response(status_code=204)
