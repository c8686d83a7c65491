"""The writer keeps the id and copy signature of each article it wrote, so that the
copies and near-duplicates of the articles after it are checked and answered without
reading them back; what it answers must be what the database holds."""

from sqlalchemy import event

from app.services import ingest, planning
from app.services.analysis import ArticleIn, analyse, prepare
from app.store import repo
from tests.texts import ENGLISH_ELECTION


def copies(config, count: int):
    """An article and near-copies of it (one changed line each)."""
    return [
        analyse(
            prepare(ArticleIn(id=f"c{i}", text=f"{ENGLISH_ELECTION}\nCorrection {i}."), 10**6),
            config,
        )
        for i in range(count)
    ]


class StatementLog:
    """The SQL statements run on ``session``'s connection while inside."""

    def __init__(self, session) -> None:
        self.engine = repo.engine_of(session)
        self.statements: list[str] = []

    def _note(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(statement)

    def __enter__(self) -> "StatementLog":
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._note)

    def reading(self, *columns: str) -> list[str]:
        """The SELECTs of exactly these columns."""
        head = "SELECT " + ", ".join(columns) + " "
        return [s for s in self.statements if s.replace("\n", " ").startswith(head)]


def test_copies_of_our_own_articles_are_answered_without_reading_them(settings, sessions, wipe):
    config = settings.clustering()
    first, second, third = copies(config, 3)
    with sessions() as session:
        results = ingest.ingest_analysed(session, [first, second], config)
    assert results[1].duplicate_of == "c0"
    with sessions() as session, ingest.locked(session) as cache:
        pks = sorted(cache.written)
        assert len(pks) == 2
        # what the cache answers is what the database holds
        assert planning.article_ids(session, cache, pks) == repo.ids_by_pks(session, pks)
        assert planning.dup_signatures(session, cache, pks) == repo.dup_signatures(session, pks)
    with sessions() as session, StatementLog(session) as log:
        (result,) = ingest.ingest_analysed(session, [third], config)
    assert result.duplicate_of == "c0"
    assert {d.id for d in result.near_duplicates} == {"c0", "c1"}
    assert log.reading("articles.pk", "articles.dup_signature") == []  # from the cache
    assert log.reading("articles.pk", "articles.id") == []  # and their ids


def test_articles_we_did_not_write_are_read(settings, sessions, wipe):
    config = settings.clustering()
    first, second = copies(config, 2)
    with sessions() as session:
        ingest.ingest_analysed(session, [first], config)
    with sessions() as session, ingest.locked(session) as cache:
        cache.clear()  # as a process that did not write them starts
    with sessions() as session, StatementLog(session) as log:
        (result,) = ingest.ingest_analysed(session, [second], config)
    assert result.duplicate_of == "c0"
    assert log.reading("articles.pk", "articles.dup_signature")
    assert log.reading("articles.pk", "articles.id")


def test_a_deleted_article_leaves_the_cache(settings, sessions, wipe):
    config = settings.clustering()
    first, second = copies(config, 2)
    with sessions() as session:
        ingest.ingest_analysed(session, [first, second], config)
    with sessions() as session:
        ingest.delete(session, "c0", config)
    with sessions() as session, ingest.locked(session) as cache:
        gone = [pk for pk, (article_id, _) in cache.written.items() if article_id == "c0"]
        assert gone == []
