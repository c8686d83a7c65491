"""Cluster repair after a join: split a cluster that has grown into two stories."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm import Session

from app.clustering.config import ClusteringConfig
from app.clustering.score import add_to_centroid, truncate, weigh
from app.clustering.split import find_split
from app.metrics import CLUSTER_SPLITS
from app.services.planning import idf_function
from app.store import repo
from app.store.models import Cluster


class Member(NamedTuple):
    pk: int
    terms: dict
    published: datetime | None
    copy_of: int | None
    lang: str


def split_if_two_stories(
    session: Session, cluster: Cluster, lang: str, config: ClusteringConfig, now: datetime
) -> Cluster | None:
    """Move the members of a second story into a new cluster; the group holding the
    oldest member keeps the id. Returns the new cluster, or None when nothing moved."""
    if not 2 * config.split_min_group <= cluster.size <= config.split_max_members:
        return None
    members = [Member(*row) for row in repo.member_terms(session, cluster.id)]
    terms = {t for member in members for t in member.terms}
    idf_of = idf_function(session, lang, terms, config)
    vectors = [weigh(member.terms, idf_of) for member in members]
    split = find_split(vectors, config.split_ratio, config.split_min_group)
    if split is None:
        return None
    moving = _with_copy_groups(members, {members[i].pk for i in split.move})
    staying = [m for m in members if m.pk not in moving]
    moved = [m for m in members if m.pk in moving]
    if min(len(moved), len(staying)) < config.split_min_group:
        return None
    if _split_by_language(staying, moved):
        return None
    new = repo.add_cluster(
        session, Cluster(size=0, centroid={}, lang=cluster.lang, created_at=now, updated_at=now)
    )
    repo.move_articles(session, moving, new.id)
    _describe(cluster, staying, config, now)
    _describe(new, moved, config, now)
    session.flush()
    CLUSTER_SPLITS.inc()
    return new


def _split_by_language(a: list[Member], b: list[Member]) -> bool:
    """Reports in two languages share few terms but may well be one story: halves that
    differ only by language are not two stories."""
    return not {m.lang for m in a} & {m.lang for m in b}


def _with_copy_groups(members: list[Member], moving: set[int]) -> set[int]:
    """A copy goes where its original goes (originals are older: pk order suffices)."""
    in_cluster = {m.pk for m in members}
    moved = set(moving)
    for member in members:
        if member.copy_of in in_cluster:
            moved.discard(member.pk)
            if member.copy_of in moved:
                moved.add(member.pk)
    return moved


def _describe(cluster: Cluster, members: list[Member], config: ClusteringConfig, now) -> None:
    centroid: dict[str, float] = {}
    for member in members:
        centroid = add_to_centroid(centroid, member.terms)
    cluster.centroid = truncate(centroid, config.centroid_terms)
    cluster.size = len(members)
    dates = [m.published for m in members if m.published is not None]
    cluster.first_published = min(dates) if dates else None
    cluster.last_published = max(dates) if dates else None
    cluster.updated_at = now
