"""Changing the LSH parameters on a populated index: refused until reindexed, then exact."""

import pytest
from sqlalchemy import text

from app import cli
from app.errors import NotReady
from app.services import ingest
from seeds.loader import seed_text
from tests.texts import GERMAN_FLOOD

REUTERS, TAZ = "reuters-summit-2018-05", "taz-summit-2018-05"


def _post(client, article_id):
    """One seed (post_seeds in conftest posts both and expects them stored)."""
    return client.post("/articles", json={"id": article_id, "text": seed_text(article_id)})


def test_other_lsh_parameters_are_refused_until_reindex(
    client, settings, app_client, row_counts, monkeypatch
):
    first = _post(client, REUTERS).json()
    with app_client(story_lsh_threshold=0.1) as other:
        before = row_counts()
        refused = _post(other, TAZ)
        assert refused.status_code == 503
        assert "story_bands" in refused.json()["detail"]
        assert "story-clusters reindex" in refused.json()["detail"]
        assert other.get("/readyz").status_code == 503
        assert other.post("/match", json={"text": seed_text(TAZ)}).status_code == 503
        assert row_counts() == before

        monkeypatch.setenv("DATABASE_URL", settings.database_url)
        monkeypatch.setenv("STORY_STORY_LSH_THRESHOLD", "0.1")
        cli.get_settings.cache_clear()
        try:
            assert cli.main(["reindex"]) == 0
        finally:
            cli.get_settings.cache_clear()

        assert other.get("/readyz").status_code == 200
        joined = _post(other, TAZ)
        assert joined.status_code == 201
        assert joined.json()["cluster_id"] == first["cluster_id"]
    # now the first service's configuration is the one that no longer fits
    late = client.post("/articles", json={"id": "flood", "text": GERMAN_FLOOD})
    assert late.status_code == 503 and late.json()["error"] == "NotReady"


def _postings(sessions) -> list[tuple]:
    with sessions() as session:
        rows = session.execute(text("SELECT lsh_index, band_key, article_pk FROM lsh_postings"))
        return sorted(tuple(row) for row in rows)


def test_reindex_rebuilds_the_same_keys_ingest_wrote(client, sessions, settings):
    _post(client, REUTERS)
    _post(client, TAZ)
    before = _postings(sessions)
    assert before
    with sessions() as session:
        assert ingest.reindex(session, settings.clustering()) == 2
    assert _postings(sessions) == before


def test_reindex_cannot_change_the_permutation_count(client, sessions, settings):
    _post(client, REUTERS)
    before = _postings(sessions)
    changed = settings.model_copy(update={"story_num_perm": 128}).clustering()
    with sessions() as session, pytest.raises(NotReady, match="story_num_perm"):
        ingest.reindex(session, changed)
    assert _postings(sessions) == before  # nothing was deleted
