"""Choice of (bands, rows) for a Jaccard threshold, the way datasketch chooses them."""

from __future__ import annotations

from functools import lru_cache

from scipy.integrate import quad


def _false_positive(threshold: float, b: int, r: int) -> float:
    return quad(lambda s: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)[0]


def _false_negative(threshold: float, b: int, r: int) -> float:
    return quad(lambda s: 1 - (1 - (1 - s ** float(r)) ** float(b)), threshold, 1.0)[0]


@lru_cache(maxsize=64)
def optimal_bands(
    threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5
) -> tuple[int, int]:
    """(b, r) minimising the weighted false-positive and false-negative areas."""
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be between 0 and 1")
    best_error, best = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            error = (
                _false_positive(threshold, b, r) * fp_weight
                + _false_negative(threshold, b, r) * fn_weight
            )
            if error < best_error:
                best_error, best = error, (b, r)
    return best


def collision_probability(similarity: float, b: int, r: int) -> float:
    """Chance that two sets of this Jaccard share at least one band."""
    return 1 - (1 - similarity**r) ** b
