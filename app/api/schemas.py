"""Request and response bodies of the HTTP API (v1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from sqlalchemy import Row

from app.clustering.label import Label
from app.services.analysis import ArticleIn
from app.services.ingest import utcnow
from app.services.query import ArticleView, ClusterView, StorylineView

# Ids and counts beyond a signed 64-bit integer cannot name anything stored.
MAX_ID = 2**63 - 1
MAX_COUNT = 2**31 - 1  # sizes and counts are 32-bit columns
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def valid_unicode(value: str) -> str:
    """Text a database can store: a lone surrogate (JSON "\\ud800") is no character."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode: it holds a lone surrogate") from None
    return value


def no_control_characters(value: str) -> str:
    """Names (ids, sources, URLs, language tags) hold no control characters, NUL
    included: PostgreSQL cannot store NUL, and both backends must accept the same."""
    if _CONTROL.search(value):
        raise ValueError("holds a control character")
    return value


def naive_utc(value: datetime) -> datetime:
    """A timestamp as naive UTC (a naive input is taken as UTC already)."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise ValueError("falls outside the years 1 to 9999 once converted to UTC") from None


def iso_text(value: object) -> object:
    """Timestamps come as ISO 8601 / RFC 3339 text, as documented; pydantic would also
    read a bare number as seconds since 1970, which nobody sending a date means."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("is a number; give an ISO 8601 date-time such as 2018-05-10T12:00:00Z")
    return value


def aware_utc(value: datetime) -> datetime:
    """Stored naive UTC, answered with its offset (RFC 3339)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Text = Annotated[str, AfterValidator(valid_unicode)]
Name = Annotated[str, AfterValidator(valid_unicode), AfterValidator(no_control_characters)]
TimestampIn = Annotated[datetime, BeforeValidator(iso_text), AfterValidator(naive_utc)]
Timestamp = Annotated[datetime, AfterValidator(aware_utc)]


class ArticleBody(BaseModel):
    """One article: ``text`` (plain) or ``html`` (raw page), not both."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    id: Name | None = Field(None, min_length=1, max_length=255, pattern=r"^\S(.*\S)?$")
    title: Text | None = Field(None, max_length=2000)
    text: Text | None = None
    html: Text | None = None
    url: Name | None = Field(None, max_length=4000)
    source: Name | None = Field(None, max_length=255)
    published_at: TimestampIn | None = None
    lang: Name | None = Field(None, max_length=16)

    @model_validator(mode="after")
    def _text_or_html(self) -> ArticleBody:
        if (self.text is None) == (self.html is None):
            raise ValueError("give exactly one of 'text' or 'html'")
        content = self.text if self.text is not None else self.html
        if content is None or not content.strip():
            raise ValueError("'text' or 'html' is empty or whitespace only")
        return self

    def to_input(self, article_id: str | None = None) -> ArticleIn:
        """What the service ingests; posted now, so an undated article is placed in
        time by its arrival (a live crawler posts as it fetches)."""
        return ArticleIn(
            id=article_id or self.id,
            title=self.title,
            text=self.text,
            html=self.html,
            url=self.url,
            source=self.source,
            published_at=self.published_at,
            lang=self.lang,
            arrived_at=utcnow(),
        )


class ErrorOut(BaseModel):
    """The one error body: a kind (``InvalidInput``, ``NotFound``, ...) and a message,
    or for invalid input the list of what failed where."""

    error: str
    detail: str | list[dict]


# Answers are built from the services' objects (from_attributes), or by a mapper
# here beside the schema where one answer joins several of them.
_FROM_OBJECTS = ConfigDict(from_attributes=True)


class NearDuplicateOut(BaseModel):
    model_config = _FROM_OBJECTS

    id: str
    similarity: float


class ArticleResult(BaseModel):
    model_config = _FROM_OBJECTS

    id: str
    cluster_id: int
    duplicate_of: str | None
    near_duplicates: list[NearDuplicateOut]
    lang: str


class ArticleDetail(ArticleResult):
    title: str | None
    url: str | None
    source: str | None
    published_at: Timestamp | None
    placed_at: Timestamp | None = Field(
        description="Where it sits in time: published_at, else when it was posted."
    )
    ingested_at: Timestamp
    copies: list[str]
    boilerplate_lines: int

    @classmethod
    def of(cls, view: ArticleView) -> ArticleDetail:
        article = view.article
        return cls(
            **ArticleResult.model_validate(view.result).model_dump(),
            title=article.title,
            url=article.url,
            source=article.source,
            published_at=article.published_at,
            placed_at=article.placed_at,
            ingested_at=article.ingested_at,
            copies=view.copies,
            boilerplate_lines=len(article.boilerplate_lines),
        )


class BatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    articles: list[dict]


class BatchItem(BaseModel):
    index: int
    status: int
    result: ArticleResult | None = None
    error: ErrorOut | None = None


class BatchResult(BaseModel):
    items: list[BatchItem]


class MemberOut(BaseModel):
    id: str
    title: str | None
    url: str | None
    source: str | None
    published_at: Timestamp | None
    placed_at: Timestamp | None
    duplicate_of: str | None

    @classmethod
    def of(cls, member: Row, ids_of_roots: dict[int, str]) -> MemberOut:
        root = member.duplicate_of_pk
        return cls(
            id=member.id,
            title=member.title,
            url=member.url,
            source=member.source,
            published_at=member.published_at,
            placed_at=member.placed_at,
            duplicate_of=ids_of_roots.get(root) if root else None,
        )


