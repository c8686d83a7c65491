"""Evaluation on a labeled JSONL set: cluster it online, score against the gold labels."""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from pathlib import Path

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.services import ingest as ingest_service
from app.services import planning
from app.services.analysis import ArticleIn
from app.services.ingest import utcnow
from app.store import migrate, repo
from evaluation import metrics


@dataclass
class StorylineScores:
    gold: int
    predicted: int
    pairwise: metrics.Scores
    bcubed: metrics.Scores
    misses: metrics.Errors


@dataclass
class EvalReport:
    articles: int
    gold_clusters: int
    predicted_clusters: int
    largest_cluster: int
    misses: metrics.Errors
    storylines: StorylineScores
    pairwise: metrics.Scores
    bcubed: metrics.Scores
    ari: float
    seconds: float
    lsh_pair_recall: float
    lsh_article_reach: float
    mean_candidates: float
    same_event_pairs_marked_copy: float
    marked_duplicates: int
    errors: list[str] = field(default_factory=list)

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "articles": self.articles,
            "gold_clusters": self.gold_clusters,
            "predicted_clusters": self.predicted_clusters,
            "largest_cluster": self.largest_cluster,
            "largest_cluster_events": self.misses.largest_cluster_events,
            "gold_events_with_several_articles": self.misses.gold_events,
            "gold_events_split": self.misses.split_events,
            "predicted_clusters_mixing_events": self.misses.mixed_clusters,
            "pairwise": self.pairwise.__dict__,
            "bcubed": self.bcubed.__dict__,
            "ari": self.ari,
            "articles_per_second": self.articles_per_second,
            "lsh_pair_recall": self.lsh_pair_recall,
            "lsh_article_reach": self.lsh_article_reach,
            "mean_candidates_per_probe": self.mean_candidates,
            "same_event_pairs_marked_copy": self.same_event_pairs_marked_copy,
            "marked_duplicates": self.marked_duplicates,
            "errors": self.errors,
            "storylines": {
                "gold": self.storylines.gold,
                "predicted": self.storylines.predicted,
                "pairwise": self.storylines.pairwise.__dict__,
                "bcubed": self.storylines.bcubed.__dict__,
                "gold_storylines_split": self.storylines.misses.split_events,
                "predicted_storylines_mixing_gold": self.storylines.misses.mixed_clusters,
                "largest_storyline": self.storylines.misses.largest_cluster,
            },
        }


def load_records(
    path: Path, filters: dict[str, set[str]], shuffle: int | None = None
) -> list[dict]:
    """The matching records in the order they are ingested: published order where every
    record is dated, else file order. With a ``shuffle`` seed, what the data leaves
    unordered (an undated set; records of one timestamp) comes in a seeded random order
    instead: a set's file order (ECB+ is grouped by topic) is how it was compiled, not
    how a crawler would receive it."""
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            if all(str(record.get(key)) in values for key, values in filters.items()):
                records.append(record)
    return _arrival_order(records, shuffle)


def load_stream(
    paths: Sequence[Path], filters: dict[str, set[str]], shuffle: int | None = None
) -> list[dict]:
    """Several sets as one stream, as a crawler would receive their articles mixed: each
    set in ``load_records`` order, then one after the other (or, with a ``shuffle``
    seed, shuffled together). Ids and gold events are prefixed with the file's name
    ("gvc_devtest:123"), so two sets never share an event; a filter applies to the
    records that have its key."""
    if len(paths) == 1:
        return load_records(paths[0], filters, shuffle)
    records = []
    for path in paths:
        prefix = path.stem + ":"
        for record in load_records(path, {}):
            if any(
                str(record[key]) not in values for key, values in filters.items() if key in record
            ):
                continue
            renamed = {"id": prefix + str(record["id"]), "cluster": prefix + str(record["cluster"])}
            records.append({**record, **renamed})
    return _arrival_order(records, shuffle)


def _arrival_order(records: list[dict], shuffle: int | None) -> list[dict]:
    if shuffle is not None:
        random.Random(shuffle).shuffle(records)
    if records and all(r.get("published") for r in records):
        records.sort(key=lambda r: r["published"])  # stable: the order above within a day
    return records


