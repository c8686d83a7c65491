"""Language detection (py3langid) with a sensible fallback for short or odd text."""

from __future__ import annotations

from functools import lru_cache

UNKNOWN = "und"
_MIN_LETTERS = 20


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, min_confidence: float = 0.5) -> str:
    """ISO 639-1 code of the text's language, or ``und`` when it cannot be told."""
    sample = text[:5000]
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return UNKNOWN
    lang, confidence = _identifier().classify(sample)
    return lang if confidence >= min_confidence else UNKNOWN


def normalise_lang(lang: str | None) -> str | None:
    """Accept ``de``, ``DE``, ``de-DE``, ``de_AT``; return the bare lower-case code."""
    if not lang:
        return None
    code = lang.strip().replace("_", "-").split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None
