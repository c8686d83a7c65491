"""The index layout: the MinHash and band parameters that stored band keys depend on.

Changing them on a populated database would make every probe miss the old articles
without any error, so ingest and match refuse until ``story-clusters reindex`` has
rebuilt the band keys from the stored signatures.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.clustering.config import ClusteringConfig
from app.errors import NotReady
from app.lsh.bands import posting_keys
from app.lsh.signatures import SCHEME, from_bytes
from app.store import repo
from app.store.models import DUP_INDEX, STORY_INDEX


def layout_of(config: ClusteringConfig) -> dict:
    return {
        "scheme": SCHEME,
        "seed": config.minhash_seed,
        "dup_num_perm": config.dup_num_perm,
        "dup_shingle_size": config.dup_shingle_size,
        "dup_bands": list(config.dup_bands()),
        "story_num_perm": config.story_num_perm,
        "story_bands": list(config.story_bands()),
    }


def differences(stored: dict, wanted: dict) -> list[str]:
    keys = sorted(set(stored) | set(wanted))
    return [
        f"{k}: index {stored.get(k)}, config {wanted.get(k)}"
        for k in keys
        if stored.get(k) != wanted.get(k)
    ]


def check(session: Session, config: ClusteringConfig) -> None:
    """Raise NotReady when the stored index was built with other parameters."""
    _compare(repo.index_layout(session), config)


def ensure(session: Session, config: ClusteringConfig, now) -> None:
    """Check the layout, recording it on the first write. Call under the ingest lock."""
    stored = repo.index_layout(session)
    if stored is None:
        repo.save_index_layout(session, layout_of(config), now)
    else:
        _compare(stored, config)


def _compare(stored: dict | None, config: ClusteringConfig) -> None:
    if stored is None:
        return
    changed = differences(stored, layout_of(config))
    if changed:
        raise NotReady(
            "the index was built with other MinHash/LSH parameters ("
            + "; ".join(changed)
            + "): run 'story-clusters reindex' or restore the settings"
        )


def rebuild(session: Session, config: ClusteringConfig, now) -> int:
    """Recompute every band key from the stored signatures (one transaction, under the
    ingest lock). A changed permutation count, seed or shingle size changes the
    signatures themselves: those need the articles ingested again."""
    stored = repo.index_layout(session)
    wanted = layout_of(config)
    fixed = ("scheme", "seed", "dup_num_perm", "dup_shingle_size", "story_num_perm")
    if stored is not None:
        changed = differences({k: stored.get(k) for k in fixed}, {k: wanted[k] for k in fixed})
        if changed:
            raise NotReady(
                f"signatures were made with other parameters ({'; '.join(changed)}): "
                "reindexing cannot change them; ingest the articles into a new database"
            )
    store = repo.bucket_store(session)
    repo.delete_postings(session)
    articles = 0
    for batch in repo.signature_batches(session):
        for pk, dup_signature, story_signature in batch:
            store.add(pk, stored_keys(config, dup_signature, story_signature))
            articles += 1
    repo.save_index_layout(session, wanted, now)
    return articles


def stored_keys(
    config: ClusteringConfig, dup_signature: bytes, story_signature: bytes
) -> dict[int, list[int]]:
    """The band keys, per index, that an article's stored signatures give."""
    return {
        DUP_INDEX: posting_keys(from_bytes(dup_signature), *config.dup_bands()),
        STORY_INDEX: posting_keys(from_bytes(story_signature), *config.story_bands()),
    }
