"""Background document-frequency prior per language, from wordfreq's word frequencies.

With few articles in a language the counted document frequencies say little; the
prior lets the first articles be scored with an IDF that already knows common words.
"""

from __future__ import annotations

import math
from functools import lru_cache

from app.text.tokens import stem_words

# Typical article length in tokens: turns a word frequency into a document share.
TYPICAL_DOC_TOKENS = 400
_MIN_FREQUENCY = 1e-7


@lru_cache(maxsize=16)
def _stem_frequencies(lang: str) -> dict[str, float]:
    import wordfreq

    if lang not in wordfreq.available_languages():
        return {}
    frequencies = {
        word: freq
        for word, freq in wordfreq.get_frequency_dict(lang).items()
        if freq >= _MIN_FREQUENCY and word.isalpha()
    }
    words = list(frequencies)
    stemmed: dict[str, float] = {}
    for word, stem in zip(words, stem_words(lang, words), strict=True):
        stemmed[stem] = stemmed.get(stem, 0.0) + frequencies[word]
    return stemmed


def load_prior(lang: str) -> None:
    """Read and stem the language's word list now (a second or so, once per process)."""
    _stem_frequencies(lang)


@lru_cache(maxsize=262_144)
def prior_doc_share(lang: str, term: str) -> float:
    """Estimated share of articles in ``lang`` that contain the (stemmed) term."""
    frequency = _stem_frequencies(lang).get(term, 0.0)
    return 1.0 - math.exp(-TYPICAL_DOC_TOKENS * frequency)
