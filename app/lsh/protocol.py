"""What the algorithm needs from wherever the LSH buckets live."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol


class BucketStore(Protocol):
    def add(self, article_pk: int, keys_by_index: Mapping[int, Sequence[int]]) -> None:
        """File the article under each of its posting keys, in every index."""

    def probe(
        self, keys_by_index: Mapping[int, Sequence[int]], bucket_cap: int
    ) -> dict[int, Counter]:
        """Per index, the articles sharing a key with how many keys they share; at most
        ``bucket_cap`` of the newest articles per key, so one busy bucket cannot make a
        probe return half the index."""

    def remove(self, article_pk: int) -> None:
        """Take the article out of every bucket."""
