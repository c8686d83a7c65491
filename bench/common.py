"""What the benchmarks share: the datasketch reference's sketch of a record, latency
percentiles, and how a result is reported beside its reference."""

from __future__ import annotations

import json
import re
import socket
import uuid
from pathlib import Path

from datasketch import MinHash
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import normalise_url

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


def fresh_postgres(server_url: str) -> tuple[str, callable]:
    """A new database on the server, and a function that drops it."""
    name = f"story_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(server_url)).set(database=name)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
