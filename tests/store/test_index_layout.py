"""Changing the LSH parameters on a populated index: refused until reindexed, then exact."""

from fastapi.testclient import TestClient

from app import cli
from app.main import create_app
from app.store import repo
from seeds.loader import seed_text
from tests.texts import GERMAN_FLOOD

REUTERS, TAZ = "reuters-summit-2018-05", "taz-summit-2018-05"


def _post(client, article_id):
    return client.post("/articles", json={"id": article_id, "text": seed_text(article_id)})


def test_other_lsh_parameters_are_refused_until_reindex(client, settings, row_counts, monkeypatch):
    first = _post(client, REUTERS).json()
    changed = settings.model_copy(update={"story_lsh_threshold": 0.1})
    with TestClient(create_app(changed)) as other:
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


def test_reindex_rebuilds_the_same_keys_ingest_wrote(client, sessions, settings):
    _post(client, REUTERS)
    _post(client, TAZ)
    with sessions() as session:
        before = repo.count_postings(session)
    from app.services import ingest

    with sessions() as session:
        assert ingest.reindex(session, settings.clustering()) == 2
    with sessions() as session:
        assert repo.count_postings(session) == before
    assert _post(client, REUTERS).status_code == 200  # same content: found, not re-added


def test_reindex_cannot_change_the_permutation_count(client, sessions, settings):
    _post(client, REUTERS)
    from app.errors import NotReady
    from app.services import ingest

    changed = settings.model_copy(update={"story_num_perm": 128}).clustering()
    with sessions() as session:
        try:
            ingest.reindex(session, changed)
        except NotReady as exc:
            assert "story_num_perm" in exc.message
        else:
            raise AssertionError("reindex accepted a different permutation count")
    with sessions() as session:
        assert repo.count_postings(session) > 0  # nothing was deleted
