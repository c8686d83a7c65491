"""The hostile-input worst cases, timed: what one request can cost the service.

    python -m bench.worst_case [--postgres postgresql://user@host:5432/db] [--out FILE]

Each case is one request against the app (default limits: 2 MB bodies, 200,000
characters of text) on a fresh SQLite file, and on a fresh PostgreSQL database with
``--postgres``; reported: status, seconds, and the term-statistics rows it added.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.config import Settings
from app.main import create_app
from app.store import migrate
from bench.common import fresh_postgres, write_report

_LEAD = "Talks in Singapore: the summit between the two leaders was planned for June. "


def _cjk_bigrams(count: int) -> str:
    """``count`` distinct two-character CJK words, spaced: each one a story term."""
    rng = random.Random(7)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(rng.choice(chars) + rng.choice(chars))
    return " ".join(seen)


def _random_words(count: int) -> str:
    rng = random.Random(11)
    return " ".join("".join(rng.choices("bcdfghjklmnpqrstvwxz", k=8)) for _ in range(count))


def _html_page(size: int) -> str:
    paragraph = f"<p>{_random_words(40)}</p>\n"
    return (
        "<html><body><article>" + paragraph * (size // len(paragraph)) + "</article></body></html>"
    )


CASES = {
    # U+FDFA: NFKC makes each character eighteen; as many as the raw limit lets through
    "nfkc_expansion_199k_chars": lambda: {"text": "\ufdfa" * 199_000},
    "distinct_cjk_bigrams_166k": lambda: {"text": _LEAD + _cjk_bigrams(166_000)},
    "distinct_cjk_bigrams_66k": lambda: {"text": _LEAD + _cjk_bigrams(66_000)},
    "distinct_latin_words_22k": lambda: {"text": _LEAD + _random_words(22_000)},
    "longest_word_200k": lambda: {"text": _LEAD + "x" * 199_000},
    "html_2MB_of_paragraphs": lambda: {"html": _html_page(1_900_000)},
}


def run(url: str) -> dict:
    migrate.upgrade(url)
    results = {}
    with TestClient(create_app(Settings(database_url=url, auto_migrate=False))) as client:
        engine = client.app.state.engine
        for name, make in CASES.items():
            body = {"id": name, **make()}
            rows_before = _term_rows(engine)
            started = time.perf_counter()
            response = client.post("/articles", json=body)
            seconds = time.perf_counter() - started
            results[name] = {
                "status": response.status_code,
                "seconds": round(seconds, 3),
                "term_rows_added": _term_rows(engine) - rows_before,
                "request_bytes": len(json.dumps(body, ensure_ascii=False).encode()),
            }
            print(json.dumps({name: results[name]}), flush=True)
        client.post("/articles", json={"id": "seed", "text": _LEAD * 3})
        cluster_id = client.get("/articles/seed").json()["cluster_id"]
        started = time.perf_counter()
        status = client.get(f"/clusters/{cluster_id}").status_code
        results["cluster_page"] = {"status": status, "seconds": time.perf_counter() - started}
    return results


def _term_rows(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM term_stats")).scalar_one()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL to run on as well")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        report["sqlite"] = run(f"sqlite:///{tmp}/worst.db")
    if args.postgres:
        url, drop = fresh_postgres(args.postgres)
        try:
            report["postgresql"] = run(url)
        finally:
            drop()
    write_report(report, args.out)


if __name__ == "__main__":
    main()
