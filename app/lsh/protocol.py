"""What the algorithm needs from wherever the LSH buckets live."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class BucketStore(Protocol):
    def add(self, index: int, article_pk: int, keys: Sequence[int]) -> None:
        """File the article under each of its posting keys."""

    def probe(self, index: int, keys: Sequence[int], bucket_cap: int) -> dict[int, int]:
        """Articles sharing a key, with how many keys they share; at most
        ``bucket_cap`` of the newest articles per key, so one busy bucket cannot
        make a probe return half the index."""

    def remove(self, article_pk: int) -> None:
        """Take the article out of every bucket."""
