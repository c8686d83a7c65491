"""The LSH index lives in SQL; concurrent writers lose nothing and split no story."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from app.db import make_engine, make_sessionmaker
from app.services import ingest
from app.services.analysis import ArticleIn, analyse, prepare
from app.store import repo
from app.store.models import DUP_INDEX, STORY_INDEX
from seeds.loader import seed_articles
from tests.texts import ENGLISH_BRIDGE, ENGLISH_BRIDGE_OTHER_OUTLET, ENGLISH_ELECTION, GERMAN_FLOOD


def test_postings_are_rows_one_per_band(settings, sessions):
    config = settings.clustering()
    with sessions() as session:
        ingest.ingest(session, ArticleIn(id="b", text=ENGLISH_BRIDGE), config, 10**6)
    with sessions() as session:
        rows = session.execute(
            text(
                "SELECT lsh_index, COUNT(*) FROM lsh_postings"
                " WHERE article_pk = (SELECT pk FROM articles WHERE id = 'b') GROUP BY lsh_index"
            )
        ).all()
    counts = dict(rows)
    assert counts[DUP_INDEX] == config.dup_bands()[0]
    assert counts[STORY_INDEX] == config.story_bands()[0]


def test_probe_finds_the_article_through_sql(settings, sessions):
    config = settings.clustering()
    with sessions() as session:
        ingest.ingest(session, ArticleIn(id="b", text=ENGLISH_BRIDGE), config, 10**6)
    with sessions() as session:
        stored_pk = repo.article_listing(session, "b").pk
        analysis = analyse(prepare(ArticleIn(text=ENGLISH_BRIDGE), 10**6), config)
        hits = repo.SqlBucketStore(session).probe({DUP_INDEX: analysis.dup_keys}, bucket_cap=5)
    assert hits == {DUP_INDEX: {stored_pk: len(set(analysis.dup_keys))}}


def ingest_corrections(sessions, config, count: int) -> None:
    """``count`` reports of one election, each with a correction line of its own: they
    share most band keys, so buckets fill past a small cap."""
    with sessions() as session:
        for i in range(count):
            text_i = ENGLISH_ELECTION + f"\nCorrection number {i} appended."
            ingest.ingest(session, ArticleIn(id=f"e{i}", text=text_i), config, 10**6)


def test_bucket_cap_bounds_the_probe(settings, sessions):
    config = settings.clustering()
    ingest_corrections(sessions, config, 5)
    with sessions() as session:
        analysis = analyse(prepare(ArticleIn(text=ENGLISH_ELECTION), 10**6), config)
        store = repo.SqlBucketStore(session)
        keys = {STORY_INDEX: analysis.story_keys}
        assert len(store.probe(keys, bucket_cap=10)[STORY_INDEX]) == 5
        capped = store.probe(keys, bucket_cap=2)[STORY_INDEX]
    assert len(capped) == 2  # only the newest two of each bucket


def test_probe_snapshot_reads_each_keys_newest_postings(settings, sessions):
    # read back against the postings themselves, key by key (the other probe tests
    # compare the probe with itself, through SqlBucketStore.probe)
    config = settings.clustering()
    ingest_corrections(sessions, config, 4)
    analysis = analyse(prepare(ArticleIn(text=ENGLISH_ELECTION), 10**6), config)
    unused_key = (STORY_INDEX, 12345)  # a key no article is filed under
    pairs = [(STORY_INDEX, k) for k in analysis.story_keys[:6]] + [unused_key]
    pairs += [(DUP_INDEX, k) for k in analysis.dup_keys[:4]]
    with sessions() as session:
        newest, pks, per_key = repo.probe_snapshot(session.connection(), pairs, 3)
        expected = [
            session.execute(
                text(
                    "SELECT article_pk FROM lsh_postings WHERE lsh_index = :i AND band_key = :k"
                    " ORDER BY article_pk DESC LIMIT 3"
                ),
                {"i": index, "k": key},
            )
            .scalars()
            .all()
            for index, key in pairs
        ]
        newest_pk = session.execute(text("SELECT max(pk) FROM articles")).scalar()
    assert newest == newest_pk
    assert per_key == [len(found) for found in expected]
    assert pks.tolist() == [pk for found in expected for pk in found]
    assert per_key[pairs.index(unused_key)] == 0 and max(per_key) == 3  # the cap cut some


def test_concurrent_reports_of_one_event_share_a_cluster(settings, sessions):
    config = settings.clustering()
    articles = seed_articles() + [
        ArticleIn(id=f"flood-{i}", text=GERMAN_FLOOD + f"\nStand {i}.") for i in range(4)
    ]

    def post(article):
        with sessions() as session:
            return ingest.ingest(session, article, config, 10**6)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = {r.id: r for r in pool.map(post, articles)}
    with sessions() as session:
        final = {a.id: repo.article_by_id(session, a.id).cluster_id for a in articles}
        posting_articles = session.execute(
            text("SELECT COUNT(DISTINCT article_pk) FROM lsh_postings")
        ).scalar_one()
    assert len(results) == len(articles) == posting_articles
    assert final["reuters-summit-2018-05"] == final["taz-summit-2018-05"]
    assert len({final[f"flood-{i}"] for i in range(4)}) == 1
    assert final["flood-0"] != final["taz-summit-2018-05"]


def test_failed_ingest_leaves_no_half_indexed_article(settings, sessions, monkeypatch):
    config = settings.clustering()

    def explode(*_args, **_kwargs):
        raise RuntimeError("crash after the postings were written")

    monkeypatch.setattr(repo, "bump_source_lines", explode)
    with sessions() as session, pytest.raises(RuntimeError):
        ingest.ingest(session, ArticleIn(id="x", text=ENGLISH_BRIDGE, source="s"), config, 10**6)
    with sessions() as session:
        assert repo.count_articles(session) == 0
        assert repo.count_postings(session) == 0
        assert session.execute(text("SELECT COUNT(*) FROM clusters")).scalar_one() == 0


def test_requests_queued_behind_a_writer_commit_together(settings, sessions):
    """Group commit: articles that queue while another writer holds the turn are written
    by the next turn in one transaction (one lock generation), each in its own row."""
    config = settings.clustering()
    articles = [
        ArticleIn(id=f"flood-{i}", text=GERMAN_FLOOD + f"\nStand {i}.") for i in range(5)
    ] + [ArticleIn(id="flood-0", text=GERMAN_FLOOD + "\nStand 0."), *seed_articles()]
    with sessions() as session:
        group = ingest._write_group_for(session.get_bind())
        before = session.execute(text("SELECT generation FROM ingest_lock")).scalar_one()

    def post(article):
        with sessions() as session:
            return ingest.ingest(session, article, config, 10**6)

    with ThreadPoolExecutor(max_workers=len(articles)) as pool:
        with group.turn:  # a writer holds the turn while every request queues
            futures = [pool.submit(post, article) for article in articles]
            deadline = time.monotonic() + 30
            while len(group.queue) < len(articles) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert len(group.queue) == len(articles)
        results = [future.result() for future in futures]
    with sessions() as session:
        after = session.execute(text("SELECT generation FROM ingest_lock")).scalar_one()
        sizes = session.execute(
            text(
                "SELECT c.size, COUNT(a.pk) FROM clusters c"
                " JOIN articles a ON a.cluster_id = c.id GROUP BY c.id, c.size"
            )
        ).all()
        stored = repo.count_articles(session)
    assert after == before + 1  # one transaction for the whole queue
    assert stored == len(articles) - 1  # flood-0 twice: stored once
    assert sorted(r.created for r in results).count(False) == 1
    assert all(size == members for size, members in sizes)
    by_id = {r.id: r.cluster_id for r in results}
    assert len({by_id[f"flood-{i}"] for i in range(5)}) == 1
    assert by_id["reuters-summit-2018-05"] == by_id["taz-summit-2018-05"] != by_id["flood-1"]


def test_a_writer_sees_what_another_process_wrote(settings):
    """Two engines stand for two processes, each with its own writer cache: a cluster one
    of them grew is not written back from the other's stale copy."""
    config = settings.clustering()
    engines = [make_engine(settings.database_url) for _ in range(2)]
    first, second = (make_sessionmaker(engine) for engine in engines)
    try:
        texts = [
            ENGLISH_BRIDGE,
            ENGLISH_BRIDGE_OTHER_OUTLET,
            ENGLISH_BRIDGE + "\nThe state will review every bridge of its age.",
        ]
        results = []
        for i, (sessions, text_i) in enumerate(zip([first, second, first], texts, strict=True)):
            with sessions() as session:
                article = ArticleIn(id=f"bridge-{i}", text=text_i)
                results.append(ingest.ingest(session, article, config, 10**6))
        with first() as session:
            sizes = session.execute(
                text(
                    "SELECT c.size, COUNT(a.pk) FROM clusters c"
                    " JOIN articles a ON a.cluster_id = c.id GROUP BY c.id, c.size"
                )
            ).all()
    finally:
        for engine in engines:
            engine.dispose()
    assert len({r.cluster_id for r in results}) == 1
    assert sizes == [(3, 3)]
