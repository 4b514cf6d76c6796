"""Ingest settings (env prefix ``NEWSWIRE_INGEST_``; Kafka via ``NEWSWIRE_KAFKA_*``)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.names import Names
from shared.settings import KafkaSettings


def _state_home() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "newswire" / "ingest"


def _config_home() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "newswire"


class FetchSettings(BaseSettings):
    """How feeds and pages are fetched (env prefix ``NEWSWIRE_FETCH_``)."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_FETCH_", extra="ignore")

    connect_timeout_s: float = Field(default=10.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)
    total_timeout_s: float = Field(
        default=120.0, gt=0, description="Whole fetch, redirects and body included."
    )
    max_response_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(default=5, ge=0, le=20)
    user_agent: str = "newswire/0.1 (+https://github.com/newswire; feed fetcher)"
    allow_private: bool = Field(
        default=False,
        description="Allow loopback and private ranges (link-local/metadata stay refused).",
    )
    per_host_delay_s: float = Field(default=1.0, ge=0, description="Min gap between requests.")
    per_host_concurrency: int = Field(default=2, ge=1)


class PollSettings(BaseSettings):
    """Feed polling policy (env prefix ``NEWSWIRE_POLL_``)."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_POLL_", extra="ignore")

    default_interval_s: float = Field(default=900.0, gt=0)
    min_interval_s: float = Field(default=60.0, ge=0)
    max_backoff_s: float = Field(default=6 * 3600.0, gt=0)
    disable_after_failures: int = Field(default=10, ge=1)
    workers: int = Field(default=8, ge=1)
    tick_s: float = Field(default=1.0, gt=0)


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_INGEST_", extra="ignore", populate_by_name=True
    )

    namespace: str = Field(default="newswire", validation_alias="NEWSWIRE_NAMESPACE")
    state_dir: Path = Field(default_factory=_state_home, description="Dedup and feed state.")
    feeds_file: Path = Field(default_factory=lambda: _config_home() / "feeds.json")
    api_key: SecretStr | None = Field(default=None, description="Required by POST /articles.")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_batch_items: int = Field(default=10_000, ge=1)
    dead_letter_excerpt_bytes: int = Field(default=64 * 1024, ge=256)
    metrics_port: int | None = Field(default=None, description="/metrics port for `poll`.")
    shutdown_timeout_s: float = Field(default=30.0, gt=0)

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    poll: PollSettings = Field(default_factory=PollSettings)

    @property
    def names(self) -> Names:
        return Names(self.namespace)

    @property
    def dedup_db(self) -> Path:
        return self.state_dir / f"{self.namespace}-dedup.sqlite3"

    @property
    def feed_state_db(self) -> Path:
        return self.state_dir / f"{self.namespace}-feeds.sqlite3"
