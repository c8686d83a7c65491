"""Boilerplate: lines a source repeats across its articles stop counting once seen."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from app.text.normalise import line_key


def line_fingerprint(line: str) -> int:
    """A signed 64-bit fingerprint of a line's normalised form (fits a BIGINT column)."""
    digest = hashlib.blake2b(line_key(line).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def boilerplate_lines(
    line_hashes: Sequence[int], seen_counts: Mapping[int, int], min_repeats: int
) -> set[int]:
    """Indexes of lines seen in at least ``min_repeats`` earlier articles of the source.
    When every line is such a line the text is a re-publication, not furniture: none."""
    dropped = {i for i, h in enumerate(line_hashes) if seen_counts.get(h, 0) >= min_repeats}
    return set() if len(dropped) == len(line_hashes) else dropped
