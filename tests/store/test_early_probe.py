"""Bulk workers probe the index on a snapshot before the writer's turn; the writer
completes the probe with what it wrote since. Completed, it must read exactly what the
writer's own probe would read now; when it cannot know (a rollback, another writer),
the writer probes itself."""

import random

import pytest

from app.db import make_engine, make_sessionmaker
from app.services import ingest, planning
from app.services.analysis import ArticleIn, analyse, prepare
from app.services.index_cache import RecentPostings
from app.services.planning import probed_early
from app.store import repo
from app.store.models import DUP_INDEX, STORY_INDEX
from tests.texts import ENGLISH_ELECTION


def reports(config, first: int, last: int):
    """Reports of one event sharing most band keys (so buckets fill past a small cap)."""
    return [
        analyse(
            prepare(ArticleIn(id=f"e{i}", text=f"{ENGLISH_ELECTION}\nCorrection {i}."), 10**6),
            config,
        )
        for i in range(first, last)
    ]


def probed_now(settings, analyses, config):
    """Early probes of ``analyses`` on the index as it is now (as a worker makes them)."""
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return [probed_early(connection, a, config.bucket_cap) for a in analyses]
    finally:
        engine.dispose()


def as_read_now(session, analysis, config):
    """What the writer's own probe reads, in order."""
    keys = {DUP_INDEX: analysis.dup_keys, STORY_INDEX: analysis.story_keys}
    hits = repo.bucket_store(session).probe(keys, config.bucket_cap)
    return [list(hits[DUP_INDEX].items()), list(hits[STORY_INDEX].items())]


@pytest.mark.parametrize("bucket_cap", [2, 40])
def test_a_completed_probe_reads_what_the_writer_would(settings, sessions, wipe, bucket_cap):
    config = settings.model_copy(update={"bucket_cap": bucket_cap}).clustering()
    with sessions() as session:
        ingest.ingest_analysed(session, probed_now(settings, reports(config, 0, 2), config), config)
    # the rest is probed before any of it is written, as a worker runs ahead of the writer
    *written_since, target = probed_now(settings, reports(config, 2, 7), config)
    with sessions() as session:
        ingest.ingest_analysed(session, written_since, config)
    snapshot = target.early_probe.snapshot_pk
    with sessions() as session, ingest.locked(session) as cache:
        completed = planning.probe(session, cache, target, config)
        assert cache.recent.covers(snapshot)  # completed, not probed again
        assert [list(hits.items()) for hits in completed] == as_read_now(session, target, config)
        keys = {STORY_INDEX: target.story_keys}
        uncapped = repo.bucket_store(session).probe(keys, 1000)[STORY_INDEX]
    assert (completed[1].pks > snapshot).any()  # it needed the newer postings
    if bucket_cap == 2:  # and the cap cut rows: some bucket held more than two articles
        assert completed[1].shared.sum() < sum(uncapped.values())


def test_after_a_rollback_the_writer_probes_itself(settings, sessions, wipe):
    config = settings.clustering()
    first, *rest = probed_now(settings, reports(config, 0, 4), config)
    with sessions() as session:
        ingest.ingest_analysed(session, [first], config)
    with sessions() as session, pytest.raises(RuntimeError), ingest.locked(session) as cache:
        ingest._write(session, cache, rest[0], config, {})
        raise RuntimeError("the batch fails after writing")
    assert cache.recent.complete_above is None  # the rolled back postings are forgotten
    with sessions() as session:
        ingest.ingest_analysed(session, [rest[1]], config)  # takes the rolled back pk again
    with sessions() as session, ingest.locked(session) as cache:
        found = planning.probe(session, cache, rest[2], config)
        assert not cache.recent.covers(rest[2].early_probe.snapshot_pk)
        assert [list(hits.items()) for hits in found] == as_read_now(session, rest[2], config)


def other_writer(settings, work) -> None:
    """``work(session)`` in another process's writer, with a cache of its own."""
    other = make_engine(settings.database_url)
    try:
        with make_sessionmaker(other)() as session:
            work(session)
    finally:
        other.dispose()


def test_another_writers_new_articles_complete_the_probe(settings, sessions, wipe):
    config = settings.clustering()
    first, mine, target = probed_now(settings, reports(config, 0, 3), config)
    with sessions() as session:
        ingest.ingest_analysed(session, [first], config)
    other_writer(settings, lambda session: ingest.ingest_analysed(session, [mine], config))
    with sessions() as session, ingest.locked(session) as cache:
        assert cache.recent.covers(target.early_probe.snapshot_pk)  # caught up, not dropped
        found = planning.probe(session, cache, target, config)
        assert [list(hits.items()) for hits in found] == as_read_now(session, target, config)


def test_another_writers_removal_makes_the_writer_probe_itself(settings, sessions, wipe):
    config = settings.clustering()
    first, mine, target = probed_now(settings, reports(config, 0, 3), config)
    with sessions() as session:
        ingest.ingest_analysed(session, [first, mine], config)

    def remove_first(session):
        ingest.delete(session, first.prepared.article_id, config)

    other_writer(settings, remove_first)
    with sessions() as session, ingest.locked(session) as cache:
        found = planning.probe(session, cache, target, config)
        assert not cache.recent.covers(target.early_probe.snapshot_pk)
        assert [list(hits.items()) for hits in found] == as_read_now(session, target, config)


def test_recent_postings_keep_two_generations(monkeypatch):
    monkeypatch.setattr(RecentPostings, "KEEP", 2)
    recent = RecentPostings()
    recent.add(1, {1: [5]})
    assert not recent.covers(0)  # not started: it cannot know what it missed
    recent.start(10)
    for pk in (11, 12, 13, 14, 15):
        recent.add(pk, {1: [5]})
    assert not recent.covers(11) and recent.covers(12)  # 11 and 12 went with their generation
    assert recent.newer((1, 5), 12, cap=10) == [15, 14, 13]
    assert recent.newer((1, 5), 12, cap=2) == [15, 14]  # the newest, across generations
    assert recent.newer((1, 5), 13, cap=1) == [15]
    assert recent.newer((1, 6), 12, cap=10) == []


def test_newer_postings_are_the_newest_above_the_snapshot_across_generations(monkeypatch):
    monkeypatch.setattr(RecentPostings, "KEEP", 7)
    rng = random.Random(3)
    recent = RecentPostings()
    recent.start(0)
    for pk in range(1, 40):
        recent.add(pk, {1: rng.sample(range(6), 2), 2: [rng.randrange(3)]})
    pairs = [(index, key) for index in (1, 2) for key in range(7)]
    for snapshot in range(0, 42, 3):
        for cap in (1, 2, 5, 40):
            expected = [
                sorted(
                    (
                        pk
                        for generation in (recent.current, recent.previous)
                        for pk in generation.get(pair, ())
                        if pk > snapshot
                    ),
                    reverse=True,
                )[:cap]
                for pair in pairs
            ]
            assert [recent.newer(pair, snapshot, cap) for pair in pairs] == expected
