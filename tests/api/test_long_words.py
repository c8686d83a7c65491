"""Letter runs longer than any word (unspaced scripts) are accepted the same on SQLite and
PostgreSQL: they are no story terms, so no statistics row outgrows its column."""

from sqlalchemy import text

from app.clustering.config import ClusteringConfig
from app.text.features import MAX_TERM_LENGTH, story_terms
from tests.texts import ENGLISH_BRIDGE

UNSPACED = "北京市政府周二宣布新的交通管制措施以应对即将到来的国际会议期间的交通压力" * 6


def test_an_unspaced_run_is_no_story_term():
    terms = story_terms(
        None, f"{UNSPACED}\nMillbrook bridge closed.", "zh", ClusteringConfig().story_weights()
    )
    assert terms and all(len(term) <= MAX_TERM_LENGTH for term in terms)
    assert len(UNSPACED) > 128


def test_articles_with_unspaced_runs_are_stored(client, sessions):
    body = {"id": "zh", "text": f"{UNSPACED}\n{ENGLISH_BRIDGE}"}
    assert client.post("/articles", json=body).status_code == 201
    with sessions() as session:
        longest = session.execute(text("SELECT MAX(LENGTH(term)) FROM term_stats")).scalar_one()
    assert longest <= MAX_TERM_LENGTH
