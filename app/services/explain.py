"""Why two articles are, or are not, in one story: every signal, side by side."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.clustering.assign import ClusterCandidate, time_factor
from app.clustering.config import ClusteringConfig
from app.clustering.score import cosine, shared_terms, weigh
from app.errors import NotFound
from app.lsh.bands import band_keys
from app.lsh.signatures import estimated_jaccard, exact_jaccard, from_bytes
from app.services.planning import idf_function
from app.store import repo
from app.store.models import Article
from app.text.features import dup_shingles
from app.text.normalise import split_lines


@dataclass
class Explanation:
    a: str
    b: str
    same_cluster: bool
    same_copy_group: bool
    shared_terms: list[dict]
    signals: dict
    thresholds: dict


def _kept_body(article: Article) -> str:
    dropped = set(article.boilerplate_lines)
    return "\n".join(line for i, line in enumerate(split_lines(article.text)) if i not in dropped)


def _collisions(sig_a: bytes, sig_b: bytes, bands: tuple[int, int]) -> list[int]:
    keys_a = band_keys(from_bytes(sig_a), *bands)
    keys_b = band_keys(from_bytes(sig_b), *bands)
    return [i for i, (x, y) in enumerate(zip(keys_a, keys_b, strict=True)) if x == y]


def _article(session: Session, article_id: str) -> Article:
    found = repo.article_by_id(session, article_id)
    if found is None:
        raise NotFound(f"no article {article_id!r}")
    return found


def explain(session: Session, id_a: str, id_b: str, config: ClusteringConfig) -> Explanation:
    with session.begin():
        a, b = _article(session, id_a), _article(session, id_b)
        cluster_b = repo.get_cluster(session, b.cluster_id)
        if cluster_b is None:  # an article's cluster exists (story-clusters check)
            raise NotFound(f"no cluster {b.cluster_id} for article {id_b!r}")
        terms = set(a.story_terms) | set(b.story_terms) | set(cluster_b.centroid)
        idf_of = idf_function(session, a.lang, terms, config)
        vec_a, vec_b = weigh(a.story_terms, idf_of), weigh(b.story_terms, idf_of)
        candidate = ClusterCandidate(
            cluster_b.id, cluster_b.centroid, 0, cluster_b.first_published, cluster_b.last_published
        )
        days = candidate.days_apart(a.placed_at)
        signals = {
            "story_cosine": round(cosine(vec_a, vec_b), 4),
            "cosine_with_cluster_of_b": round(cosine(vec_a, weigh(cluster_b.centroid, idf_of)), 4),
            "days_apart": round(days, 2) if days is not None else None,
            # as the score has it: the bonus is for the article's publication date
            "time_factor": time_factor(candidate.days_apart(a.published_at), config),
            "dup_jaccard_estimated": round(
                estimated_jaccard(from_bytes(a.dup_signature), from_bytes(b.dup_signature)), 4
            ),
            "dup_jaccard_exact": round(
                exact_jaccard(
                    dup_shingles(_kept_body(a), config.dup_shingle_size),
                    dup_shingles(_kept_body(b), config.dup_shingle_size),
                ),
                4,
            ),
            "story_jaccard_estimated": round(
                estimated_jaccard(from_bytes(a.story_signature), from_bytes(b.story_signature)), 4
            ),
            "story_jaccard_exact": round(exact_jaccard(a.story_terms, b.story_terms), 4),
            "dup_bands_collided": _collisions(a.dup_signature, b.dup_signature, config.dup_bands()),
            "story_bands_collided": _collisions(
                a.story_signature, b.story_signature, config.story_bands()
            ),
            "boilerplate_lines_dropped": {
                "a": len(a.boilerplate_lines),
                "b": len(b.boilerplate_lines),
            },
        }
        root_a, root_b = a.duplicate_of_pk or a.pk, b.duplicate_of_pk or b.pk
        return Explanation(
            a=a.id,
            b=b.id,
            same_cluster=a.cluster_id == b.cluster_id,
            same_copy_group=root_a == root_b,
            shared_terms=[
                {"term": term, "weight": round(weight, 4)}
                for term, weight in shared_terms(vec_a, vec_b, 15)
            ],
            signals=signals,
            thresholds={
                "join": config.join_threshold,
                "merge": config.merge_threshold,
                "duplicate": config.dup_threshold,
                "story_lsh": config.story_lsh_threshold,
                "dup_lsh": config.dup_lsh_threshold,
                "story_bands": list(config.story_bands()),
                "dup_bands": list(config.dup_bands()),
            },
        )
