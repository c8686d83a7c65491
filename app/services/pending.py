"""The rows a writing transaction has made but not sent yet.

A new storyline, cluster or article gets its id when the writer makes it, from ids
reserved for the transaction (``repo.reserve_ids``: ascending, so ids keep the order
the rows were made in), and the transaction's rows are sent together, one statement a
table: before it commits, and before anything in it reads such rows back (``filed``).
An article written alone was a statement the bulk writer waited for (1.1 to 1.5 ms of
its time on PostgreSQL, where it was a round trip; 0.3 to 0.8 ms on SQLite).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from app.services.index_cache import ClusterState, IndexCache
from app.store import repo


def new_id(session: Session, cache: IndexCache, table: str) -> int:
    """The next id reserved for ``table`` (storylines, clusters, articles) in this
    transaction. When none is left, the transaction's share is reserved for every table
    that has none left, in one statement (a new story needs all three)."""
    unwritten = cache.unwritten
    if not unwritten.free_ids.get(table):
        empty = [name for name in _TABLES if not unwritten.free_ids.get(name)]
        above = {name: unwritten.last_ids.get(name, 0) for name in empty}
        for name, ids in repo.reserve_ids(session, above, unwritten.ids_at_once).items():
            unwritten.free_ids[name] = deque(ids)
            unwritten.last_ids[name] = ids[-1]
    return unwritten.free_ids[table].popleft()


_TABLES = ("storylines", "clusters", "articles")


def new_cluster(
    session: Session, cache: IndexCache, storyline_id: int | None, now: datetime
) -> ClusterState:
    """An empty cluster, in ``storyline_id`` or in a new storyline of its own when that
    is None; cached, its row sent with the transaction's others."""
    if storyline_id is None:
        storyline_id = new_id(session, cache, "storylines")
        cache.unwritten.storylines.append({"id": storyline_id, "created_at": now})
    cluster = ClusterState(
        new_id(session, cache, "clusters"), 0, {}, None, None, None, storyline_id
    )
    cache.unwritten.clusters[cluster.id] = now
    cache.changed_cluster(cluster, now)  # its row holds its state when the row is sent
    return cluster


def new_article(
    session: Session, cache: IndexCache, values: dict, keys: Mapping[int, Sequence[int]]
) -> int:
    """The article's row (``values`` but its pk) and its postings (``keys`` by index),
    sent with the transaction's others; returns its pk."""
    pk = new_id(session, cache, "articles")
    cache.unwritten.articles.append({**values, "pk": pk})
    cache.unwritten.postings.append((pk, keys))
    return pk


def file_rows(session: Session, cache: IndexCache) -> None:
    """Send the rows made since they were last sent: storylines, clusters, articles,
    then the articles' postings (each table in one statement)."""
    unwritten = cache.unwritten
    repo.insert_rows(session, "storylines", unwritten.storylines)
    repo.insert_rows(
        session, "clusters", [_new_cluster_row(cache, *new) for new in unwritten.clusters.items()]
    )
    repo.insert_rows(session, "articles", unwritten.articles)
    unwritten.storylines, unwritten.clusters, unwritten.articles = [], {}, []
    file_postings(session, cache)


def file_postings(session: Session, cache: IndexCache) -> None:
    """Send the postings of the articles made since they were last sent (one statement):
    all a probe of the index reads (postings name articles by pk, with no foreign key)."""
    postings, cache.unwritten.postings = cache.unwritten.postings, []
    repo.add_postings(session, postings)


def filed(session: Session, cache: IndexCache) -> Session:
    """The session, once this transaction's unsent rows are sent: for reads of
    articles, clusters, storylines or postings that may be among them."""
    file_rows(session, cache)
    return session


def member_rows(
    session: Session, cache: IndexCache, cluster_id: int
) -> list[tuple[int, datetime | None, int | None, str]]:
    """``repo.member_rows`` with this transaction's unsent members, without sending
    them: repair looks at a cluster after most joins and rarely moves anything (the
    unsent have the newest pks, so the list stays oldest first)."""
    unsent = [
        (row["pk"], row["placed_at"], row["duplicate_of_pk"], row["lang"])
        for row in cache.unwritten.articles
        if row["cluster_id"] == cluster_id
    ]
    return repo.member_rows(session, cluster_id) + unsent


def _new_cluster_row(cache: IndexCache, cluster_id: int, made: datetime) -> dict:
    """A new cluster's row as it stands now (taken out of the unsaved clusters: its
    later changes in this transaction are saved as any cluster's are)."""
    state, at = cache.unsaved.pop(cluster_id)
    return {"id": cluster_id, **cluster_values(state, at), "created_at": made}


def cluster_values(cluster: ClusterState, now: datetime) -> dict:
    """The cluster's row as its state holds it (but its id and creation time)."""
    return {
        "size": cluster.size,
        "centroid": cluster.centroid,
        "first_published": cluster.first_published,
        "last_published": cluster.last_published,
        "merged_into": cluster.merged_into,
        "storyline_id": cluster.storyline_id,
        "updated_at": now,
    }
