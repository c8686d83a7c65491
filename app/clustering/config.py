"""Parameters of the pure algorithm, independent of how they are configured."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClusteringConfig:
    dup_num_perm: int = 128
    dup_shingle_size: int = 3
    dup_threshold: float = 0.5
    dup_lsh_threshold: float = 0.4
    story_num_perm: int = 256
    story_lsh_threshold: float = 0.05
    minhash_seed: int = 1
    bucket_cap: int = 40
    candidate_clusters: int = 25
    join_threshold: float = 0.22
    merge_threshold: float = 0.55
    title_weight: float = 2.0
    capital_weight: float = 3.0
    number_weight: float = 4.0
    lead_tokens: int = 100
    lead_weight: float = 4.0
    prior_docs: float = 60.0
    time_window_days: float = 0.0
    time_near_days: float = 3.0
    time_bonus: float = 0.3
    centroid_terms: int = 300
    boilerplate_repeats: int = 2
    # Cluster repair after a join: split when the two halves' mean similarity is below
    # split_ratio times the looser half's own (0 turns it off). Clusters above
    # split_max_members are not re-checked, which bounds the cost of a join.
    split_ratio: float = 0.7
    split_min_group: int = 3
    split_max_members: int = 60
