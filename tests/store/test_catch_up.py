"""A writer whose process did not write last reads what the others changed since
(``changed_in``, kept by triggers) instead of forgetting its cache; after catching up,
everything it kept must equal the database."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import event, text

from app.db import make_engine, make_sessionmaker
from app.services import ingest
from app.services.analysis import ArticleIn
from app.store import repo
from tests.texts import (
    GERMAN_FLOOD,
    GERMAN_FLOOD_FOLLOWUP,
    GERMAN_TRUMP_UKRAINE,
    MILLBROOK_BUDGET,
    MILLBROOK_MAYOR,
)


@pytest.fixture
def two_writers(settings, wipe):
    """Two engines stand for two processes, each with its own writer cache."""
    engines = [make_engine(settings.database_url) for _ in range(2)]
    yield [make_sessionmaker(engine) for engine in engines]
    for engine in engines:
        engine.dispose()


@contextmanager
def selects_naming(engine, word: str) -> Iterator[list[str]]:
    """The SELECT statements naming ``word`` that the engine sends while inside."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if word in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def write(sessions, config, article_id, text):
    with sessions() as session:
        return ingest.ingest(session, ArticleIn(id=article_id, text=text), config, 10**6)


def assert_cache_matches_database(session, cache):
    states = repo.cluster_states(session, list(cache.clusters))
    for cluster_id, kept in cache.clusters.items():
        _, size, centroid, first, last, merged_into, storyline_id = states[cluster_id]
        assert (kept.size, kept.merged_into) == (size, merged_into), cluster_id
        assert kept.storyline_id == storyline_id, cluster_id
        assert (kept.first_published, kept.last_published) == (first, last), cluster_id
        assert kept.centroid == centroid, cluster_id  # exactly: scores depend on it
    known = [pk for pk in range(len(cache.refs.known)) if cache.refs.known[pk]]
    stored = repo.article_refs(session, known)
    for pk in known:
        if pk in stored:  # a deleted article's ref is never asked for again
            ref = cache.refs.get(pk)
            assert (ref.cluster_id, ref.duplicate_of_pk) == stored[pk][:2], pk
    terms = repo.story_terms_of(session, list(cache.terms))
    assert all(cache.terms[pk] == terms[pk] for pk in cache.terms if pk in terms)


def test_another_writers_joins_split_and_deletes_are_caught_up(settings, two_writers):
    ours, theirs = two_writers
    config = settings.clustering()
    greedy = settings.model_copy(update={"join_threshold": 1e-6}).clustering()
    untouched = write(ours, config, "ukraine", GERMAN_TRUMP_UKRAINE).cluster_id
    write(ours, greedy, "budget-0", MILLBROOK_BUDGET[0])
    write(ours, greedy, "mayor-0", MILLBROOK_MAYOR[0])  # joins: one cluster, two stories
    write(ours, config, "flood", GERMAN_FLOOD)
    assert write(ours, config, "flood-copy", GERMAN_FLOOD).duplicate_of == "flood"
    # the other process: the story grows until repair splits it, a copy root goes, and
    # an article is replaced with other content
    for i in (1, 2):
        write(theirs, greedy, f"budget-{i}", MILLBROOK_BUDGET[i])
        write(theirs, greedy, f"mayor-{i}", MILLBROOK_MAYOR[i])
    with theirs() as session:
        ingest.delete(session, "flood", config)
        ingest.replace(session, ArticleIn(id="mayor-0", text=GERMAN_FLOOD_FOLLOWUP), config, 10**6)
    with ours() as session, ingest.locked(session) as cache:
        assert untouched in cache.clusters  # caught up, not forgotten
        assert_cache_matches_database(session, cache)
    write(ours, greedy, "mayor-3", MILLBROOK_MAYOR[0] + " The vote is on Friday.")
    with ours() as session:  # what it decided from there holds together
        sizes = session.execute(
            text(
                "SELECT c.size, COUNT(a.pk) FROM clusters c"
                " JOIN articles a ON a.cluster_id = c.id GROUP BY c.id, c.size"
            )
        ).all()
    assert all(size == count for size, count in sizes)


def test_another_writers_new_articles_keep_frequencies_exact(settings, two_writers):
    ours, theirs = two_writers
    config = settings.clustering()
    for i in (0, 1):  # the second is scored against the first: frequencies are read
        write(ours, config, f"budget-{i}", MILLBROOK_BUDGET[i])
    write(ours, config, "flood", GERMAN_FLOOD)
    write(ours, config, "flood-follow-up", GERMAN_FLOOD_FOLLOWUP)
    write(theirs, config, "budget-2", MILLBROOK_BUDGET[2])  # the other process only adds
    write(theirs, config, "mayor-0", MILLBROOK_MAYOR[0])
    write(theirs, config, "ukraine", GERMAN_TRUMP_UKRAINE)
    with ours() as session, ingest.locked(session) as cache:
        assert_cache_matches_database(session, cache)
        assert set(cache.tables) == {"en", "de"}
        for lang, table in cache.tables.items():
            assert table.docs == repo.language_docs(session, lang)  # counted in, not re-read
            known = [term for term in table.terms if table.known[table.ids[term]]]
            stored = repo.document_frequencies(session, lang, known)
            assert known and all(table.df[table.ids[t]] == stored.get(t, 0) for t in known), lang
            # the vocabulary was read whole: the other writer's new terms are counted in
            assert table.complete, lang
            vocabulary = repo.document_frequencies_of_language(session, lang)
            assert {t: table.df[table.ids[t]] for t in vocabulary} == vocabulary, lang