def record_to_article(record: dict, dating: str = "published") -> ArticleIn:
    """The record as an article, placed in time by ``dating`` (``eval --dating``):
    "published", its date as given (an undated record stays undated, as in a
    back-fill); "arrival", an undated record is placed at the moment it is ingested, as
    the API places a live post (here: the whole set arriving within seconds); "none",
    no date (the order is kept)."""
    published = record.get("published") if dating != "none" else None
    return ArticleIn(
        id=str(record["id"]),
        title=record.get("title"),
        text=record["text"],
        source=record.get("source") if isinstance(record.get("source"), str) else None,
        published_at=datetime.fromisoformat(published) if published else None,
        lang=record.get("lang"),
        arrived_at=utcnow() if dating == "arrival" else None,
    )


def evaluate(
    records: list[dict],
    settings: Settings,
    threads: list[set[str]] | None = None,
    dating: str = "published",
) -> EvalReport:
    """Ingest the records one at a time, in order, into ``settings.database_url``, and
    score events and storylines (gold storylines: each gold event, except the events of
    a thread in ``threads``, which form one); ``dating``: see ``record_to_article``."""
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    config = settings.clustering()
    predicted: dict[str, int] = {}
    roots: dict[str, str] = {}
    probed: dict[str, set[int]] = {}  # article id -> pks its story probe returned
    errors: list[str] = []

    def observe(article_id: str, pks) -> None:
        probed[article_id] = set(pks)

    planning.probe_observers.append(observe)
    started = time.perf_counter()
    try:
        for record in records:
            with sessions() as session:
                try:
                    result = ingest_service.ingest(
                        session, record_to_article(record, dating), config, settings.max_text_chars
                    )
                except Exception as exc:  # counted and reported; `eval` then exits 1
                    errors.append(f"{record.get('id')}: {exc}")
                    continue
            predicted[result.id] = result.cluster_id
            roots[result.id] = result.duplicate_of or result.id
    finally:
        planning.probe_observers.remove(observe)
    seconds = time.perf_counter() - started
    candidates = _candidate_ids(sessions, probed, predicted)
    final = _final_clusters(sessions, predicted)
    with sessions() as session:
        in_storyline = repo.cluster_storylines(session, set(final.values()))
    engine.dispose()
    gold = {str(r["id"]): r["cluster"] for r in records if str(r["id"]) in final}
    predicted_storylines = {article: in_storyline[cluster] for article, cluster in final.items()}
    storylines = _storyline_scores(gold, predicted_storylines, threads or [])
    return _report(gold, final, roots, candidates, records, seconds, errors, storylines)


def _storyline_scores(gold: dict, predicted: dict, threads: list[set[str]]) -> StorylineScores:
    thread_of = {str(event): min(thread) for thread in threads for event in thread}
    gold_storylines = {a: thread_of.get(str(event), str(event)) for a, event in gold.items()}
    return StorylineScores(
        gold=len(set(gold_storylines.values())),
        predicted=len(set(predicted.values())),
        pairwise=metrics.pairwise(gold_storylines, predicted),
        bcubed=metrics.bcubed(gold_storylines, predicted),
        misses=metrics.errors(gold_storylines, predicted),
    )


def _candidate_ids(sessions, probed: dict[str, set[int]], stored) -> dict[str, set[str]]:
    """The story probe's candidates of each stored article, as article ids."""
    every_pk = set().union(*probed.values()) if probed else set()
    with sessions() as session:
        ids = repo.ids_by_pks(session, every_pk)
    return {aid: {ids[pk] for pk in probed.get(aid, ()) if pk in ids} for aid in stored}


def _final_clusters(sessions, predicted: dict[str, int]) -> dict[str, int]:
    """Cluster ids as they stand after every merge."""
    from app.services import query

    final = {}
    with sessions() as session:
        for article_id in predicted:
            final[article_id] = query.get_article(session, article_id).result.cluster_id
    return final


