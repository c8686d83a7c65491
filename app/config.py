"""Service settings, read from the environment (prefix ``STORY_``; ``DATABASE_URL`` too)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import AliasChoices, Field, PrivateAttr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.clustering.config import AlgorithmParams, ClusteringConfig

DEFAULT_DATABASE_URL = "sqlite:///./story_clusters.db"


class Settings(BaseSettings, AlgorithmParams):
    """The service's settings and the algorithm's parameters (AlgorithmParams: each as
    STORY_<NAME>, with its range). Unknown names are refused: given as arguments, by
    pydantic; in the environment, by ``_no_unknown_environment`` (a misspelt
    STORY_JOIN_TRESHOLD would otherwise be ignored and the default used)."""

    # hide_input_in_errors: a refused setting may hold a secret (an API key, a password)
    model_config = SettingsConfigDict(
        env_prefix="STORY_", extra="forbid", hide_input_in_errors=True
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
    analysis_processes: int = Field(
        1,
        ge=0,
        le=64,
        description="Worker processes that analyse posted articles, per server process "
        "(0: in the request threads).",
    )
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
    _clustering: ClusteringConfig | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_environment(cls, values):
        known = {f"STORY_{name.upper()}" for name in cls.model_fields}
        unknown = sorted(
            k for k in os.environ if k.upper().startswith("STORY_") and k.upper() not in known
        )
        if unknown:
            raise ValueError(f"unknown setting(s) in the environment: {', '.join(unknown)}")
        return values

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

    def model_copy(self, *, update=None, deep: bool = False) -> Settings:
        """A copy validated like any settings (pydantic's copy skips validation and
        would keep the original's derived configuration)."""
        return type(self).model_validate(self.model_dump() | dict(update or {}))

    def clustering(self) -> ClusteringConfig:
        """The algorithm's parameters, validated with the settings and built once."""
        if self._clustering is None:
            self._clustering = ClusteringConfig(**self.model_dump(include=ClusteringConfig.names()))
        return self._clustering

    def should_auto_migrate(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
