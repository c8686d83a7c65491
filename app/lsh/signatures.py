"""MinHash signatures (datasketch), stored as bytes together with how they were made."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from datasketch import MinHash

SCHEME = "affine32"
_DTYPE = np.dtype("<u4")


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int):
    # Generating permutations costs more than hashing a short text: make them once.
    return MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations


def minhash(items: Iterable[bytes], num_perm: int, seed: int) -> MinHash:
    sketch = MinHash(
        num_perm=num_perm, seed=seed, permutations=_permutations(num_perm, seed), scheme=SCHEME
    )
    sketch.update_batch(list(items))
    return sketch


def signature(items: Iterable[bytes], num_perm: int, seed: int) -> np.ndarray:
    return minhash(items, num_perm, seed).hashvalues


def to_bytes(hashvalues: np.ndarray) -> bytes:
    return np.asarray(hashvalues, dtype=_DTYPE).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=_DTYPE).astype(np.uint32)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) != len(b):
        raise ValueError("signatures of different lengths cannot be compared")
    return float(np.count_nonzero(a == b)) / len(a)


def exact_jaccard(a: Iterable, b: Iterable) -> float:
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0
