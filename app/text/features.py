"""From article text to the two feature sets: copy shingles and weighted story terms."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.text.shingles import word_shingles
from app.text.tokens import scan, stem_words, stopwords, words

MIN_TERM_LENGTH = 2
# Longer letter runs are not words (unspaced scripts, glued markup): not story terms.
# The statistics table holds terms of up to 128 characters on every database.
MAX_TERM_LENGTH = 64
# An article contributes at most this many distinct terms (its highest weighted) to its
# vector and to the term statistics: a news report has a few hundred; a page of 100,000
# distinct CJK bigrams or random tokens would otherwise add as many permanent rows.
MAX_STORY_TERMS = 2000


@dataclass(frozen=True)
class StoryWeights:
    """Made from the configuration (ClusteringConfig.story_weights): no defaults here."""

    title_weight: float
    capital_weight: float
    number_weight: float  # 0: numbers are not story terms
    # news puts the event first: the first lead_tokens content tokens count lead_weight times
    lead_tokens: int
    lead_weight: float


@dataclass(frozen=True)
class Features:
    dup_shingles: frozenset[bytes]
    # term -> weight before IDF: sublinear tf, title, lead, names and numbers weighted in
    story_terms: dict[str, float]

    @property
    def has_words(self) -> bool:
        """Numbers alone ("#123" terms) do not make a story."""
        return any(not term.startswith("#") for term in self.story_terms)


def dup_shingles(body: str, size: int) -> frozenset[bytes]:
    return frozenset(word_shingles(words(body), size))


# A scanned token: (surface, case-folded, starts a sentence).
Scanned = tuple[str, str, bool]


def _scanned(text: str) -> list[Scanned]:
    """Every token of ``scan`` with its case-folded form: the body's are the material
    of both copy shingles and story terms, scanned once for both."""
    return [(surface, surface.casefold(), start) for surface, start in scan(text)]


def _content_tokens(tokens: list[Scanned], stop: frozenset[str], numbers: bool) -> list[Scanned]:
    """The tokens that can be story terms."""
    return [
        token
        for token in tokens
        if MIN_TERM_LENGTH <= len(token[0]) <= MAX_TERM_LENGTH
        and (numbers or not token[0][0].isdigit())
        # the folded form may be longer than the surface ("ß" -> "ss")
        and len(token[1]) <= MAX_TERM_LENGTH
        and token[1] not in stop
    ]


def _number_term(surface: str) -> str:
    return "#" + surface.replace(",", "").replace(".", "")


def story_terms(title: str | None, body: str, lang: str, weights: StoryWeights) -> dict[str, float]:
    """Weighted content terms: stopwords and numbers out, Snowball stems, names up."""
    return _story_terms(_scanned(title or ""), _scanned(body), lang, weights)


def _story_terms(
    title: list[Scanned], body: list[Scanned], lang: str, weights: StoryWeights
) -> dict[str, float]:
    numbers = weights.number_weight > 0
    stop = stopwords(lang)
    title_tokens = _content_tokens(title, stop, numbers)
    tokens = title_tokens + _content_tokens(body, stop, numbers)
    stems = stem_words(lang, [lower for _, lower, _ in tokens])
    n_title, lead_end = len(title_tokens), len(title_tokens) + weights.lead_tokens

    counts: dict[str, float] = {}
    votes: dict[str, int] = {}  # occurrences not at a sentence start
    capital_votes: dict[str, int] = {}  # ... of which capitalised
    for i, ((surface, _, sentence_start), stem) in enumerate(zip(tokens, stems, strict=True)):
        if surface[0].isdigit():
            stem = _number_term(surface)
        if i < n_title:
            position = weights.title_weight
        else:
            position = weights.lead_weight if i < lead_end else 1.0
        counts[stem] = counts.get(stem, 0.0) + position
        if not sentence_start:
            votes[stem] = votes.get(stem, 0) + 1
            if surface[0].isupper():
                capital_votes[stem] = capital_votes.get(stem, 0) + 1

    terms: dict[str, float] = {}
    for stem, count in counts.items():
        weight = 1.0 + math.log(count) if count >= 1 else count
        if stem.startswith("#"):
            weight *= weights.number_weight
        elif votes.get(stem, 0) and capital_votes.get(stem, 0) * 2 >= votes[stem]:
            weight *= weights.capital_weight
        terms[stem] = weight
    return _strongest(terms, MAX_STORY_TERMS)


def _strongest(terms: dict[str, float], limit: int) -> dict[str, float]:
    """The ``limit`` highest weighted terms, in their first-seen order (ties: earlier)."""
    if len(terms) <= limit:
        return terms
    ranked = sorted(enumerate(terms.items()), key=lambda item: (-item[1][1], item[0]))
    return dict(pair for _, pair in sorted(ranked[:limit]))


def build_features(
    title: str | None, body: str, lang: str, shingle_size: int, weights: StoryWeights
) -> Features:
    """Both feature sets, from one scan of the body: the case-folded tokens are the
    copy shingles' words (``words``) and the story terms' material alike."""
    scanned = _scanned(body)
    return Features(
        dup_shingles=frozenset(word_shingles([lower for _, lower, _ in scanned], shingle_size)),
        story_terms=_story_terms(_scanned(title or ""), scanned, lang, weights),
    )
