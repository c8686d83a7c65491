"""Load the seed articles (Reuters and taz, May 2018, on the planned Trump–Kim summit)."""

from __future__ import annotations

from pathlib import Path

from app.services.analysis import ArticleIn

SEED_DIR = Path(__file__).parent

SEEDS = {
    "reuters-summit-2018-05": {"file": "reuters-summit-2018-05.txt", "source": "reuters"},
    "taz-summit-2018-05": {"file": "taz-summit-2018-05.txt", "source": "taz"},
}


def seed_text(article_id: str) -> str:
    return (SEED_DIR / SEEDS[article_id]["file"]).read_text(encoding="utf-8")


def seed_articles() -> list[ArticleIn]:
    """The seeds exactly as given (taz boilerplate included)."""
    return [
        ArticleIn(id=article_id, text=seed_text(article_id), source=meta["source"])
        for article_id, meta in SEEDS.items()
    ]
