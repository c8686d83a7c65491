"""Request and response bodies of the HTTP API (v1)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.services.analysis import ArticleIn


class ArticleBody(BaseModel):
    """One article: ``text`` (plain) or ``html`` (raw page), not both."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    id: str | None = Field(None, min_length=1, max_length=255, pattern=r"^\S(.*\S)?$")
    title: str | None = Field(None, max_length=2000)
    text: str | None = None
    html: str | None = None
    url: str | None = Field(None, max_length=4000)
    source: str | None = Field(None, max_length=255)
    published_at: datetime | None = None
    lang: str | None = Field(None, max_length=16)

    @model_validator(mode="after")
    def _text_or_html(self) -> ArticleBody:
        if (self.text is None) == (self.html is None):
            raise ValueError("give exactly one of 'text' or 'html'")
        content = self.text if self.text is not None else self.html
        if not content.strip():
            raise ValueError("'text' or 'html' is empty or whitespace only")
        return self

    @field_validator("published_at")
    @classmethod
    def _to_utc(cls, value: datetime | None) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def to_input(self, article_id: str | None = None) -> ArticleIn:
        return ArticleIn(
            id=article_id or self.id,
            title=self.title,
            text=self.text,
            html=self.html,
            url=self.url,
            source=self.source,
            published_at=self.published_at,
            lang=self.lang,
        )


class NearDuplicateOut(BaseModel):
    id: str
    similarity: float


class ArticleResult(BaseModel):
    id: str
    cluster_id: int
    duplicate_of: str | None
    near_duplicates: list[NearDuplicateOut]
    lang: str


class ArticleDetail(ArticleResult):
    title: str | None
    url: str | None
    source: str | None
    published_at: datetime | None
    ingested_at: datetime
    copies: list[str]
    boilerplate_lines: int


class BatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    articles: list[dict]


class BatchItem(BaseModel):
    index: int
    status: int
    result: ArticleResult | None = None
    error: dict | None = None


class BatchResult(BaseModel):
    items: list[BatchItem]


class MemberOut(BaseModel):
    id: str
    title: str | None
    url: str | None
    source: str | None
    published_at: datetime | None
    duplicate_of: str | None


class ClusterSummary(BaseModel):
    id: int
    size: int
    first_published: datetime | None
    last_published: datetime | None
    created_at: datetime
    updated_at: datetime


class ClusterDetail(ClusterSummary):
    requested_id: int
    representative: MemberOut | None
    members: list[MemberOut]
    next_cursor: str | None


class ClusterList(BaseModel):
    clusters: list[ClusterSummary]
    next_cursor: str | None


class CandidateOut(BaseModel):
    cluster_id: int
    score: float
    lsh_hits: int


class MatchOut(BaseModel):
    cluster_id: int | None
    duplicate_of: str | None
    near_duplicates: list[NearDuplicateOut]
    candidates: list[CandidateOut]
    lang: str
    threshold: float


class ErrorOut(BaseModel):
    error: str
    detail: str | list
