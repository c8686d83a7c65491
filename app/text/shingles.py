"""Word shingles: the feature set of near-duplicate (copy) detection."""

from __future__ import annotations


def word_shingles(tokens: list[str], size: int) -> set[bytes]:
    """Every run of ``size`` consecutive tokens; a shorter text is one shingle."""
    if not tokens:
        return set()
    if len(tokens) <= size:
        return {" ".join(tokens).encode()}
    runs = zip(*(tokens[i:] for i in range(size)), strict=False)
    return {" ".join(run).encode() for run in runs}
