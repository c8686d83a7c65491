"""Labels of clusters as they stand (read path: computed from the rows, never stored,
so they follow every join, merge and split)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from app.clustering.config import ClusteringConfig
from app.clustering.label import Label, LabelMember, make_label, most_central, ordered_counts
from app.clustering.score import weigh
from app.services.planning import idf_function
from app.store import repo

# The headline is the most central of a cluster's first members, and only the opening
# of that one member's text is read: bounded work per cluster, however large it grows.
CENTRAL_AMONG = 5
OPENING_CHARS = 2000


def labels_of(
    session: Session, cluster_ids: Sequence[int], config: ClusteringConfig
) -> dict[int, Label]:
    """cluster id -> its label, for live clusters (a few statements for a whole page)."""
    ids = list(cluster_ids)
    return _labels(session, ids, config, repo.cluster_sources(session, ids)) if ids else {}


def _labels(
    session: Session, ids: list[int], config: ClusteringConfig, sources: dict[int, int]
) -> dict[int, Label]:
    """The labels of clusters, with the source counts given for each."""
    centroids = {cid: row[2] for cid, row in repo.cluster_states(session, ids).items()}
    languages = repo.cluster_languages(session, ids)
    members = _first_members(session, ids)
    # a cluster is weighed with the IDF of its main language, read once per language
    main_lang = {
        cid: max(languages[cid], key=lambda code: (languages[cid][code], code))
        for cid in ids
        if cid in centroids and cid in languages
    }
    terms_by_lang: dict[str, set[str]] = {}
    for cid, lang in main_lang.items():
        terms_by_lang.setdefault(lang, set()).update(centroids[cid])
    idf_by_lang = {
        lang: idf_function(session, lang, terms, config) for lang, terms in terms_by_lang.items()
    }
    weighted: dict[int, dict[str, float]] = {}
    central: dict[int, LabelMember | None] = {}
    for cid, lang in main_lang.items():
        idf_of = idf_by_lang[lang]
        weighted[cid] = weigh(centroids[cid], idf_of)
        central[cid] = most_central(members.get(cid, []), weighted[cid], idf_of)
    chosen = [member.key for member in central.values() if member is not None]
    openings = repo.text_openings(session, chosen, OPENING_CHARS)
    labels = {}
    for cid, centroid in weighted.items():
        head = central[cid]
        opening = openings.get(head.key, "") if head is not None else ""
        labels[cid] = make_label(
            centroid, head, opening, members.get(cid, []), languages[cid], sources.get(cid, 0)
        )
    return labels


def _first_members(session: Session, ids: list[int]) -> dict[int, list[LabelMember]]:
    members: dict[int, list[LabelMember]] = {}
    for row in repo.label_members(session, ids, CENTRAL_AMONG):
        member = LabelMember(row.pk, row.id, row.title, row.lang, row.story_terms)
        members.setdefault(row.cluster_id, []).append(member)
    return members


def storyline_labels(
    session: Session, storyline_ids: Sequence[int], config: ClusteringConfig
) -> dict[int, Label]:
    """A storyline's label: that of its largest event, with the languages and sources
    of all its events."""
    if not storyline_ids:
        return {}
    largest = repo.largest_events(session, storyline_ids)
    sources = repo.storyline_sources(session, storyline_ids)
    by_event = {cid: sources.get(storyline_id, 0) for storyline_id, cid in largest.items()}
    event_labels = _labels(session, list(largest.values()), config, by_event)
    languages = repo.storyline_languages(session, storyline_ids)
    return {
        storyline_id: replace(
            event_labels[cluster_id], languages=ordered_counts(languages.get(storyline_id, {}))
        )
        for storyline_id, cluster_id in largest.items()
        if cluster_id in event_labels
    }
