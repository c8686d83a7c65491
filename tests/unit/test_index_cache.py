"""The writer cache counts in what other writers only added; after they removed
articles it keeps document frequencies only while the lag they can have stays within
MAX_FOREIGN_ARTICLES."""

from types import SimpleNamespace

import numpy as np

from app.clustering.config import ClusteringConfig
from app.services.footprint import count_in
from app.services.index_cache import (
    MAX_FOREIGN_ARTICLES,
    ForeignWrites,
    IndexCache,
    RefTable,
    TermTable,
)
from app.services.planning import Candidates, cluster_hits


def cache_knowing_a_term() -> tuple[IndexCache, int]:
    cache = IndexCache()
    cache.begin(1)  # our first transaction
    table = cache.table("en")
    table.learn_docs(100)
    [term_id] = table.ids_of(["summit"])
    table.learn(["summit"], {"summit": 7})
    cache.committed()
    return cache, term_id


def others_wrote(cache: IndexCache, generation: int, inserted=None) -> None:
    """Our transaction at ``generation`` finds other writers' transactions before it;
    ``inserted``: their new articles (None: they also removed some)."""
    behind = cache.begin(generation)
    assert behind is not None
    cache.catch_up(ForeignWrites(generation - behind - 1, {}, {}, inserted))


def test_one_writer_keeps_everything():
    cache, term_id = cache_knowing_a_term()
    cache.begin(2)
    table = cache.table("en")
    assert table.docs == 100 and table.known[term_id] and table.df[term_id] == 7


def test_a_few_articles_of_another_writer_keep_the_frequencies():
    cache, term_id = cache_knowing_a_term()
    others_wrote(cache, 4)  # two transactions of another writer, with a removal
    table = cache.table("en")
    assert table.docs is None  # the count is read again
    table.learn_docs(102)
    assert table.known[term_id] and table.docs == 102


def test_deletes_and_adds_that_cancel_out_still_count():
    cache, term_id = cache_knowing_a_term()
    transactions = MAX_FOREIGN_ARTICLES // 2 + 1  # deletes and adds, count unchanged
    others_wrote(cache, 2 + transactions)
    table = cache.table("en")
    table.learn_docs(100)
    assert not table.known[term_id]  # read again


def test_a_large_batch_of_another_writer_drops_the_frequencies():
    cache, term_id = cache_knowing_a_term()
    others_wrote(cache, 3)  # one bulk transaction of another writer, with a removal
    table = cache.table("en")
    table.learn_docs(100 + MAX_FOREIGN_ARTICLES + 1)
    assert not table.known[term_id]


def test_articles_another_writer_only_added_are_counted_in_exactly():
    cache, term_id = cache_knowing_a_term()
    added = [(11, "en", {"summit": 0.4, "kim": 0.2}), (12, "de", {"gipfel": 1.0})]
    added += [(13 + i, "en", {"weather": 1.0}) for i in range(MAX_FOREIGN_ARTICLES + 1)]
    others_wrote(cache, 5, added)
    table = cache.table("en")
    assert table.docs == 100 + 1 + MAX_FOREIGN_ARTICLES + 1  # no re-read, however many
    assert table.known[term_id] and table.df[term_id] == 8
    assert "kim" not in table.ids  # never read: read from the database when needed


def test_counts_are_pending_until_taken_and_known_frequencies_follow_them():
    cache, term_id = cache_knowing_a_term()
    table = cache.table("en")
    table.count_in(table.ids_of({"summit": 1.0, "kim": 2.0}))
    table.count_in(table.ids_of({"summit": 0.5}))
    assert table.df[term_id] == 9  # known: followed at once
    table.ids_of(["kim"])
    table.learn(["kim"], {"kim": 3})  # read later: the database's count plus ours
    assert table.df[table.ids["kim"]] == 4
    assert table.take_pending() == ({"summit": 2, "kim": 1}, 2)
    assert table.take_pending() == ({}, 0)  # handed over once


def test_a_replaced_table_keeps_the_counts_not_yet_written(monkeypatch):
    cache = IndexCache()
    table = cache.table("en")
    table.count_in(table.ids_of({"summit": 1.0}))
    table.ids_of(["summit"])
    monkeypatch.setattr("app.services.index_cache.MAX_TERMS_PER_LANG", 0)
    fresh = cache.table("en")
    assert fresh is not table  # replaced: too many terms
    assert fresh.take_pending() == ({"summit": 1}, 1)


