"""Labelled records of the tests' own articles (fictional events; not from any
evaluation set), and a JSONL file of them as `story-clusters ingest` reads it."""

import json

from seeds.loader import seed_text
from tests.texts import (
    ENGLISH_BRIDGE,
    ENGLISH_BRIDGE_OTHER_OUTLET,
    ENGLISH_ELECTION,
    GERMAN_FLOOD,
    GERMAN_FLOOD_FOLLOWUP,
)

RECORDS = [
    ("r", seed_text("reuters-summit-2018-05"), "de", "summit"),
    ("b1", ENGLISH_BRIDGE, "en", "bridge"),
    ("f1", GERMAN_FLOOD, "de", "flood"),
    ("t", seed_text("taz-summit-2018-05"), "de", "summit"),
    ("e1", ENGLISH_ELECTION, "en", "election"),
    ("b2", ENGLISH_BRIDGE_OTHER_OUTLET, "en", "bridge"),
    ("f2", GERMAN_FLOOD_FOLLOWUP, "de", "flood"),
]


HTML = (
    "<html><head><title>Millbrook bridge: drivers warned minutes before</title></head><body>"
    "<nav>Home | News | Sport</nav><article><p>Two drivers left their trucks on the Harlow "
    "Street bridge in Millbrook minutes before the span collapsed into the Fenwick River on "
    "Saturday, fire chief Dana Ortiz said.</p><p>Mayor Colin Reyes ordered inspections of "
    "every bridge in the city after the collapse of the 1962 structure.</p></article>"
    "<footer>Copyright Millbrook Courier</footer></body></html>"
)


def write_file(path, extra=()):
    with path.open("w", encoding="utf-8") as handle:
        for article_id, body, lang, cluster in RECORDS:
            row = {"id": article_id, "text": body, "lang": lang, "cluster": cluster}
            handle.write(json.dumps(row) + "\n")
        handle.write(
            json.dumps(
                {
                    "id": "b3",
                    "html": HTML,
                    "url": "https://www.courier.example/millbrook-bridge",
                    "published_at": "2026-11-21T08:30:00+01:00",
                }
            )
            + "\n"
        )
        for line in extra:
            handle.write(line + "\n")
