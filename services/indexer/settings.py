"""Indexer settings (env prefix ``NEWSWIRE_INDEXER_``; Kafka ``NEWSWIRE_KAFKA_*``, ES
``NEWSWIRE_ES_*``, namespace and shutdown from ``ServiceSettings``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared import ports
from shared.settings import ElasticsearchSettings, ServiceSettings


class IndexerSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_INDEXER_", extra="ignore", populate_by_name=True
    )

    renamed_env: ClassVar[dict[str, str]] = {"NEWSWIRE_INDEXER_METRICS_PORT": "port"}

    batch_size: int = Field(default=500, ge=1, le=10_000)
    # Bulk requests written at once; Elasticsearch indexes each on its own write thread.
    max_in_flight: int = Field(default=2, ge=1, le=8)
    poll_timeout_ms: int = Field(default=500, ge=10)
    retry_initial_s: float = Field(default=0.5, gt=0)
    retry_max_s: float = Field(default=10.0, gt=0)  # bounds the delay to resume after an outage
    # /metrics and /healthz: on by default, a scrape target and a liveness probe like every
    # other service; port 0 turns them off (e.g. a second indexer on the same host).
    host: str = ports.DEFAULT_HOST
    port: int = Field(default=ports.INDEXER, ge=0, le=65535)

    es: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)
