"""Band keys of a signature, and the 64-bit posting keys the SQL index stores."""

from __future__ import annotations

import hashlib

import numpy as np


def band_keys(hashvalues: np.ndarray, b: int, r: int) -> list[bytes]:
    """Key of each band, byte for byte as datasketch's MinHashLSH computes it."""
    if b * r > len(hashvalues):
        raise ValueError(f"{b} bands of {r} rows need {b * r} hash values, got {len(hashvalues)}")
    return [bytes(hashvalues[i * r : (i + 1) * r].byteswap().data) for i in range(b)]


def posting_key(band: int, key: bytes) -> int:
    """One signed 64-bit integer per (band, key): one indexed column probes all bands."""
    digest = hashlib.blake2b(band.to_bytes(2, "big") + key, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def posting_keys(hashvalues: np.ndarray, b: int, r: int) -> list[int]:
    return [posting_key(band, key) for band, key in enumerate(band_keys(hashvalues, b, r))]
