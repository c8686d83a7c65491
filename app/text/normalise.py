"""Unicode and whitespace normalisation of article text."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalise_text(text: str) -> str:
    """NFKC, no control characters, one space between words, no blank-line runs."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def split_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def line_key(line: str) -> str:
    """The form of a line used to recognise it again: case-folded, digits kept."""
    return _SPACES.sub(" ", line.casefold()).strip()
