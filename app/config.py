"""Service settings, read from the environment (prefix ``STORY_``; ``DATABASE_URL`` too)."""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.clustering.config import ClusteringConfig

DEFAULT_DATABASE_URL = "sqlite:///./story_clusters.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STORY_", extra="ignore")

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
    max_text_chars: int = Field(500_000, gt=0, description="Longest accepted article text.")
    page_size_max: int = Field(500, gt=0)
    sqlite_busy_timeout_s: float = Field(30.0, gt=0)

    # Algorithm parameters; the defaults are the tuned, shipped configuration.
    dup_num_perm: int = 128
    dup_shingle_size: int = 3
    dup_threshold: float = 0.5
    dup_lsh_threshold: float = 0.4
    story_num_perm: int = 256
    story_lsh_threshold: float = 0.1
    minhash_seed: int = 1
    bucket_cap: int = 40
    candidate_clusters: int = 12
    join_threshold: float = 0.30
    merge_threshold: float = 0.55
    title_weight: float = 2.0
    capital_weight: float = 3.0
    number_weight: float = 0.0
    phrase_weight: float = 0.0
    lead_tokens: int = 0
    lead_weight: float = 1.0
    prior_docs: float = 30.0
    time_window_days: float = 0.0
    time_near_days: float = 3.0
    time_bonus: float = 0.0
    centroid_terms: int = 300
    boilerplate_repeats: int = 2

    def clustering(self) -> ClusteringConfig:
        return ClusteringConfig(**{f.name: getattr(self, f.name) for f in fields(ClusteringConfig)})

    def should_auto_migrate(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
