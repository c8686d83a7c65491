"""The writer keeps the id and copy signature of each article it wrote, so that the
copies and near-duplicates of the articles after it are checked and answered without
reading them back; what it answers must be what the database holds."""

from app.services import ingest, planning
from app.store import repo
from tests.statements import StatementLog
from tests.store.test_early_probe import reports  # an article and near-copies of it


def test_copies_of_our_own_articles_are_answered_without_reading_them(settings, sessions, wipe):
    config = settings.clustering()
    first, second, third = reports(config, 0, 3)
    with sessions() as session:
        results = ingest.ingest_analysed(session, [first, second], config)
    assert results[1].duplicate_of == "e0"
    with sessions() as session, ingest.locked(session) as cache:
        pks = sorted(cache.written)
        assert len(pks) == 2
        # what the cache answers is what the database holds
        assert planning.article_ids(session, cache, pks) == repo.ids_by_pks(session, pks)
        assert planning.dup_signatures(session, cache, pks) == repo.dup_signatures(session, pks)
    with sessions() as session, StatementLog(repo.engine_of(session)) as log:
        (result,) = ingest.ingest_analysed(session, [third], config)
    assert result.duplicate_of == "e0"
    assert {d.id for d in result.near_duplicates} == {"e0", "e1"}
    assert log.reading("articles.pk", "articles.dup_signature") == []  # from the cache
    assert log.reading("articles.pk", "articles.id") == []  # and their ids


def test_articles_we_did_not_write_are_read(settings, sessions, wipe):
    config = settings.clustering()
    first, second = reports(config, 0, 2)
    with sessions() as session:
        ingest.ingest_analysed(session, [first], config)
    with sessions() as session, ingest.locked(session) as cache:
        cache.clear()  # as a process that did not write them starts
    with sessions() as session, StatementLog(repo.engine_of(session)) as log:
        (result,) = ingest.ingest_analysed(session, [second], config)
    assert result.duplicate_of == "e0"
    assert log.reading("articles.pk", "articles.dup_signature")
    assert log.reading("articles.pk", "articles.id")


def test_a_deleted_article_leaves_the_cache(settings, sessions, wipe):
    config = settings.clustering()
    first, second = reports(config, 0, 2)
    with sessions() as session:
        ingest.ingest_analysed(session, [first, second], config)
    with sessions() as session:
        ingest.delete(session, "e0", config)
    with sessions() as session, ingest.locked(session) as cache:
        gone = [pk for pk, (article_id, _) in cache.written.items() if article_id == "e0"]
        assert gone == []
