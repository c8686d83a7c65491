"""Band keys and band parameters agree with datasketch's own MinHashLSH."""

import random

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from datasketch.lsh import _optimal_param

from app.lsh.bands import band_keys, posting_keys
from app.lsh.params import collision_probability, optimal_bands
from app.lsh.signatures import estimated_jaccard, from_bytes, minhash, signature, to_bytes


@pytest.mark.parametrize(
    "threshold,num_perm", [(0.05, 256), (0.1, 256), (0.4, 128), (0.5, 128), (0.8, 64)]
)
def test_band_parameters_match_datasketch(threshold, num_perm):
    assert optimal_bands(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


@pytest.mark.parametrize("threshold,num_perm", [(0.05, 256), (0.1, 256), (0.4, 128)])
def test_band_keys_equal_datasketch_keys(threshold, num_perm):
    sketch = minhash([f"word{i}".encode() for i in range(50)], num_perm, seed=1)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    lsh.insert("doc", sketch)
    ours = band_keys(sketch.hashvalues, lsh.b, lsh.r)
    theirs = [next(iter(table.keys())) for table in lsh.hashtables]
    assert (lsh.b, lsh.r) == optimal_bands(threshold, num_perm)
    assert ours == theirs


def test_posting_keys_separate_bands_and_fit_bigint():
    values = np.array([7, 7, 7, 7], dtype=np.uint32)
    keys = posting_keys(values, 2, 2)  # two bands with identical content
    assert keys[0] != keys[1]
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_signature_round_trip_and_estimate():
    a = minhash([f"w{i}".encode() for i in range(100)], 256, 1)
    b = minhash([f"w{i}".encode() for i in range(50, 150)], 256, 1)
    restored = from_bytes(to_bytes(a.hashvalues))
    assert np.array_equal(restored, a.hashvalues)
    assert abs(estimated_jaccard(restored, b.hashvalues) - a.jaccard(b)) < 1e-12
    assert abs(estimated_jaccard(a.hashvalues, b.hashvalues) - 1 / 3) < 0.1


def test_collision_probability_is_an_s_curve():
    b, r = optimal_bands(0.5, 128)
    assert collision_probability(0.2, b, r) < 0.2 < 0.9 < collision_probability(0.8, b, r)


@pytest.mark.parametrize("num_perm", [128, 256])
@pytest.mark.parametrize("count", [0, 1, 7, 600])
def test_signature_equals_datasketch_update_batch(num_perm, count):
    """Our batched hashing must give datasketch's own hash values, bit for bit: stored
    signatures and band keys depend on it."""
    rng = random.Random(count)
    items = [f"{rng.random()} {i} Wörter".encode() for i in range(count)]
    sketch = MinHash(num_perm=num_perm, seed=1, scheme="affine32")
    sketch.update_batch(items)
    ours = signature(items, num_perm, 1)
    assert ours.dtype == sketch.hashvalues.dtype
    assert np.array_equal(ours, sketch.hashvalues)