def test_an_article_is_counted_in_by_its_planned_ids_or_again_in_a_replaced_table(monkeypatch):
    cache = IndexCache()
    planned_in = cache.table("en")
    terms = {"summit": 1.0, "kim": 0.5}
    ids = planned_in.ids_of(terms)
    decided = SimpleNamespace(terms=(planned_in, (ids, None)))
    count_in(cache, "en", terms, decided)
    assert planned_in.take_pending() == ({"summit": 1, "kim": 1}, 1)
    monkeypatch.setattr("app.services.index_cache.MAX_TERMS_PER_LANG", 0)
    ids_of_other_terms = planned_in.ids_of({"moon": 1.0, "trump": 1.0})  # not this article's
    count_in(cache, "en", terms, SimpleNamespace(terms=(planned_in, (ids_of_other_terms, None))))
    fresh = cache.table("en")
    assert fresh is not planned_in  # replaced: the planned ids were another table's
    assert fresh.take_pending() == ({"summit": 1, "kim": 1}, 1)


def test_term_ids_are_stable_and_new_terms_are_numbered_in_the_order_given():
    table = IndexCache().table("en")
    assert table.ids_of(["summit", "kim"]).tolist() == [0, 1]
    assert table.ids_of({"trump": 0.5, "summit": 1.0, "moon": 2.0}).tolist() == [2, 0, 3]
    assert table.terms == ["summit", "kim", "trump", "moon"]
    assert table.ids_known(["moon", "unseen", "kim"]).tolist() == [3, 1]


def complete_table() -> tuple[IndexCache, TermTable]:
    cache = IndexCache()
    cache.begin(1)
    table = cache.table("en")
    table.learn_docs(2)
    table.learn_vocabulary({"summit": 2, "kim": 1})
    cache.committed()
    return cache, table


def test_a_complete_table_knows_that_a_term_it_has_not_seen_was_never_counted():
    _, table = complete_table()
    assert table.complete and table.unknown_terms(table.ids_of(["summit", "kim"])) == []
    [moon] = table.ids_of(["moon"])
    assert table.known[moon] and table.df[moon] == 0  # no query needed
    table.count_in(table.ids_of({"moon": 1.0, "summit": 0.5, "trump": 0.2}))  # trump: a new term
    assert table.df[[table.ids[t] for t in ("moon", "summit", "trump")]].tolist() == [1, 3, 1]
    assert table.unknown_terms(table.ids_of(["trump", "moon"])) == []


def test_a_complete_table_counts_in_the_new_terms_of_articles_others_only_added():
    cache, table = complete_table()
    others_wrote(cache, 3, [(5, "en", {"ceasefire": 1.0, "kim": 0.3})])
    assert table.complete
    assert table.df[table.ids["ceasefire"]] == 1 and table.df[table.ids["kim"]] == 2


def test_a_table_stops_being_complete_when_others_writes_cannot_be_followed():
    cache, table = complete_table()
    others_wrote(cache, 3)  # they also removed: the counts they changed are not known
    assert not table.complete
    [unseen] = table.ids_of(["unseen"])
    assert not table.known[unseen]  # read from the database when needed
    _, table = complete_table()
    table.forget()
    assert not table.complete


def test_terms_counted_in_before_the_vocabulary_was_read_keep_their_counts():
    cache = IndexCache()
    cache.begin(1)
    table = cache.table("en")
    # the batch's first article: nothing read yet
    table.count_in(table.ids_of({"summit": 1.0, "moon": 0.5}))
    table.learn_docs(1)
    table.learn_vocabulary({"summit": 2})  # what the database counted before
    assert table.df[[table.ids[t] for t in ("summit", "moon")]].tolist() == [3, 1]


def test_candidate_clusters_come_ranked_by_their_best_member_ties_in_arrival_order():
    """cluster_hits ranks clusters by their best member's shared keys (not the sum over
    members: big clusters would win); among equals the cluster whose first candidate
    came first ranks first; only the first candidate_clusters of them are scored."""
    refs = RefTable()
    for pk, cluster in [(1, 10), (2, 10), (3, 10), (4, 20), (5, 30), (6, 40), (7, 50)]:
        refs.put(pk, cluster, None, None)
    # the pks as the probe read them, once per key shared (99: no ref)
    read = [5, 1, 2, 3, 6, 4, 7, 99, 5, 1, 2, 3, 6, 4, 7, 99, 5, 6, 4, 6] + [99] * 7
    story = Candidates.read(np.array(read))
    assert story.items() == [(5, 3), (1, 2), (2, 2), (3, 2), (6, 4), (4, 3), (7, 2), (99, 9)]
    analysis = SimpleNamespace(prepared=SimpleNamespace(article=SimpleNamespace(placed_at=None)))
    ranked = cluster_hits(analysis, story, refs, ClusteringConfig())
    assert list(ranked.items()) == [(40, 4), (30, 3), (20, 3), (10, 2), (50, 2)]
    top = cluster_hits(analysis, story, refs, ClusteringConfig(candidate_clusters=3))
    assert list(top.items()) == [(40, 4), (30, 3), (20, 3)]
