"""Indexer settings (env prefix ``NEWSWIRE_INDEXER_``; Kafka ``NEWSWIRE_KAFKA_*``, ES
``NEWSWIRE_ES_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings


class IndexerSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_INDEXER_", extra="ignore", populate_by_name=True
    )

    namespace: str = Field(default="newswire", validation_alias="NEWSWIRE_NAMESPACE")
    batch_size: int = Field(default=500, ge=1, le=10_000)
    # Bulk requests written at once; Elasticsearch indexes each on its own write thread.
    max_in_flight: int = Field(default=2, ge=1, le=8)
    poll_timeout_ms: int = Field(default=500, ge=10)
    retry_initial_s: float = Field(default=0.5, gt=0)
    retry_max_s: float = Field(default=10.0, gt=0)  # bounds the delay to resume after an outage
    dead_letter_excerpt_bytes: int = Field(default=64 * 1024, ge=256)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    shutdown_timeout_s: float = Field(default=30.0, gt=0)

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    es: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)

    @property
    def names(self) -> Names:
        return Names(self.namespace)