def _report(
    gold, final, roots, candidates, records, seconds, errors, storylines: StorylineScores
) -> EvalReport:
    order = [str(r["id"]) for r in records if str(r["id"]) in final]
    position = {article_id: i for i, article_id in enumerate(order)}
    by_gold: dict[str, list[str]] = defaultdict(list)
    for article_id in order:
        by_gold[gold[article_id]].append(article_id)
    pairs = [pair for members in by_gold.values() for pair in combinations(members, 2)]
    found = sum(
        1
        for a, b in pairs
        if (a in candidates[b] if position[a] < position[b] else b in candidates[a])
    )
    marked_copy = sum(1 for a, b in pairs if roots[a] == roots[b])
    # articles with an earlier same-event article, and how many of them the probe reached
    with_earlier = [m for members in by_gold.values() for m in members[1:]]
    reached = sum(
        1
        for members in by_gold.values()
        for i, b in enumerate(members[1:], start=1)
        if candidates[b] & set(members[:i])
    )
    misses = metrics.errors(gold, final)
    return EvalReport(
        articles=len(final),
        gold_clusters=len(set(gold.values())),
        predicted_clusters=len(set(final.values())),
        largest_cluster=misses.largest_cluster,
        misses=misses,
        storylines=storylines,
        pairwise=metrics.pairwise(gold, final),
        bcubed=metrics.bcubed(gold, final),
        ari=metrics.adjusted_rand_index(gold, final),
        seconds=seconds,
        lsh_pair_recall=found / len(pairs) if pairs else 1.0,
        lsh_article_reach=reached / len(with_earlier) if with_earlier else 1.0,
        mean_candidates=sum(len(c) for c in candidates.values()) / max(1, len(candidates)),
        same_event_pairs_marked_copy=marked_copy / len(pairs) if pairs else 0.0,
        marked_duplicates=sum(1 for a, r in roots.items() if a != r),
        errors=errors,
    )


def format_report(name: str, report: EvalReport, baseline: list[dict] | None = None) -> str:
    """The text report; ``baseline``: the batch baseline's scores at some cuts
    (``story-clusters eval --baseline``), one line each."""
    p, b = report.pairwise, report.bcubed
    s = report.storylines
    sp, sb = s.pairwise, s.bcubed
    lines = [
        f"dataset                 {name}",
        f"articles                {report.articles}  (errors: {len(report.errors)})",
        f"clusters gold/predicted {report.gold_clusters} / {report.predicted_clusters}"
        f"  (largest predicted: {report.largest_cluster} articles"
        f" of {report.misses.largest_cluster_events} gold events)",
        f"gold events split       {report.misses.split_events}"
        f" of {report.misses.gold_events} with more than one article",
        f"clusters mixing events  {report.misses.mixed_clusters} of {report.predicted_clusters}",
        f"pairwise  P/R/F1        {p.precision:.3f} / {p.recall:.3f} / {p.f1:.3f}",
        f"BCubed    P/R/F1        {b.precision:.3f} / {b.recall:.3f} / {b.f1:.3f}",
        f"ARI                     {report.ari:.3f}",
        f"LSH pair recall         {report.lsh_pair_recall:.3f}"
        f"  (mean candidates per probe {report.mean_candidates:.1f})",
        f"LSH article reach       {report.lsh_article_reach:.3f}"
        "  (articles with an earlier same-event article that the probe returned)",
        f"same-event pairs marked as copies {report.same_event_pairs_marked_copy:.3f}"
        f"  (articles marked duplicate: {report.marked_duplicates})",
        f"storylines gold/pred    {s.gold} / {s.predicted}"
        f"  (largest predicted: {s.misses.largest_cluster} articles)",
        f"storyline pairwise      {sp.precision:.3f} / {sp.recall:.3f} / {sp.f1:.3f}",
        f"storyline BCubed        {sb.precision:.3f} / {sb.recall:.3f} / {sb.f1:.3f}",
        f"gold storylines split   {s.misses.split_events} of {s.misses.gold_events}"
        f" with more than one article; storylines mixing gold ones:"
        f" {s.misses.mixed_clusters}",
        f"throughput              {report.articles_per_second:.1f} articles/s"
        f"  ({report.seconds:.1f} s)",
    ]
    lines += [_baseline_line(scores) for scores in baseline or []]
    lines += [f"error: {e}" for e in report.errors[:10]]
    return "\n".join(lines)


def _baseline_line(scores: dict) -> str:
    b, p = scores["bcubed"], scores["pairwise"]
    return (
        f"batch baseline at {scores['cut']:.2f}  BCubed F1 {b['f1']:.3f}, pairwise F1"
        f" {p['f1']:.3f}, {scores['predicted_clusters']} clusters (largest"
        f" {scores['largest_cluster']}), events split {scores['gold_events_split']},"
        f" clusters mixing events {scores['predicted_clusters_mixing_events']}"
    )
