"""Boilerplate: lines a source repeats across its articles stop counting once seen."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from app.text.normalise import line_key

# Dropping more than this share of a text means it is a re-publication, not boilerplate.
MAX_DROPPED_SHARE = 0.6


def line_fingerprint(line: str) -> int:
    """A signed 64-bit fingerprint of a line's normalised form (fits a BIGINT column)."""
    digest = hashlib.blake2b(line_key(line).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def boilerplate_lines(
    lines: list[str], seen_counts: Mapping[int, int], min_repeats: int
) -> set[int]:
    """Indexes of lines seen in at least ``min_repeats`` earlier articles of the source."""
    dropped = {
        i
        for i, line in enumerate(lines)
        if seen_counts.get(line_fingerprint(line), 0) >= min_repeats
    }
    total = sum(len(line) for line in lines) or 1
    if sum(len(lines[i]) for i in dropped) > MAX_DROPPED_SHARE * total:
        return set()
    return dropped
