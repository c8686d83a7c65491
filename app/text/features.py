"""From article text to the two feature sets: copy shingles and weighted story terms."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from app.text.shingles import word_shingles
from app.text.tokens import Token, stem_words, stopwords, tokenize, words

MIN_TERM_LENGTH = 2


@dataclass(frozen=True)
class StoryWeights:
    title_weight: float = 2.0
    capital_weight: float = 3.0


@dataclass(frozen=True)
class Features:
    lang: str
    dup_shingles: frozenset[bytes]
    # term -> weight before IDF: sublinear tf, title and capitalised words weighted in
    story_terms: dict[str, float]


def dup_shingles(body: str, size: int) -> frozenset[bytes]:
    return frozenset(word_shingles(words(body), size))


def _content_tokens(tokens: list[Token], lang: str) -> list[Token]:
    stop = stopwords(lang)
    return [
        t
        for t in tokens
        if not t.is_number and len(t.surface) >= MIN_TERM_LENGTH and t.lower not in stop
    ]


def story_terms(title: str | None, body: str, lang: str, weights: StoryWeights) -> dict[str, float]:
    """Weighted content terms: stopwords and numbers out, Snowball stems, names up."""
    title_tokens = _content_tokens(tokenize(title or ""), lang)
    body_tokens = _content_tokens(tokenize(body), lang)
    all_tokens = title_tokens + body_tokens
    stems = stem_words(lang, [t.lower for t in all_tokens])

    counts: Counter[str] = Counter()
    capital_votes: Counter[str] = Counter()
    votes: Counter[str] = Counter()
    for i, (token, stem) in enumerate(zip(all_tokens, stems, strict=True)):
        counts[stem] += weights.title_weight if i < len(title_tokens) else 1.0
        if not token.sentence_start:
            votes[stem] += 1
            capital_votes[stem] += token.capitalised

    terms: dict[str, float] = {}
    for stem, count in counts.items():
        weight = 1.0 + math.log(count) if count >= 1 else count
        if votes[stem] and capital_votes[stem] * 2 >= votes[stem]:
            weight *= weights.capital_weight
        terms[stem] = weight
    return terms


def build_features(
    title: str | None, body: str, lang: str, shingle_size: int, weights: StoryWeights
) -> Features:
    return Features(
        lang=lang,
        dup_shingles=dup_shingles(body, shingle_size),
        story_terms=story_terms(title, body, lang, weights),
    )
