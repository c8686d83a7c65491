"""`story-clusters check` names every broken invariant, and passes a sound database."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.cli import main
from app.services.check import check_database
from tests.records import RECORDS


@pytest.fixture
def filled(client, sessions):
    for article_id, body, lang, _ in RECORDS:
        source = "gazette" if article_id.startswith("b") else None
        payload = {"id": article_id, "text": body, "lang": lang, "source": source}
        assert client.post("/articles", json=payload).status_code == 201
    client.delete("/articles/b2")  # removals must leave it sound too
    return sessions


def problems(sessions, settings) -> list[str]:
    with sessions() as session:
        return check_database(session, settings.clustering())


def run_sql(sessions, statement: str) -> None:
    """Break the database on purpose (no foreign key stands in the way of any breakage
    below: the postings have none since migration 0008)."""
    with sessions() as session:
        session.execute(text(statement))
        session.commit()


BREAKAGES = {
    "postings: articles whose postings differ": (
        "DELETE FROM lsh_postings WHERE article_pk = (SELECT MIN(pk) FROM articles)"
        " AND band_key = (SELECT MIN(band_key) FROM lsh_postings"
        " WHERE article_pk = (SELECT MIN(pk) FROM articles))"
    ),
    "postings: articles whose postings differ ": (
        "INSERT INTO lsh_postings (lsh_index, band_key, article_pk)"
        " SELECT 1, 12345, MIN(pk) FROM articles"
    ),
    "postings: 1 postings belong to no article": (
        "INSERT INTO lsh_postings (lsh_index, band_key, article_pk) VALUES (1, 777, 999999)"
    ),
    "clusters: sizes that differ": (
        "UPDATE clusters SET size = size + 1 WHERE id = (SELECT MIN(cluster_id) FROM articles)"
    ),
    "articles: not in a live cluster": (
        "UPDATE clusters SET merged_into = (SELECT MAX(cluster_id) FROM articles)"
        " WHERE id = (SELECT MIN(cluster_id) FROM articles)"
    ),
    "clusters: not in a live storyline": (
        "UPDATE clusters SET storyline_id = NULL WHERE id = (SELECT MIN(cluster_id) FROM articles)"
    ),
    "term statistics: differ": (
        "UPDATE term_stats SET df = df + 1 WHERE term = (SELECT MIN(term) FROM term_stats)"
    ),
    "language statistics: differ": "UPDATE lang_stats SET docs = docs + 1",
    "source-line counts: differ": (
        "DELETE FROM source_lines WHERE line_hash = (SELECT MIN(line_hash) FROM source_lines)"
    ),
}


def test_a_sound_database_passes(filled, settings):
    assert problems(filled, settings) == []


@pytest.mark.parametrize("expected", list(BREAKAGES), ids=lambda name: name.strip())
def test_each_broken_invariant_is_named(filled, settings, expected):
    run_sql(filled, BREAKAGES[expected])
    found = problems(filled, settings)
    assert len(found) >= 1
    assert any(problem.startswith(expected.strip()) for problem in found), found


def test_the_command_exits_non_zero_naming_the_breakage(filled, settings, capsys):
    assert main(["check", "--database-url", settings.database_url]) == 0
    run_sql(filled, "UPDATE lang_stats SET docs = docs + 5")
    assert main(["check", "--database-url", settings.database_url]) == 1
    assert "BROKEN language statistics" in capsys.readouterr().out


def postings_of(sessions, pk: int) -> int:
    with sessions() as session:
        statement = text("SELECT COUNT(*) FROM lsh_postings WHERE article_pk = :pk")
        return session.execute(statement, {"pk": pk}).scalar_one()


def test_an_article_deleted_by_hand_takes_its_postings_along(filled, settings):
    # the postings have no foreign key (migration 0008): a trigger does its cascade
    with filled() as session:
        pk = session.execute(
            text(
                "SELECT MAX(pk) FROM articles WHERE pk NOT IN"
                " (SELECT duplicate_of_pk FROM articles WHERE duplicate_of_pk IS NOT NULL)"
            )
        ).scalar_one()
    assert postings_of(filled, pk) > 0
    run_sql(filled, f"DELETE FROM articles WHERE pk = {pk}")
    assert postings_of(filled, pk) == 0
    assert not any("belong to no article" in problem for problem in problems(filled, settings))
