"""Word tokens, stopwords and Snowball stemming for every language the libraries know."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
# a token with the characters before it: everything that cannot start a token
_GAP_AND_TOKEN = re.compile(r"([\W_]*)(" + _TOKEN.pattern + ")")
_ENDS_SENTENCE = re.compile(r"[.!?:;\"„“”»«]\s*$")


@dataclass(frozen=True, slots=True)
class Token:
    surface: str
    sentence_start: bool

    @property
    def lower(self) -> str:
        return self.surface.casefold()

    @property
    def is_number(self) -> bool:
        return self.surface[0].isdigit()

    @property
    def capitalised(self) -> bool:
        return self.surface[0].isupper()


def tokenize(text: str) -> list[Token]:
    """Letter runs and numbers; hyphens and apostrophes split words ("Jong-un" = "Jong Un")."""
    return [Token(surface, start) for surface, start in scan(text)]


def scan(text: str) -> list[tuple[str, bool]]:
    """(surface, starts a sentence) of every token: what ``tokenize`` makes, without an
    object per token (this runs over every word of every article). A line's first token
    starts a sentence; a later one does when the characters before it end one."""
    tokens: list[tuple[str, bool]] = []
    ends_sentence = _ENDS_SENTENCE.search
    for line in text.split("\n"):
        found = _GAP_AND_TOKEN.findall(line)  # one C-level pass per line, no match objects
        if not found:
            continue
        tokens.append((found[0][1], True))
        for gap, token in found[1:]:
            if not gap or (len(gap) == 1 and gap.isspace()):
                tokens.append((token, False))  # a plain space between words
            else:
                tokens.append((token, ends_sentence(gap) is not None))
    return tokens


def words(text: str) -> list[str]:
    """Case-folded tokens, stopwords and numbers kept: the material of copy shingles."""
    return [token.casefold() for token in _TOKEN.findall(text)]


@lru_cache(maxsize=64)
def stopwords(lang: str) -> frozenset[str]:
    """The language's list; for a language nobody lists (or "und"), every list at once:
    a word that is a stopword somewhere is a poor story term in unknown text."""
    import stopwordsiso

    langs = [lang] if stopwordsiso.has_lang(lang) else sorted(stopwordsiso.langs())
    return frozenset(word.casefold() for code in langs for word in stopwordsiso.stopwords(code))


@lru_cache(maxsize=64)
def _stemmer(lang: str):
    import Stemmer

    try:
        return Stemmer.Stemmer(lang)
    except (KeyError, ValueError):
        return None


def stem_words(lang: str, lowered: list[str]) -> list[str]:
    """Snowball stems where the language has a stemmer; the words themselves otherwise."""
    stemmer = _stemmer(lang)
    return stemmer.stemWords(lowered) if stemmer is not None else list(lowered)
