"""Settings types shared by the services (pydantic-settings, ``NEWSWIRE_`` prefix).

Each service composes these into its own settings object, built once in its entry point and
passed down explicitly: nothing here reads the environment at import time.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.names import Names


class KafkaSettings(BaseSettings):
    """How to reach the broker. Env: ``NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS`` etc."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    client_id: str = "newswire"
    request_timeout_ms: int = Field(default=30_000, ge=1_000)
    partitions: int = Field(default=3, ge=1, description="Partitions of topics newswire creates.")
    # lz4: several times cheaper than gzip in CPU for a similar ratio on article text.
    compression_type: Literal["lz4", "zstd", "gzip", "snappy", "none"] = "lz4"
    # An article body may reach 1,000,000 characters (up to ~4 MB of UTF-8): the brokers
    # newswire runs accept 8 MiB messages (message.max.bytes), and so do its producers.
    max_request_bytes: int = Field(default=8 * 1024 * 1024, ge=1024 * 1024)
    replication_factor: int = Field(default=1, ge=1)

    @property
    def servers(self) -> list[str]:
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]


class ElasticsearchSettings(BaseSettings):
    """How to reach Elasticsearch. Env: ``NEWSWIRE_ES_URL``, ``NEWSWIRE_ES_API_KEY``..."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_ES_", extra="ignore")

    url: str = "http://127.0.0.1:9200"
    username: str | None = None
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    request_timeout_s: float = Field(default=30.0, gt=0)


class NamespaceSettings(BaseSettings):
    """Prefix of every topic, index and group name (``NEWSWIRE_NAMESPACE``)."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_", extra="ignore")

    namespace: str = "newswire"

    @property
    def names(self) -> Names:
        return Names(self.namespace)