def test_a_writer_that_read_the_vocabulary_asks_for_no_frequency(settings, two_writers):
    ours, theirs = two_writers
    config = settings.clustering()
    write(theirs, config, "budget-0", MILLBROOK_BUDGET[0])  # before our first turn
    write(ours, config, "budget-1", MILLBROOK_BUDGET[1])  # reads the vocabulary once
    write(theirs, config, "mayor-0", MILLBROOK_MAYOR[0])  # new terms, counted in by us
    with selects_naming(ours.kw["bind"], "term_stats") as asked:
        write(ours, config, "budget-2", MILLBROOK_BUDGET[2])
        for i in (1, 2):
            write(ours, config, f"mayor-{i}", MILLBROOK_MAYOR[i])
    assert asked == []
    with ours() as session, ingest.locked(session) as cache:
        vocabulary = repo.document_frequencies_of_language(session, "en")
        table = cache.tables["en"]
        assert {t: table.df[table.ids[t]] for t in vocabulary} == vocabulary


def test_a_vocabulary_too_large_to_keep_is_read_term_by_term(settings, two_writers, monkeypatch):
    monkeypatch.setattr("app.services.planning.MAX_VOCABULARY_READ", 0)
    ours, _ = two_writers
    config = settings.clustering()
    for i in (0, 1):
        write(ours, config, f"budget-{i}", MILLBROOK_BUDGET[i])
    with ours() as session, ingest.locked(session) as cache:
        table = cache.tables["en"]
        assert table.vocabulary_read and not table.complete
        known = [term for term in table.terms if table.known[table.ids[term]]]
        stored = repo.document_frequencies(session, "en", known)
        assert known and all(table.df[table.ids[t]] == stored.get(t, 0) for t in known)


MAY_2 = datetime(2026, 5, 2, 10)  # naive UTC, as ArticleIn takes it


def test_another_writers_joins_and_new_clusters_are_followed_not_read_again(settings, two_writers):
    ours, theirs = two_writers
    config = settings.clustering()
    budget = write(ours, config, "budget-0", MILLBROOK_BUDGET[0]).cluster_id
    flood = write(ours, config, "flood", GERMAN_FLOOD).cluster_id
    with ours() as session, ingest.locked(session) as cache:
        kept = dict(cache.clusters)
    assert {budget, flood} <= kept.keys()
    # the other process adds reports that join both clusters, one of them dated
    for i in (1, 2):
        assert write(theirs, config, f"budget-{i}", MILLBROOK_BUDGET[i]).cluster_id == budget
    with theirs() as session:
        dated = ArticleIn(id="flood-follow-up", text=GERMAN_FLOOD_FOLLOWUP, published_at=MAY_2)
        assert ingest.ingest(session, dated, config, 10**6).cluster_id == flood
    started = write(theirs, config, "ukraine", GERMAN_TRUMP_UKRAINE).cluster_id  # a new one
    assert started not in {budget, flood}
    with (
        selects_naming(ours.kw["bind"], "centroid") as read,
        ours() as session,
        ingest.locked(session) as cache,  # catches up on entering the turn
    ):
        assert cache.clusters[budget] is not kept[budget]  # followed: a new state
        assert cache.clusters[budget].size == 3 and cache.clusters[flood].size == 2
        assert cache.clusters[flood].last_published == MAY_2
        assert cache.clusters[started].size == 1  # made from its article, not read
    assert read == []  # no centroid was read again
    with ours() as session, ingest.locked(session) as cache:  # nothing more to catch up
        assert_cache_matches_database(session, cache)


def test_a_cluster_another_writer_merged_into_is_read_again(settings, two_writers):
    ours, theirs = two_writers
    apart = settings.model_copy(update={"join_threshold": 0.99, "merge_threshold": 0.99})
    merging = settings.model_copy(update={"join_threshold": 1e-6, "merge_threshold": 1e-6})
    budget = write(ours, apart.clustering(), "budget-0", MILLBROOK_BUDGET[0]).cluster_id
    mayor = write(ours, apart.clustering(), "mayor-0", MILLBROOK_MAYOR[0]).cluster_id
    assert budget != mayor
    with ours() as session, ingest.locked(session) as cache:
        assert {budget, mayor} <= cache.clusters.keys()
    # the other process's article joins one and merges the other into it
    joined = write(theirs, merging.clustering(), "budget-1", MILLBROOK_BUDGET[1]).cluster_id
    with theirs() as session:  # the merge marked the lock row
        generation, _removed, regrouped = session.execute(
            text("SELECT generation, removed_in, regrouped_in FROM ingest_lock")
        ).one()
        assert regrouped == generation
    with ours() as session, ingest.locked(session) as cache:
        survivor = cache.clusters.get(joined)
        assert survivor is None or survivor.size == 3  # dropped (read again), never followed
        assert_cache_matches_database(session, cache)
