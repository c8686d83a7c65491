"""What the benchmarks share: the datasketch reference's sketch of a record, latency
percentiles, and how a result is reported beside its reference."""

from __future__ import annotations

import json
import re
from pathlib import Path

from datasketch import MinHash

_WORD = re.compile(r"\w+")


class ReferenceSketcher:
    """datasketch alone on a record: lower-cased word tokens, word 5-shingles,
    ``MinHash(128).update_batch``. The permutations are made once and shared, as
    datasketch's docs advise for many sketches (drawn anew per MinHash, the reference
    would be 2-3 times slower)."""

    def __init__(self, num_perm: int = 128) -> None:
        self.num_perm = num_perm
        self.permutations = MinHash(num_perm=num_perm).permutations

    def sketch(self, record: dict) -> MinHash:
        words = _WORD.findall((record.get("text") or record.get("html") or "").lower())
        shingles = {" ".join(words[i : i + 5]).encode() for i in range(len(words) - 4)}
        sketch = MinHash(num_perm=self.num_perm, permutations=self.permutations, scheme="affine32")
        sketch.update_batch(list(shingles))
        return sketch


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report_beside(report: dict, name: str, result: dict, reference: str) -> None:
    """Add ``result`` with its ratio to ``report[reference]``'s rate, and print it."""
    result[f"ratio_to_{reference}"] = result["per_second"] / report[reference]["per_second"]
    report[name] = result
    print(json.dumps({name: result}), flush=True)


def write_report(report: dict, out: Path | None) -> None:
    if out:
        out.write_text(json.dumps(report, indent=2))
