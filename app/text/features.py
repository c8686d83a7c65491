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
    number_weight: float = 0.0  # 0: numbers are not story terms
    # news puts the event first: the first lead_tokens content tokens count lead_weight times
    lead_tokens: int = 0
    lead_weight: float = 1.0


@dataclass(frozen=True)
class Features:
    lang: str
    dup_shingles: frozenset[bytes]
    # term -> weight before IDF: sublinear tf, title, lead, names and numbers weighted in
    story_terms: dict[str, float]

    @property
    def has_words(self) -> bool:
        """Numbers alone ("#123" terms) do not make a story."""
        return any(not term.startswith("#") for term in self.story_terms)


def dup_shingles(body: str, size: int) -> frozenset[bytes]:
    return frozenset(word_shingles(words(body), size))


def _content_tokens(tokens: list[Token], lang: str, numbers: bool) -> list[Token]:
    stop = stopwords(lang)
    return [
        t
        for t in tokens
        if (numbers or not t.is_number)
        and len(t.surface) >= MIN_TERM_LENGTH
        and t.lower not in stop
    ]


def _number_term(surface: str) -> str:
    return "#" + surface.replace(",", "").replace(".", "")


def _position_weight(i: int, n_title: int, weights: StoryWeights) -> float:
    if i < n_title:
        return weights.title_weight
    return weights.lead_weight if i - n_title < weights.lead_tokens else 1.0


def story_terms(title: str | None, body: str, lang: str, weights: StoryWeights) -> dict[str, float]:
    """Weighted content terms: stopwords and numbers out, Snowball stems, names up."""
    numbers = weights.number_weight > 0
    title_tokens = _content_tokens(tokenize(title or ""), lang, numbers)
    body_tokens = _content_tokens(tokenize(body), lang, numbers)
    all_tokens = title_tokens + body_tokens
    stems = [
        _number_term(t.surface) if t.is_number else stem
        for t, stem in zip(all_tokens, stem_words(lang, [t.lower for t in all_tokens]), strict=True)
    ]

    counts: Counter[str] = Counter()
    capital_votes: Counter[str] = Counter()
    votes: Counter[str] = Counter()
    for i, (token, stem) in enumerate(zip(all_tokens, stems, strict=True)):
        counts[stem] += _position_weight(i, len(title_tokens), weights)
        if not token.sentence_start:
            votes[stem] += 1
            capital_votes[stem] += token.capitalised

    terms: dict[str, float] = {}
    for stem, count in counts.items():
        weight = 1.0 + math.log(count) if count >= 1 else count
        if stem.startswith("#"):
            weight *= weights.number_weight
        elif votes[stem] and capital_votes[stem] * 2 >= votes[stem]:
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
