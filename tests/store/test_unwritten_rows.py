"""A writing transaction gives its new storylines, clusters and articles their ids as it
makes them and sends their rows together, one statement a table, before it commits and
before anything in it reads such rows back."""

import pytest
from sqlalchemy import text

from app.services import ingest
from app.store import repo
from tests.statements import StatementLog
from tests.store.test_filed_postings import analysed, postings_by_article
from tests.texts import ENGLISH_BRIDGE, ENGLISH_ELECTION, GERMAN_FLOOD

UNRELATED = {"bridge": ENGLISH_BRIDGE, "election": ENGLISH_ELECTION, "flood": GERMAN_FLOOD}


def stored(session) -> list[tuple[str, int, int, int]]:
    """(article id, pk, cluster id, storyline id) of every article, in pk order; and
    every cluster's size is its member count."""
    sizes = session.execute(
        text(
            "SELECT c.id, c.size, count(a.pk) FROM clusters c"
            " LEFT JOIN articles a ON a.cluster_id = c.id GROUP BY c.id, c.size"
        )
    )
    assert all(size == members for _, size, members in sizes)
    rows = session.execute(
        text(
            "SELECT a.id, a.pk, c.id, s.id FROM articles a JOIN clusters c ON c.id = a.cluster_id"
            " JOIN storylines s ON s.id = c.storyline_id ORDER BY a.pk"
        )
    )
    return [tuple(row) for row in rows]


def test_a_batch_writes_each_table_in_one_statement(settings, sessions, wipe):
    config = settings.clustering()
    batch = [analysed(config, i, t) for i, t in UNRELATED.items()]
    with sessions() as session, StatementLog(repo.engine_of(session)) as log:
        results = ingest.ingest_analysed(session, batch, config)
    for table in ("storylines", "clusters", "articles"):
        assert len(log.starting(f"INSERT INTO {table} ")) == 1, table
    with sessions() as session:
        rows = stored(session)
    assert [row[0] for row in rows] == list(UNRELATED)  # pks in the order written
    assert [row[2] for row in rows] == [r.cluster_id for r in results]
    assert len({row[2] for row in rows}) == len({row[3] for row in rows}) == 3


def test_ids_keep_the_order_rows_were_made_in(settings, sessions, wipe):
    config = settings.clustering()
    first, second = list(UNRELATED.items())[:2], list(UNRELATED.items())[2:]
    for part in (first, second):
        with sessions() as session:
            ingest.ingest_analysed(session, [analysed(config, i, t) for i, t in part], config)
    with sessions() as session:
        rows = stored(session)
    assert [row[0] for row in rows] == list(UNRELATED)
    for column in (2, 3):  # clusters and storylines, made one per article here
        ids = [row[column] for row in rows]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_reads_in_the_transaction_see_its_unsent_rows(settings, sessions, wipe):
    config = settings.clustering()
    first = analysed(config, "first", GERMAN_FLOOD)
    copy = analysed(config, "copy", f"{GERMAN_FLOOD}\nNachtrag.")
    with sessions() as session, ingest.locked(session, 2) as cache:
        written = ingest._write(session, cache, first, config, {})
        assert cache.unwritten.articles  # made, not sent
        cache.forget_rows()  # as when a term table is replaced: the rest is read back
        result = ingest._write(session, cache, copy, config, {})
    assert result.duplicate_of == "first"
    assert result.cluster_id == written.cluster_id
    # an id twice in one batch: the second is answered from the row the first made
    again = analysed(config, "again", ENGLISH_BRIDGE)
    with sessions() as session:
        results = ingest.ingest_analysed(session, [again, again], config)
    assert [r.created for r in results] == [True, False]
    assert results[0].cluster_id == results[1].cluster_id


def test_a_rolled_back_transaction_leaves_no_rows_and_no_postings(settings, sessions, wipe):
    config = settings.clustering()
    lost = analysed(config, "lost", ENGLISH_ELECTION)
    kept = analysed(config, "kept", GERMAN_FLOOD)
    with sessions() as session, pytest.raises(RuntimeError), ingest.locked(session) as cache:
        ingest._write(session, cache, lost, config, {})
        assert cache.unwritten.articles and cache.unwritten.clusters and cache.unwritten.postings
        raise RuntimeError("the batch fails before it commits")
    assert cache.unwritten.articles == [] and cache.unwritten.free_ids == {}
    assert cache.unwritten.postings == []
    with sessions() as session:
        ingest.ingest_analysed(session, [kept], config)
    with sessions() as session:
        assert [row[0] for row in stored(session)] == ["kept"]
        assert postings_by_article(session) == {
            "kept": len({*kept.dup_keys}) + len({*kept.story_keys})
        }
        assert session.execute(text("SELECT count(*) FROM clusters")).scalar_one() == 1


def test_ids_go_on_when_a_table_is_empty_and_the_others_are_not(settings, sessions, wipe):
    config = settings.clustering()
    with sessions() as session:
        ingest.ingest_analysed(session, [analysed(config, "gone", ENGLISH_BRIDGE)], config)
    with sessions() as session:
        ingest.delete(session, "gone", config)  # its cluster and storyline stay
    with sessions() as session:
        (result,) = ingest.ingest_analysed(session, [analysed(config, "new", GERMAN_FLOOD)], config)
    with sessions() as session:
        assert [(row[0], row[2]) for row in stored(session)] == [("new", result.cluster_id)]
