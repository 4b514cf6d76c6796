"""Ingest settings (env prefix ``NEWSWIRE_INGEST_``; Kafka via ``NEWSWIRE_KAFKA_*``, fetching
via ``NEWSWIRE_FETCH_*``, polling via ``NEWSWIRE_POLL_*``)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import ports
from shared.paths import service_state_dir
from shared.settings import ServiceSettings


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


# The poller's port before it had a host and port of its own (deprecated).
OLD_METRICS_PORT = "NEWSWIRE_INGEST_METRICS_PORT"


class PollSettings(BaseSettings):
    """Feed polling policy and the poller's /metrics address (env prefix ``NEWSWIRE_POLL_``)."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_POLL_", extra="ignore")

    host: str = ports.DEFAULT_HOST
    port: int = Field(default=ports.POLL, ge=1, le=65535, description="/metrics of `poll`.")

    default_interval_s: float = Field(default=900.0, gt=0)
    min_interval_s: float = Field(default=60.0, ge=0)
    max_backoff_s: float = Field(default=6 * 3600.0, gt=0)
    disable_after_failures: int = Field(default=10, ge=1)
    workers: int = Field(default=8, ge=1)
    tick_s: float = Field(default=1.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _old_metrics_port(cls, data: Any) -> Any:
        # The new name wins when both are set.
        old = os.environ.get(OLD_METRICS_PORT)
        if old is None or not isinstance(data, dict) or "port" in data:
            return data
        message = f"{OLD_METRICS_PORT} is deprecated: set NEWSWIRE_POLL_PORT instead"
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return {**data, "port": old}


class IngestSettings(ServiceSettings):
    """``host``/``port`` are the push API's (``ingest serve``)."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_INGEST_", extra="ignore", populate_by_name=True
    )
    renamed_env: ClassVar[dict[str, str]] = {
        "NEWSWIRE_INGEST_API_HOST": "host",
        "NEWSWIRE_INGEST_API_PORT": "port",
    }

    # What ingest keeps locally is the feed poll state (until the feed list moves to Kafka),
    # under the installation's state folder, where `newswire up` puts it too.
    state_dir: Path = Field(
        default_factory=lambda: service_state_dir("ingest"), description="Feed poll state."
    )
    feeds_file: Path = Field(default_factory=lambda: _config_home() / "feeds.json")
    api_key: SecretStr | None = Field(default=None, description="Required by POST /articles.")
    host: str = ports.DEFAULT_HOST
    port: int = Field(default=ports.INGEST, ge=1, le=65535)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_batch_items: int = Field(default=10_000, ge=1)

    fetch: FetchSettings = Field(default_factory=FetchSettings)
    poll: PollSettings = Field(default_factory=PollSettings)

    @property
    def feed_state_db(self) -> Path:
        return self.state_dir / f"{self.namespace}-feeds.sqlite3"
