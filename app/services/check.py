"""`story-clusters check`: verify the database's invariants, name what is broken.

1. every article has exactly the postings its stored signatures give, in both indexes;
2. no posting belongs to a missing article;
3. every cluster's size equals its members (a merged cluster has none);
4. every article is in a live cluster, and every live cluster in a live storyline;
5. term, language and source-line statistics equal a recount from the articles.

Reads only, in one transaction; articles are streamed in batches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.clustering.config import ClusteringConfig
from app.services import footprint, layout
from app.store import repo
from app.store.models import Article

EXAMPLES = 5  # broken rows named per invariant


def check_database(session: Session, config: ClusteringConfig) -> list[str]:
    """One line per broken invariant (empty: everything holds). The articles are read
    once, for their postings and for the recount together."""
    with session.begin():
        return [
            *_scan_articles(session, config),
            *_no_orphan_postings(session),
            *_cluster_sizes(session),
            *_articles_in_live_clusters(session),
            *_clusters_in_live_storylines(session),
        ]


_SCANNED = (
    Article.id,
    Article.dup_signature,
    Article.story_signature,
    Article.lang,
    Article.story_terms,
    Article.url,
    Article.source,
    Article.text,
)


def _scan_articles(session: Session, config: ClusteringConfig) -> list[str]:
    """Postings against each article's signatures, and the statistics recount."""
    wrong_postings: list[str] = []
    terms: Counter[tuple[str, str]] = Counter()
    langs: Counter[str] = Counter()
    lines: Counter[tuple[str, int]] = Counter()
    for batch in repo.article_batches(session, _SCANNED):
        stored = repo.postings_of(session, [row[0] for row in batch])
        for pk, article_id, dup_sig, story_sig, lang, story_terms, url, source, text in batch:
            expected = {
                (index, key)
                for index, keys in layout.stored_keys(config, dup_sig, story_sig).items()
                for key in keys
            }
            if stored[pk] != expected:
                missing, extra = len(expected - stored[pk]), len(stored[pk] - expected)
                wrong_postings.append(f"{article_id!r} ({missing} missing, {extra} extra)")
            langs[lang] += 1
            terms.update((lang, term) for term in story_terms)
            key, fingerprints = footprint.stored_source_lines(url, source, text)
            if key is not None:
                lines.update((key, fingerprint) for fingerprint in fingerprints)
    return [
        *_report("postings: articles whose postings differ from their signatures", wrong_postings),
        *_compare("term statistics", repo.all_term_stats(session), terms),
        *_compare("language statistics", repo.all_lang_stats(session), langs),
        *_compare("source-line counts", repo.all_source_lines(session), lines),
    ]


def _no_orphan_postings(session: Session) -> list[str]:
    orphans = repo.orphan_postings(session)
    return [f"postings: {orphans} postings belong to no article"] if orphans else []


def _cluster_sizes(session: Session) -> list[str]:
    wrong = [
        f"cluster {cid} (size {size}, {members} members)"
        for cid, size, members in repo.cluster_size_mismatches(session)
    ]
    return _report("clusters: sizes that differ from their member counts", wrong)


def _articles_in_live_clusters(session: Session) -> list[str]:
    wrong = [
        f"{aid!r} (cluster {cid})" for aid, cid in repo.articles_outside_live_clusters(session)
    ]
    return _report("articles: not in a live cluster", wrong)


def _clusters_in_live_storylines(session: Session) -> list[str]:
    wrong = [
        f"cluster {cid} (storyline {storyline})"
        for cid, storyline in repo.clusters_outside_live_storylines(session)
    ]
    return _report("clusters: not in a live storyline", wrong)


def _compare(name: str, stored: dict, recount: Counter) -> list[str]:
    """Rows whose stored count differs from the recount (a row of 0 should not exist)."""
    wrong = [
        f"{key!r} stored {stored.get(key, 0)}, recount {recount.get(key, 0)}"
        for key in sorted(stored.keys() | recount.keys(), key=repr)
        if stored.get(key, 0) != recount.get(key, 0) or stored.get(key) == 0
    ]
    return _report(f"{name}: differ from a recount", wrong)


def _report(what: str, wrong: Iterable[str]) -> list[str]:
    wrong = list(wrong)
    if not wrong:
        return []
    shown = ", ".join(wrong[:EXAMPLES]) + (
        f", ... ({len(wrong)} in all)" if len(wrong) > EXAMPLES else ""
    )
    return [f"{what}: {shown}"]