class LabelOut(BaseModel):
    """What the cluster is about, for a reader: computed from its members as they stand."""

    model_config = _FROM_OBJECTS

    headline: str | None = Field(
        description="the title of its most central member (of its first 5), "
        "or that member's lead sentence when untitled"
    )
    headline_article: str | None = Field(description="the id of that member")
    terms: list[str] = Field(
        description="its strongest terms (TF-IDF weight in the centroid), as its articles "
        "write them, strongest first"
    )
    names: list[str] = Field(
        description="those of `terms` its articles capitalise mid-sentence (in German, every noun)"
    )
    languages: dict[str, int] = Field(description="members per language, most first")
    sources: int = Field(description="distinct `source` values among its members")


def cursor_out(value: int | None) -> str | None:
    """Cursors travel as decimal text (ids fit 64 bits; JSON numbers may not)."""
    return str(value) if value is not None else None


def _labelled(model, row: Row, label: Label | None):
    """A summary model from a repository row with the same column names, and a label."""
    fields = {name: getattr(row, name) for name in model.model_fields if name != "label"}
    return model(**fields, label=LabelOut.model_validate(label) if label else None)


_SPAN = "the {} placed_at of its members (publication, else arrival); null: none dated"


class ClusterSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # from the repository's rows

    id: int
    storyline_id: int | None
    size: int
    first_published: Timestamp | None = Field(description=_SPAN.format("earliest"))
    last_published: Timestamp | None = Field(description=_SPAN.format("latest"))
    created_at: Timestamp
    updated_at: Timestamp
    label: LabelOut | None

    @classmethod
    def from_row(cls, cluster: Row, label: Label | None) -> ClusterSummary:
        return _labelled(ClusterSummary, cluster, label)


class ClusterDetail(ClusterSummary):
    requested_id: int
    representative: MemberOut | None
    members: list[MemberOut]
    next_cursor: str | None

    @classmethod
    def of(cls, view: ClusterView) -> ClusterDetail:
        roots = view.ids_of_roots
        first = view.representative
        return cls(
            **ClusterSummary.from_row(view.cluster, view.label).model_dump(),
            requested_id=view.requested_id,
            representative=MemberOut.of(first, roots) if first is not None else None,
            members=[MemberOut.of(member, roots) for member in view.members],
            next_cursor=cursor_out(view.next_cursor),
        )


class ClusterList(BaseModel):
    clusters: list[ClusterSummary]
    next_cursor: str | None

    @classmethod
    def of(cls, page: list[tuple[Row, Label | None]], next_cursor: int | None) -> ClusterList:
        clusters = [ClusterSummary.from_row(cluster, label) for cluster, label in page]
        return cls(clusters=clusters, next_cursor=cursor_out(next_cursor))


class CandidateOut(BaseModel):
    model_config = _FROM_OBJECTS

    cluster_id: int
    score: float
    lsh_hits: int


class MatchOut(BaseModel):
    model_config = _FROM_OBJECTS

    cluster_id: int | None
    duplicate_of: str | None
    near_duplicates: list[NearDuplicateOut]
    candidates: list[CandidateOut]
    lang: str
    threshold: float
    storyline_id: int | None = Field(
        description="the storyline it would join (that of the cluster it would join, or "
        "of the best candidate scoring at least `storyline_threshold`); null: a new one"
    )
    storyline_threshold: float


class SharedTermOut(BaseModel):
    term: str
    weight: float


class ExplainOut(BaseModel):
    """Why two articles are (or are not) in one story: see GET /explain."""

    model_config = _FROM_OBJECTS

    a: str
    b: str
    same_cluster: bool
    same_copy_group: bool
    shared_terms: list[SharedTermOut]
    signals: dict[str, Any]
    thresholds: dict[str, Any]


class StorylineSummary(BaseModel):
    """Events that continue one another; what it holds is read from its events."""

    id: int
    events: int
    articles: int
    first_published: Timestamp | None
    last_published: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp = Field(description="the latest change of any of its events")
    label: LabelOut | None = Field(
        description="its largest event's label, with the languages and sources of all"
    )

    @classmethod
    def from_row(cls, storyline: Row, label: Label | None) -> StorylineSummary:
        return _labelled(StorylineSummary, storyline, label)


class StorylineDetail(StorylineSummary):
    requested_id: int
    event_clusters: list[ClusterSummary] = Field(description="its events in time order")
    next_cursor: str | None

    @classmethod
    def of(cls, view: StorylineView) -> StorylineDetail:
        return cls(
            **StorylineSummary.from_row(view.storyline, view.label).model_dump(),
            requested_id=view.requested_id,
            event_clusters=[ClusterSummary.from_row(c, label) for c, label in view.events],
            next_cursor=cursor_out(view.next_cursor),
        )


class StorylineList(BaseModel):
    storylines: list[StorylineSummary]
    next_cursor: str | None

    @classmethod
    def of(cls, page: list[tuple[Row, Label | None]], next_cursor: int | None) -> StorylineList:
        storylines = [StorylineSummary.from_row(row, label) for row, label in page]
        return cls(storylines=storylines, next_cursor=cursor_out(next_cursor))
