"""Settings types shared by the services (pydantic-settings, ``NEWSWIRE_`` prefix).

Each service composes these into its own settings object, built once in its entry point and
passed down explicitly: nothing here reads the environment at import time.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
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
    # Replication of the topics newswire creates (its own and faust's internal ones). None:
    # min(3, brokers in the cluster) and RF - 1 (at least 1): one broker may be lost without
    # losing an acknowledged record (producers use acks=all) or stopping writes.
    replication_factor: int | None = Field(default=None, ge=1)
    min_insync_replicas: int | None = Field(default=None, ge=1)

    @property
    def servers(self) -> list[str]:
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]

    def replication_for(self, brokers: int) -> tuple[int, int]:
        """(replication factor, min.insync.replicas) for a cluster of ``brokers`` brokers."""
        factor = self.replication_factor or max(1, min(3, brokers))
        min_isr = self.min_insync_replicas or max(1, factor - 1)
        return factor, min(min_isr, factor)


class ElasticsearchSettings(BaseSettings):
    """How to reach Elasticsearch. Env: ``NEWSWIRE_ES_URLS`` (or ``NEWSWIRE_ES_URL``: one or
    several node URLs, comma-separated), ``NEWSWIRE_ES_API_KEY``, ``NEWSWIRE_ES_CA_CERTS``..."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_ES_", extra="ignore", populate_by_name=True
    )

    url: str = Field(
        default="http://127.0.0.1:9200",
        validation_alias=AliasChoices("url", "NEWSWIRE_ES_URLS", "NEWSWIRE_ES_URL"),
        description="Node URLs, comma-separated: the client spreads requests and fails over.",
    )
    ca_certs: Path | None = Field(default=None, description="CA bundle of a TLS cluster.")
    verify_certs: bool = True
    username: str | None = None
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    request_timeout_s: float = Field(default=30.0, gt=0)

    @property
    def hosts(self) -> list[str]:
        return [u.strip() for u in self.url.split(",") if u.strip()]


class NamespaceSettings(BaseSettings):
    """Prefix of every topic, index and group name (``NEWSWIRE_NAMESPACE``)."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_", extra="ignore")

    namespace: str = "newswire"

    @property
    def names(self) -> Names:
        return Names(self.namespace)


class ServiceSettings(BaseSettings):
    """What every service's settings repeat; each service's own settings class derives from it
    and sets its ``env_prefix`` (``NEWSWIRE_INGEST_``...).

    The HTTP surface of a service (API, metrics, probes) is always ``host`` and ``port``
    (``NEWSWIRE_<SERVICE>_HOST`` / ``_PORT``). Names a variable had before are listed in
    ``renamed_env`` (old name -> field): they still work, with a ``DeprecationWarning``.
    """

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    renamed_env: ClassVar[dict[str, str]] = {}

    namespace: str = Field(default="newswire", validation_alias="NEWSWIRE_NAMESPACE")
    dead_letter_excerpt_bytes: int = Field(
        default=64 * 1024, ge=256, description="Bytes of the input a dead letter keeps."
    )
    shutdown_timeout_s: float = Field(
        default=30.0, gt=0, description="SIGTERM: time to finish in-flight work and flush."
    )

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not cls.renamed_env:
            return data
        for old, field in cls.renamed_env.items():
            if old in os.environ and field not in data:
                warnings.warn(
                    f"{old} is deprecated: set {_env_name(cls, field)} instead",
                    DeprecationWarning,
                    stacklevel=2,
                )
                data = {**data, field: os.environ[old]}
        return data

    @property
    def names(self) -> Names:
        return Names(self.namespace)


def _env_name(cls: type[BaseSettings], field: str) -> str:
    prefix = str(cls.model_config.get("env_prefix", ""))
    return f"{prefix}{field}".upper()
