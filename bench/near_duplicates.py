"""Near-duplicate benchmark: real articles plus edited copies made by documented operations.

    python -m bench.near_duplicates ARTICLES.jsonl [--copies 2] [--seed 7] [--limit N]

For every article of the file (fields ``id``, ``text``, optional ``title``) the benchmark
makes ``--copies`` edited copies, each by a random mix of these operations:

- headline: a new headline replaces the first line if that is a headline (under 120
  characters, over at least two more paragraphs), else it is put on top;
- drop: one paragraph (not the first) is removed, if the text has five or more;
- reorder: two adjacent paragraphs after the first swap places, if there are three or more;
- footer: a site footer line is appended;
- words: a few words are replaced by other words (one per 30 words, one to three).

Originals are ingested in a random order into a fresh SQLite file, and each copy at a
random later point (a copy never arrives before its original). A copy is a true positive
when it lands in its original's copy group; any duplicate relation between articles of
different originals is a false positive, unless the two originals
are themselves copies in the data (exact word-shingle Jaccard at or above the duplicate
threshold), which is counted apart. Prints precision, recall and F1 over the copy
relations.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.errors import AppError
from app.lsh.signatures import exact_jaccard
from app.services import ingest
from app.services.analysis import ArticleIn
from app.store import migrate
from app.text.features import dup_shingles

FOOTERS = [
    "Copyright 2024 Example Media Group. All rights reserved.",
    "Follow us on social media and sign up for our daily newsletter.",
    "Diesen Artikel teilen: Mehr zum Thema lesen Sie in unserem Dossier.",
]
HEADLINES = ["Update: latest on the story", "What we know so far", "Breaking news report"]
REPLACEMENTS = ["reportedly", "officials", "today", "local", "several", "new"]


def edit(text: str, rng: random.Random) -> tuple[str, list[str]]:
    paragraphs = [p for p in text.split("\n") if p.strip()]
    operations = rng.sample(["headline", "drop", "reorder", "footer", "words"], k=rng.randint(2, 4))
    applied = []
    for op in operations:
        if op == "headline":
            if len(paragraphs[0]) < 120 and len(paragraphs) >= 3:
                paragraphs[0] = rng.choice(HEADLINES)
            else:
                paragraphs.insert(0, rng.choice(HEADLINES))
        elif op == "drop" and len(paragraphs) >= 5:
            del paragraphs[rng.randrange(1, len(paragraphs))]
        elif op == "reorder" and len(paragraphs) >= 3:
            i = rng.randrange(1, len(paragraphs) - 1)
            paragraphs[i], paragraphs[i + 1] = paragraphs[i + 1], paragraphs[i]
        elif op == "footer":
            paragraphs.append(rng.choice(FOOTERS))
        elif op == "words":
            n_words = sum(len(p.split(" ")) for p in paragraphs)
            for _ in range(max(1, min(3, n_words // 30))):
                i = rng.randrange(len(paragraphs))
                words = paragraphs[i].split(" ")
                words[rng.randrange(len(words))] = rng.choice(REPLACEMENTS)
                paragraphs[i] = " ".join(words)
        else:
            continue
        applied.append(op)
    return "\n".join(paragraphs), applied


def run(path: Path, copies: int, seed: int, limit: int | None) -> dict:
    rng = random.Random(seed)
    records = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    records = records[:limit] if limit else records
    items: list[tuple[str, str, str]] = []  # (id, text, original id)
    rng.shuffle(records)
    for record in records:
        items.append((str(record["id"]), record["text"], str(record["id"])))
    for record in list(records):
        after = next(i for i, item in enumerate(items) if item[0] == str(record["id"]))
        for n in range(copies):
            text, _ops = edit(record["text"], rng)
            position = rng.randint(after + 1, len(items))
            items.insert(position, (f"{record['id']}~copy{n}", text, str(record["id"])))
    original_of = {article_id: original for article_id, _, original in items}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/dups.db")
        migrate.upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        sessions = make_sessionmaker(engine)
        reported: dict[str, str | None] = {}
        rejected = 0
        for article_id, text, _ in items:
            try:
                with sessions() as session:
                    result = ingest.ingest(
                        session,
                        ArticleIn(id=article_id, text=text),
                        settings.clustering(),
                        settings.max_text_chars,
                    )
            except AppError:
                rejected += 1
                continue
            reported[article_id] = result.duplicate_of
        engine.dispose()
    texts = {str(r["id"]): r["text"] for r in records}
    config = settings.clustering()

    def copies_in_data(a: str, b: str) -> bool:
        shingles = [dup_shingles(texts[x], config.dup_shingle_size) for x in (a, b)]
        return exact_jaccard(*shingles) >= config.dup_threshold

    result = score(reported, original_of, len(records) * copies, copies_in_data)
    result["rejected"] = rejected
    return result


def score(reported, original_of, relations: int, copies_in_data) -> dict:
    def root(article_id: str) -> str:
        return reported.get(article_id) or article_id

    tp = sum(
        1
        for article_id in reported
        if article_id != original_of[article_id]
        and root(article_id) == root(original_of[article_id])
    )
    fp = in_data = 0
    for article_id, duplicate_of in reported.items():
        if duplicate_of is None:
            continue
        a, b = original_of[article_id], original_of[duplicate_of]
        if a == b:
            continue
        if copies_in_data(a, b):
            in_data += 1
        else:
            fp += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / relations if relations else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "articles": len(reported),
        "copy_relations": relations,
        "true_positives": tp,
        "false_positives": fp,
        "copies_already_in_data": in_data,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    print(json.dumps(run(args.file, args.copies, args.seed, args.limit), indent=2))


if __name__ == "__main__":
    main()
