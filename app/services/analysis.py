"""From a client's article to features, signatures and band keys (no writes)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

import numpy as np

from app.clustering.config import ClusteringConfig
from app.errors import InvalidInput
from app.lsh.bands import posting_keys
from app.lsh.signatures import signature
from app.text.boilerplate import boilerplate_lines, line_fingerprint
from app.text.features import Features, build_features
from app.text.html import extract_html
from app.text.language import detect_language, normalise_lang
from app.text.normalise import normalise_text, split_lines


@dataclass(frozen=True)
class ArticleIn:
    id: str | None = None
    title: str | None = None
    text: str | None = None
    html: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None  # naive UTC
    lang: str | None = None
    # When a live client posted it (naive UTC): the service's clock, not the content,
    # so it is not part of the content hash. None for a back-fill or a replay.
    arrived_at: datetime | None = None

    @property
    def placed_at(self) -> datetime | None:
        """Where the article sits in time: its publication, else its arrival."""
        return self.published_at or self.arrived_at


@dataclass(frozen=True)
class Prepared:
    article_id: str
    title: str | None
    body: str  # its non-blank lines (``split_lines``) are what boilerplate is learnt from
    lang: str
    source_key: str | None
    content_hash: str
    article: ArticleIn


@dataclass(frozen=True)
class EarlyProbe:
    """An article's probe made before the writer's turn, on a snapshot of the index (by
    a bulk worker, to take the probe off the one writer): the pks found for each band
    key in turn (``per_key`` of them each, dup keys then story keys), and the newest
    article pk the snapshot held. The writer completes it with what came after."""

    snapshot_pk: int
    pks: np.ndarray
    per_key: list[int]


@dataclass(frozen=True)
class Analysis:
    prepared: Prepared
    features: Features
    line_hashes: list[int]
    dropped_lines: list[int]
    dup_signature: np.ndarray
    story_signature: np.ndarray
    dup_keys: list[int]
    story_keys: list[int]
    # made for these band keys: an analysis made again (boilerplate dropped) has none
    early_probe: EarlyProbe | None = None


def content_hash(article: ArticleIn) -> str:
    """What makes two submissions under one id "the same content"."""
    fields = {
        "title": article.title,
        "text": article.text,
        "html": article.html,
        "url": article.url,
        "source": article.source,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "lang": article.lang,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def source_key(article: ArticleIn) -> str | None:
    """Boilerplate is learnt per source: the given source, else the URL's host."""
    if article.source and article.source.strip():
        return article.source.strip().casefold()[:255]
    if article.url:
        host = urlsplit(article.url).hostname or ""
        return host.removeprefix("www.")[:255] or None
    return None


def prepare(article: ArticleIn, max_text_chars: int) -> Prepared:
    """Validate and normalise; raises InvalidInput for text nobody can cluster."""
    title = normalise_text(article.title) if article.title else None
    if article.html is not None:
        extracted = extract_html(article.html, article.url)
        raw, title = extracted.text, title or extracted.title
    else:
        raw = article.text or ""
    if len(raw) > max_text_chars:
        raise InvalidInput(f"text is longer than {max_text_chars} characters")
    body = normalise_text(raw)
    if len(body) > max_text_chars:  # NFKC can make one character eighteen (U+FDFA)
        raise InvalidInput(f"text is longer than {max_text_chars} characters once normalised")
    if not body:
        what = "html has no extractable main text" if article.html is not None else "text is empty"
        raise InvalidInput(what)
    lang = normalise_lang(article.lang) or detect_language(f"{title or ''}\n{body}")
    return Prepared(
        article_id=article.id or uuid.uuid4().hex,
        title=title or None,
        body=body,
        lang=lang,
        source_key=source_key(article),
        content_hash=content_hash(article),
        article=article,
    )


def analyse(prepared: Prepared, config: ClusteringConfig) -> Analysis:
    """Features, signatures and band keys of the whole text: pure CPU, no database, so
    it runs before any lock is taken (and in worker processes for bulk ingest).
    Raises InvalidInput for text without a usable word."""
    line_hashes = [line_fingerprint(line) for line in split_lines(prepared.body)]
    analysis = _analysis(prepared, prepared.body, line_hashes, [], config)
    if not analysis.features.has_words:
        raise InvalidInput("text has no usable words (only numbers, stopwords or symbols)")
    return analysis


def analyse_article(article: ArticleIn, config: ClusteringConfig, max_text_chars: int) -> Analysis:
    """``prepare`` then ``analyse``: a client's article to its analysis."""
    return analyse(prepare(article, max_text_chars), config)


def slim(analysis: Analysis) -> Analysis:
    """What the writer needs, to send from a worker process: without the copy shingles
    and the raw input (the writer works from signatures and the normalised body; a text
    losing boilerplate lines is re-analysed from the body)."""
    article = replace(analysis.prepared.article, text=None, html=None)
    return replace(
        analysis,
        prepared=replace(analysis.prepared, article=article),
        features=replace(analysis.features, dup_shingles=frozenset()),
    )


def drop_boilerplate(
    analysis: Analysis, seen_counts: Mapping[int, int], config: ClusteringConfig
) -> Analysis:
    """The analysis of the text without the lines its source has repeated often enough
    to be boilerplate (``seen_counts``: line fingerprint -> earlier articles carrying
    it). Unchanged when no line is dropped, or when the dropped lines took every usable
    word (then the text is all there is)."""
    prepared = analysis.prepared
    dropped = boilerplate_lines(analysis.line_hashes, seen_counts, config.boilerplate_repeats)
    if not dropped:
        return analysis
    lines = split_lines(prepared.body)
    kept = "\n".join(line for i, line in enumerate(lines) if i not in dropped)
    without = _analysis(prepared, kept, analysis.line_hashes, sorted(dropped), config)
    return without if without.features.has_words else analysis


def _analysis(
    prepared: Prepared, body: str, line_hashes: list[int], dropped: list[int], config
) -> Analysis:
    features = build_features(
        prepared.title, body, prepared.lang, config.dup_shingle_size, config.story_weights()
    )
    dup_sig = signature(features.dup_shingles, config.dup_num_perm, config.minhash_seed)
    story_sig = signature(
        (term.encode() for term in features.story_terms), config.story_num_perm, config.minhash_seed
    )
    return Analysis(
        prepared=prepared,
        features=features,
        line_hashes=line_hashes,
        dropped_lines=dropped,
        dup_signature=dup_sig,
        story_signature=story_sig,
        dup_keys=posting_keys(dup_sig, *config.dup_bands()),
        story_keys=posting_keys(story_sig, *config.story_bands()),
    )


_WARM_UP_TEXT = "Warm-up: the council approved the new bridge on Tuesday."


def preload_models() -> str:
    """Load the language model, the English stopwords, stemmer and frequency prior (the
    seconds of a first request); returns the warm-up text's language."""
    from app.text.prior import load_prior
    from app.text.tokens import stem_words, stopwords

    lang = detect_language(_WARM_UP_TEXT)
    load_prior(lang)
    stopwords(lang)
    stem_words(lang, ["bridges"])
    return lang


def warm_up(config: ClusteringConfig) -> None:
    """Everything a first article would wait for, before the first request."""
    lang = preload_models()
    text = _WARM_UP_TEXT
    features = build_features(None, text, lang, config.dup_shingle_size, config.story_weights())
    signature(
        (t.encode() for t in features.story_terms), config.story_num_perm, config.minhash_seed
    )
