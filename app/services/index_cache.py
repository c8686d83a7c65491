"""What a process's writers remember of the index between transactions.

Deciding one article needs the document frequency of every term of up to 50 candidate
clusters (thousands of terms), the clusters' centroids and the clusters of ~1,000
candidate articles. Reading and decoding all of that for every article was most of the
cost of ingest, so the writers of a process keep it here.

Everything here is a copy of rows in the database: the writer updates it as it writes
(write-through), and at the start of every locked transaction compares the ingest
lock's generation with the one it last committed. If another writer (another process or
replica) came in between, the clusters and articles it inserted or changed are read
from their ``changed_in`` generation (kept by triggers on every write): those clusters
are dropped (read again on demand) and those articles' refs replaced. If the others
only added articles (no transaction removed postings since ours: ``removed_in``), the
new articles' terms and postings are read from their rows and counted in, so document
frequencies and recent postings stay exact; if they also removed some, the frequencies
are kept only while the articles added or removed since number at most
MAX_FOREIGN_ARTICLES, and the recent postings start again. A transaction of ours that
rolls back drops everything. So writers are exact, except that after another writer's
removal they may see frequencies at most that many articles behind. `/match` and
`/explain` read the database.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import repeat

import numpy as np

from app.clustering.score import add_to_centroid, truncate
from app.db import PerEngine
from app.text.prior import prior_doc_share

# Past these sizes a cache starts again empty: memory stays bounded on any stream.
MAX_TERMS_PER_LANG = 2_000_000
MAX_ENTRIES = 200_000
# Past this many rows changed by other writers, catching up costs more than starting again.
MAX_CATCH_UP = 10_000
# After another writer removed articles, the document frequencies a writer has read may
# miss what others added, removed or replaced since; it keeps them until that lag passes
# this many articles (then reads them again). Additions alone are counted in exactly.
MAX_FOREIGN_ARTICLES = 64
# A writer reads a language's whole vocabulary with its frequencies at its first use
# when it has at most this many terms (about 120 bytes a term kept): from then on a
# term it has not seen was never counted, and no article's new terms need a query.
MAX_VOCABULARY_READ = 500_000


@dataclass
class ClusterState:
    id: int
    size: int
    centroid: dict[str, float]
    first_published: datetime | None
    last_published: datetime | None
    merged_into: int | None = None
    storyline_id: int | None = None
    # the centroid as (term ids, values) in a language's term table, made on demand
    arrays: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def changed(self) -> None:
        self.arrays.clear()

    def join(
        self, terms: Mapping[str, float], placed_at: datetime | None, centroid_terms: int
    ) -> None:
        """One more member: centroid, size and span as every writer computes them (the
        writer that adds it, and another writer's cache that follows its join)."""
        self.centroid = truncate(add_to_centroid(self.centroid, terms), centroid_terms)
        self.size += 1
        self.first_published = earliest(self.first_published, placed_at)
        self.last_published = latest(self.last_published, placed_at)
        self.changed()


def earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None


@dataclass
class ArticleRef:
    """What deciding needs of a candidate article."""

    cluster_id: int
    duplicate_of_pk: int | None
    published_at: datetime | None


_EPOCH = datetime(1970, 1, 1)


def seconds(moment: datetime) -> float:
    """A naive UTC datetime as seconds since 1970."""
    return (moment - _EPOCH).total_seconds()


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    """``array`` zero-padded to ``size`` entries."""
    grown = np.zeros(size, dtype=array.dtype)
    grown[: len(array)] = array
    return grown


class RefTable:
    """The ArticleRefs of candidate articles as arrays indexed by pk: a plan reads the
    refs of a thousand candidates per article, which as objects cost more than the
    decision itself."""

    def __init__(self) -> None:
        self.known = np.zeros(1024, dtype=bool)
        self.cluster = np.zeros(1024, dtype=np.int64)
        self.duplicate_of = np.zeros(1024, dtype=np.int64)  # 0: none (pks start at 1)
        self.published = np.zeros(1024)  # seconds since 1970, NaN: undated

    def __len__(self) -> int:
        return int(self.known.sum())

    def put(self, pk: int, cluster_id: int, duplicate_of: int | None, published) -> None:
        self._fit(pk)
        self.known[pk] = True
        self.cluster[pk] = cluster_id
        self.duplicate_of[pk] = duplicate_of or 0
        self.published[pk] = np.nan if published is None else seconds(published)

    def get(self, pk: int) -> ArticleRef | None:
        if pk >= len(self.known) or not self.known[pk]:
            return None
        published = self.published[pk]
        return ArticleRef(
            int(self.cluster[pk]),
            int(self.duplicate_of[pk]) or None,
            None if np.isnan(published) else _EPOCH + timedelta(seconds=float(published)),
        )

    def known_among(self, pks: np.ndarray) -> np.ndarray:
        """A mask of the pks whose refs are here."""
        inside = pks < len(self.known)
        mask = np.zeros(len(pks), dtype=bool)
        mask[inside] = self.known[pks[inside]]
        return mask

    def move(self, pks: Iterable[int], cluster_id: int) -> None:
        for pk in pks:
            if pk < len(self.known) and self.known[pk]:
                self.cluster[pk] = cluster_id

    def clear(self) -> None:
        self.known[:] = False

    def _fit(self, pk: int) -> None:
        if pk < len(self.known):
            return
        size = max(pk + 1, 2 * len(self.known))
        self.known, self.cluster, self.duplicate_of, self.published = (
            _grown(a, size) for a in (self.known, self.cluster, self.duplicate_of, self.published)
        )


class TermTable:
    """One language's terms as integer ids, with their document frequencies and
    background prior shares as arrays, so a score is a few array operations."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.df = np.zeros(1024)
        self.prior = np.zeros(1024)
        self.known = np.zeros(1024, dtype=bool)  # df read from the database
        self.scratch = np.zeros(1024)  # all zero between uses: a dense vector workspace
        self.docs: int | None = None
        self.last_docs: int | None = None  # the count we kept before others wrote
        self.foreign_lag = 0  # articles others added or removed since frequencies were read
        # per term id, how many of this transaction's articles hold it: written once at
        # its end (a term shared by many articles of a batch is one row update, not one
        # per article)
        self.pending = np.zeros(1024, dtype=np.int64)
        self.pending_docs = 0
        # every term the database counts for the language has an id here and its exact
        # frequency, so a term without an id was never counted (``learn_vocabulary``);
        # lost when others' writes cannot be followed exactly
        self.complete = False
        self.vocabulary_read = False  # tried once in a table's life

    def ids_of(self, terms: Collection[str]) -> np.ndarray:
        """The ids of distinct terms, new ones added in the order given. (Looked up by
        ``map``, not a loop: it runs for every term of every article and centroid.)"""
        ids = np.fromiter(map(self.ids.get, terms, repeat(-1)), np.int64, len(terms))
        new = np.flatnonzero(ids < 0)
        if new.size:  # one pass either way: most articles bring a new term or two
            ordered = list(terms)
            ids[new] = [self._add(ordered[i]) for i in new.tolist()]
        return ids

    def ids_known(self, terms: Collection[str]) -> np.ndarray:
        """The ids of those of the distinct terms that have one."""
        found = np.fromiter(map(self.ids.get, terms, repeat(-1)), np.int64, len(terms))
        return found[found >= 0]

    def _add(self, term: str) -> int:
        term_id = len(self.ids)
        if term_id >= len(self.df):
            size = 2 * len(self.df)
            self.df, self.prior, self.known, self.pending = (
                _grown(a, size) for a in (self.df, self.prior, self.known, self.pending)
            )
            self.scratch = np.zeros(size)
        self.ids[term] = term_id
        self.terms.append(term)
        self.prior[term_id] = prior_doc_share(self.lang, term)
        self.known[term_id] = self.complete  # a new term of a complete table: never counted
        return term_id

    def unknown_terms(self, ids: np.ndarray) -> list[str]:
        """Terms among ``ids`` whose document frequency has not been read."""
        missing = ~self.known[ids]
        if not missing.any():  # the usual case once a table is complete: skip the sort
            return []
        return [self.terms[i] for i in np.unique(ids[missing])]

    def learn(self, terms: Iterable[str], counted: Mapping[str, int]) -> None:
        """Frequencies read from the database, plus our counts not yet written."""
        pending = self.pending
        for term in terms:
            term_id = self.ids[term]
            self.df[term_id] = counted.get(term, 0) + pending[term_id]
            self.known[term_id] = True

    def learn_vocabulary(self, counted: Mapping[str, int]) -> None:
        """Every term the database counts for the language, with its frequency (plus
        our counts not yet written): complete from now on. Terms counted in before it
        have ids already (``count_in``); the others get one here."""
        self.vocabulary_read = True
        self.ids_of(list(counted))
        self.learn(self.terms, counted)
        self.complete = True

    def learn_docs(self, docs: int) -> None:
        """The language's article count, read under the lock: exact from now on. What it
        differs by from the count we kept is what other writers did meanwhile."""
        docs += self.pending_docs
        if self.last_docs is not None:
            self.foreign_lag += abs(docs - self.last_docs)
        if self.last_docs is None or self.foreign_lag > MAX_FOREIGN_ARTICLES:
            self.known[:] = False
            self.foreign_lag = 0
            self.complete = False
        self.docs = docs

    def count_in(self, ids: np.ndarray) -> None:
        """Count an article in by the ids of its distinct terms (``ids_of``): pending
        until ``take_pending`` hands it over to be written; the frequencies known follow
        at once. (Removals write their counts directly: ``footprint.remove``.)"""
        self.pending[ids] += 1
        self.df[ids[self.known[ids]]] += 1  # a complete table knows its new terms: 0 + 1
        self.pending_docs += 1
        if self.docs is not None:
            self.docs += 1
        elif self.last_docs is not None:  # our own article is no other writer's
            self.last_docs += 1

    def count_committed(self, terms: Collection[str]) -> None:
        """Another writer's new article, read from its row: the frequencies and the
        article count as reading them now would give them. Only while both are exact
        (otherwise the lag bookkeeping of ``suspect`` already counts it)."""
        if self.docs is None:
            return
        self._follow(terms)
        self.docs += 1

    def _follow(self, terms: Collection[str]) -> None:
        """One more article holds these terms: the frequencies read so far follow (all of
        them, in a complete table)."""
        ids = self.ids_of(terms) if self.complete else self.ids_known(terms)
        self.df[ids[self.known[ids]]] += 1

    def take_pending(self) -> tuple[dict[str, int], int]:
        """term -> articles counted in, and the articles: handed over once."""
        counted = np.flatnonzero(self.pending)
        terms = [self.terms[i] for i in counted]
        pending = dict(zip(terms, self.pending[counted].tolist(), strict=True))
        self.pending[counted] = 0
        docs, self.pending_docs = self.pending_docs, 0
        return pending, docs

    def keep_pending(self, terms: Mapping[str, int], docs: int) -> None:
        """Counts not yet written, handed over by the table this one replaces."""
        self.pending[self.ids_of(list(terms))] += np.fromiter(terms.values(), np.int64)
        self.pending_docs += docs

    def forget(self) -> None:
        self.known[:] = False
        self.complete = False
        self.docs = self.last_docs = None
        self.foreign_lag = 0

    def suspect(self, transactions: int) -> None:
        """Others wrote ``transactions`` transactions: re-read the article count before
        the next use, and keep the frequencies only while the lag they can have stays
        small. The change in the count misses an article deleted and one added (or a
        replaced one), so each transaction also counts two."""
        self.last_docs, self.docs = self.docs, None
        self.foreign_lag += 2 * transactions
        self.complete = False  # terms they counted may have no id here


class RecentPostings:
    """The postings this process's writers wrote lately, by band key, so that a probe
    made on an older snapshot (in a bulk worker) can be completed: its rows plus the
    newer postings of its keys are exactly what probing now would read, because every
    posting written since is newer (pks only grow) and was written by us, as long as
    no one else wrote (any other writer, a rollback, a removal or a cache reset makes
    it start again). Holds two generations of up to KEEP articles each."""

    KEEP = 4096

    def __init__(self) -> None:
        self.invalidate()

    def invalidate(self) -> None:
        self.current: dict[tuple[int, int], list[int]] = {}
        self.previous: dict[tuple[int, int], list[int]] = {}
        self.articles = 0
        self.previous_newest = self.current_newest = 0
        # every article in the database with a larger pk is held here; None: unknown
        self.complete_above: int | None = None

    def start(self, newest_pk: int) -> None:
        """Start afresh at the database's newest article pk (read under the lock)."""
        self.invalidate()
        self.complete_above = self.previous_newest = newest_pk

    def add(self, pk: int, keys_by_index: Mapping[int, Iterable[int]]) -> None:
        """The article's postings (nothing to do while not started: the HTTP path)."""
        if self.complete_above is None:
            return
        if self.articles >= self.KEEP:  # the older generation goes, and what it covered
            self.complete_above = self.previous_newest
            self.previous, self.current, self.articles = self.current, {}, 0
            self.previous_newest = self.current_newest
        for pair in {(index, key) for index, keys in keys_by_index.items() for key in keys}:
            self.current.setdefault(pair, []).append(pk)
        self.articles += 1
        self.current_newest = pk

    def covers(self, snapshot_pk: int) -> bool:
        return self.complete_above is not None and snapshot_pk >= self.complete_above

    def newer(self, pair: tuple[int, int], snapshot_pk: int, cap: int) -> list[int]:
        """The pair's pks newer than the snapshot, newest first, at most ``cap`` (a
        common key's list is long: copying it whole per probe cost more than the rest)."""
        found: list[int] = []
        for pks in (self.current.get(pair), self.previous.get(pair)):  # newest first
            if pks and len(found) < cap:
                start = max(bisect_right(pks, snapshot_pk), len(pks) - (cap - len(found)))
                found += pks[start:][::-1]
        return found


@dataclass
class ForeignWrites:
    """What other writers committed since this process's last turn."""

    transactions: int
    # the clusters they inserted or changed: id -> (size, merged_into, storyline_id,
    # first_published, last_published) as their rows hold them now (no centroids)
    clusters: dict[int, tuple]
    refs: dict[int, tuple]  # article pk -> (cluster id, copy root, placed at), inserted or moved
    # (pk, language, story terms) of their new articles, in pk order; None when they
    # also removed postings (then frequencies and recent postings cannot be caught up)
    inserted: list[tuple[int, str, dict]] | None = None
    postings: dict[int, dict[int, list[int]]] = field(default_factory=dict)  # pk -> index -> keys
    regrouped: bool = True  # they moved articles between clusters (merges, splits)


@dataclass
class Unwritten:
    """Rows a writing transaction made and has not sent yet: sent together before it
    commits or reads such rows back (``pending.file_rows``), not one statement each;
    and the ids reserved for them, ascending, so ids keep the order rows were made in."""

    ids_at_once: int = 1  # ids reserved per table at a time: the transaction's articles
    storylines: list[dict] = field(default_factory=list)
    # new clusters: id -> when made (their state is in the cache's unsaved clusters)
    clusters: dict[int, datetime] = field(default_factory=dict)
    articles: list[dict] = field(default_factory=list)
    # the articles' postings: (pk, keys by index)
    postings: list[tuple[int, Mapping[int, Sequence[int]]]] = field(default_factory=list)
    free_ids: dict[str, deque[int]] = field(default_factory=dict)  # table -> reserved, unused
    last_ids: dict[str, int] = field(default_factory=dict)  # table -> the last reserved


class IndexCache:
    def __init__(self) -> None:
        self.generation: int | None = None
        # the database's newest article pk as of this process's last turn (None: unknown)
        self.newest_pk: int | None = None
        self.tables: dict[str, TermTable] = {}
        self.clusters: dict[int, ClusterState] = {}
        self.refs = RefTable()
        self.recent = RecentPostings()
        self.terms: dict[int, dict[str, float]] = {}  # article pk -> story terms
        # article pk -> (id, copy signature) of the articles this process wrote: read
        # back for the copies and near-duplicates of the articles after them (on
        # PostgreSQL each read was a round trip the writer waited for)
        self.written: dict[int, tuple[str, bytes]] = {}
        # the centroid length the writers of this process keep (set as they write): what
        # following another writer's joins needs (None: clusters others changed are read)
        self.centroid_terms: int | None = None
        self.arrays: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}  # (pk, lang)
        self.layout_checked = False
        # clusters this transaction changed, with the time of their last change: their
        # rows are written once at its end (a cluster joined by several articles of a
        # batch is one update, not one each)
        self.unsaved: dict[int, tuple[ClusterState, datetime]] = {}
        self.unwritten = Unwritten()

    def table(self, lang: str) -> TermTable:
        table = self.tables.get(lang)
        if table is None or len(table.ids) > MAX_TERMS_PER_LANG:
            fresh = TermTable(lang)
            if table is not None:  # arrays made with the old term ids are void
                fresh.keep_pending(*table.take_pending())
                self.clear()
            table = self.tables[lang] = fresh
        return table

    def pending_counts(self) -> Iterator[tuple[str, dict[str, int], int]]:
        """(lang, term -> delta, docs delta) not yet written; handed over once."""
        for lang, table in self.tables.items():
            terms, docs = table.take_pending()
            if terms or docs:
                yield lang, terms, docs

    def moved(self, pks: Iterable[int], cluster_id: int) -> None:
        """Articles we moved to another cluster (a merge, a split)."""
        self.refs.move(pks, cluster_id)

    def begin(self, generation: int) -> int | None:
        """Called under the ingest lock with the generation this transaction wrote.
        Returns the generation we last committed if other writers came in between
        (what they wrote must then be read: ``catch_up``), else None."""
        self._pending = generation
        if self.generation is None:
            self.clear()
            return None
        if generation == self.generation + 1:
            return None
        self.layout_checked = False
        return self.generation

    def catch_up(self, foreign: ForeignWrites | None) -> None:
        """Take in what other writers did. Their clusters are dropped (read again on
        demand) and the refs of the articles they inserted or moved replaced. If they
        only added articles, those articles' terms and postings are counted in, so
        frequencies and recent postings stay exact; if they also removed some, the
        frequencies are kept only within MAX_FOREIGN_ARTICLES and the recent postings
        start again. None: too much changed, forget everything read from the database."""
        if foreign is None:
            self.clear()
            return
        followed = self._followed_joins(foreign)
        for cluster_id in foreign.clusters:
            if cluster_id not in followed:
                self.clusters.pop(cluster_id, None)
        for pk, (cluster_id, root, published) in foreign.refs.items():
            self.refs.put(pk, cluster_id, root, published)
            self.terms.pop(pk, None)  # a pk SQLite handed out again after a delete
            self.written.pop(pk, None)
            for lang in self.tables:
                self.arrays.pop((pk, lang), None)
        if foreign.inserted is None:
            for table in self.tables.values():
                table.suspect(foreign.transactions)
            self.recent.invalidate()
            self.newest_pk = None
            return
        for pk, lang, terms in foreign.inserted:
            kept = self.tables.get(lang)
            if kept is not None:
                kept.count_committed(terms)
            self.recent.add(pk, foreign.postings.get(pk, {}))
            self.newest_pk = pk

    def _followed_joins(self, foreign: ForeignWrites) -> set[int]:
        """When the other writers only added articles and moved none between clusters
        (no removal, merge or split since our turn), every cluster they changed changed
        only by their new articles joining it, or starting and joining it: its state
        follows those joins as the other writer made them, instead of being read again
        (a centroid is kilobytes to read and decode, and with several writers most
        candidates were changed or made by another). Each is checked against the size,
        span and storyline its row holds now (a storyline merge changes the last)."""
        if foreign.inserted is None or foreign.regrouped or self.centroid_terms is None:
            return set()
        new = {pk: terms for pk, _, terms in foreign.inserted}
        joined: dict[int, list[int]] = {}
        for pk, (cluster_id, _, _) in foreign.refs.items():
            if pk in new:
                joined.setdefault(cluster_id, []).append(pk)
        followed = set()
        for cluster_id, pks in joined.items():
            row = foreign.clusters.get(cluster_id)
            if row is None:
                continue
            kept = self.clusters.get(cluster_id)
            if kept is None and row[0] == len(pks):  # one they started: its members are new
                kept = ClusterState(cluster_id, 0, {}, None, None, None, row[2])
            if kept is None:
                continue
            after = replace(kept, arrays={})
            for pk in sorted(pks):  # the order they were written in
                after.join(new[pk], foreign.refs[pk][2], self.centroid_terms)
            spans = (after.first_published, after.last_published)
            if (after.size, after.merged_into, after.storyline_id, *spans) == row:
                self.clusters[cluster_id] = after
                followed.add(cluster_id)
        return followed

    def wrote(self, pk: int, article_id: str, dup_signature: bytes) -> None:
        """An article this transaction inserted."""
        self.written[pk] = (article_id, dup_signature)
        if self.newest_pk is not None:
            self.newest_pk = max(self.newest_pk, pk)

    def committed(self) -> None:
        self.generation = self._pending
        self.unwritten = Unwritten()  # ids reserved and not used are never used
        if (
            max(len(self.clusters), len(self.refs), len(self.terms), len(self.written))
            > MAX_ENTRIES
        ):
            self.forget_rows()

    def abandon(self) -> None:
        """The transaction rolled back: forget everything, its pending counts and
        unsaved clusters too."""
        self.unsaved.clear()
        self.unwritten = Unwritten()
        self.clear()
        for table in self.tables.values():
            table.take_pending()

    def changed_cluster(self, cluster: ClusterState, now: datetime) -> None:
        """A cluster this transaction changed: cached now, its row written at the end."""
        self.clusters[cluster.id] = cluster
        self.unsaved[cluster.id] = (cluster, now)

    def take_unsaved(self) -> list[tuple[ClusterState, datetime]]:
        unsaved = list(self.unsaved.values())
        self.unsaved = {}
        return unsaved

    def clear(self) -> None:
        """Forget everything read from the database (term ids may stay: they are ours)."""
        self.generation = None
        self.newest_pk = None
        for table in self.tables.values():
            table.forget()  # pending counts stay: they are this transaction's writes
        self.forget_rows()

    def forget_rows(self) -> None:
        """Clusters, candidate articles and the index layout: read again on demand
        (but for the clusters this transaction changed: their rows are not written yet)."""
        self.clusters = {cluster_id: state for cluster_id, (state, _) in self.unsaved.items()}
        self.refs.clear()
        self.recent.invalidate()
        self.terms.clear()
        self.written.clear()
        self.arrays.clear()
        self.layout_checked = False


cache_for = PerEngine(IndexCache)
