"""A label a reader can take in at a glance: the most central member's headline, the
cluster's strongest terms in the words its articles use, its names, its languages and
sources. Pure: the caller supplies the rows and the IDF."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.clustering.score import cosine, weigh
from app.text.tokens import scan, stem_words

LABEL_TERMS = 8
HEADLINE_CHARS = 200
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'„“‘«]?[A-ZÀ-ÖØ-Þ0-9])")


@dataclass(frozen=True)
class LabelMember:
    """What labelling weighs of a member (its text is read for the central one only)."""

    key: int
    article_id: str
    title: str | None
    lang: str
    story_terms: Mapping[str, float]


@dataclass(frozen=True)
class Label:
    headline: str | None
    headline_article: str | None
    terms: list[str]  # strongest first, as the articles write them
    names: list[str]  # those of ``terms`` the articles capitalise mid-sentence
    languages: dict[str, int]  # articles per language, most first
    sources: int


def ordered_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Most first; ties by name."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def most_central(
    members: Sequence[LabelMember],
    weighted_centroid: Mapping[str, float],
    idf_of: Callable[[str], float],
) -> LabelMember | None:
    """The member closest to the centroid (TF-IDF cosine); the earliest on a tie."""
    best, best_score = None, -1.0
    for member in members:
        score = cosine(weigh(member.story_terms, idf_of), weighted_centroid)
        if score > best_score:
            best, best_score = member, score
    return best


def make_label(
    weighted_centroid: Mapping[str, float],
    central: LabelMember | None,
    central_text: str,
    members: Sequence[LabelMember],
    languages: Mapping[str, int],
    sources: int,
) -> Label:
    """The label of a cluster whose centroid, TF-IDF weighted, is ``weighted_centroid``
    and whose most central member is ``central`` (its text opening ``central_text``)."""
    words = [term for term in weighted_centroid if not term.startswith("#")]  # numbers tell little
    top = sorted(words, key=lambda term: (-weighted_centroid[term], term))[:LABEL_TERMS]
    forms = surface_forms(central, central_text, members) if central else {}
    return Label(
        headline=headline(central.title, central_text) if central else None,
        headline_article=central.article_id if central else None,
        terms=[forms[term][0] if term in forms else term for term in top],
        names=[forms[term][0] for term in top if term in forms and forms[term][1]],
        languages=ordered_counts(languages),
        sources=sources,
    )


def headline(title: str | None, text: str) -> str:
    """The title, else the text's lead sentence (cut at a word near HEADLINE_CHARS)."""
    if title and title.strip():
        return _shortened(title.strip())
    first_line = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return _shortened(_SENTENCE.split(first_line, maxsplit=1)[0])


def _shortened(text: str) -> str:
    if len(text) <= HEADLINE_CHARS:
        return text
    return text[:HEADLINE_CHARS].rsplit(" ", 1)[0] + " …"


def surface_forms(
    central: LabelMember, central_text: str, members: Sequence[LabelMember]
) -> dict[str, tuple[str, bool]]:
    """stem -> (the word the articles write most often for it, whether they capitalise
    it mid-sentence), read from the central member, then the others' titles."""
    sources = [(central.lang, f"{central.title or ''}\n{central_text}")]
    sources += [(m.lang, m.title) for m in members if m.title and m is not central]
    written: dict[str, Counter] = {}
    capitalised: dict[str, Counter] = {}
    for lang, text in sources:
        tokens = scan(text)
        stems = stem_words(lang, [surface.casefold() for surface, _ in tokens])
        for (surface, sentence_start), stem in zip(tokens, stems, strict=True):
            written.setdefault(stem, Counter())[surface] += 1
            if not sentence_start:
                capitalised.setdefault(stem, Counter())[surface[0].isupper()] += 1
    return {
        stem: (forms.most_common(1)[0][0], _mostly(capitalised.get(stem)))
        for stem, forms in written.items()
    }


def _mostly(votes: Counter | None) -> bool:
    return votes is not None and votes[True] > votes[False]
