"""Service settings, read from the environment (prefix ``STORY_``; ``DATABASE_URL`` too)."""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache

from pydantic import AliasChoices, Field, PrivateAttr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.clustering.config import ClusteringConfig

DEFAULT_DATABASE_URL = "sqlite:///./story_clusters.db"


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting may hold a secret (an API key, a password)
    model_config = SettingsConfigDict(
        env_prefix="STORY_", extra="ignore", hide_input_in_errors=True
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "STORY_DATABASE_URL"),
        description="SQLAlchemy URL; a SQLite file in the working directory by default.",
    )
    auto_migrate: bool | None = Field(
        None, description="Run pending migrations at start; default: only on SQLite."
    )
    max_body_bytes: int = Field(2_000_000, gt=0, description="Largest accepted request body.")
    max_batch_size: int = Field(100, gt=0, description="Most articles in one batch request.")
    max_text_chars: int = Field(
        200_000, gt=0, description="Longest accepted article text, counted after normalisation."
    )
    page_size_max: int = Field(500, gt=0)
    sqlite_busy_timeout_s: float = Field(30.0, gt=0)
    db_timeout_s: float = Field(
        15.0, gt=0, description="PostgreSQL: longest statement, and wait for a connection."
    )
    db_connect_timeout_s: float = Field(5.0, ge=1, description="PostgreSQL: connecting.")
    db_lock_timeout_s: float = Field(10.0, gt=0, description="PostgreSQL: waiting for a lock.")
    shutdown_grace_s: float = Field(
        20.0, gt=0, description="On SIGTERM, how long requests in flight may finish."
    )
    log_level: str = Field(
        "info", pattern="(?i)^(debug|info|warning|error)$", description="Log level (JSON lines)."
    )
    api_keys: str = Field(
        "",
        repr=False,  # secrets: never printed with the settings
        description="Comma-separated 'scope:key' entries, scope 'read' or 'write'; empty: open.",
    )
    reads_need_key: bool = Field(True, description="With keys set, reads need a key too.")
    rate_limit_per_minute: int = Field(
        600, ge=0, description="Requests a minute per API key (0: no limit)."
    )
    _key_entries: dict[str, tuple[str, str]] = PrivateAttr(default_factory=dict)

    # Algorithm parameters; defaults live in ClusteringConfig (the tuned, shipped setup).
    dup_num_perm: int = ClusteringConfig.dup_num_perm
    dup_shingle_size: int = ClusteringConfig.dup_shingle_size
    dup_threshold: float = ClusteringConfig.dup_threshold
    dup_lsh_threshold: float = ClusteringConfig.dup_lsh_threshold
    story_num_perm: int = ClusteringConfig.story_num_perm
    story_lsh_threshold: float = ClusteringConfig.story_lsh_threshold
    minhash_seed: int = ClusteringConfig.minhash_seed
    bucket_cap: int = ClusteringConfig.bucket_cap
    candidate_clusters: int = ClusteringConfig.candidate_clusters
    join_threshold: float = ClusteringConfig.join_threshold
    merge_threshold: float = ClusteringConfig.merge_threshold
    title_weight: float = ClusteringConfig.title_weight
    capital_weight: float = ClusteringConfig.capital_weight
    number_weight: float = ClusteringConfig.number_weight
    lead_tokens: int = ClusteringConfig.lead_tokens
    lead_weight: float = ClusteringConfig.lead_weight
    prior_docs: float = ClusteringConfig.prior_docs
    time_window_days: float = ClusteringConfig.time_window_days
    time_near_days: float = ClusteringConfig.time_near_days
    time_bonus: float = ClusteringConfig.time_bonus
    centroid_terms: int = ClusteringConfig.centroid_terms
    boilerplate_repeats: int = ClusteringConfig.boilerplate_repeats
    split_ratio: float = ClusteringConfig.split_ratio
    split_min_group: int = ClusteringConfig.split_min_group
    split_max_members: int = ClusteringConfig.split_max_members

    @model_validator(mode="after")
    def _parse_api_keys(self) -> Settings:
        entries: dict[str, tuple[str, str]] = {}
        for number, entry in enumerate(
            filter(None, (e.strip() for e in self.api_keys.split(","))), 1
        ):
            scope, sep, key = entry.partition(":")
            if not sep or scope not in ("read", "write") or len(key) < 16:
                # the entry's position, never its text: it holds a secret
                raise ValueError(
                    f"STORY_API_KEYS entry {number} is not 'read:KEY' or 'write:KEY' "
                    "with a key of at least 16 characters"
                )
            entries[f"{scope}#{number}"] = (scope, key)
        self._key_entries = entries
        return self

    def api_key_entries(self) -> dict[str, tuple[str, str]]:
        """Key name ("write#2") -> (scope, key)."""
        return self._key_entries

    def clustering(self) -> ClusteringConfig:
        return ClusteringConfig(**{f.name: getattr(self, f.name) for f in fields(ClusteringConfig)})

    def should_auto_migrate(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
