"""Search settings (env prefix ``NEWSWIRE_SEARCH_``; Elasticsearch via ``NEWSWIRE_ES_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.names import Names
from shared.settings import ElasticsearchSettings


class SearchSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_SEARCH_", extra="ignore", populate_by_name=True
    )

    namespace: str = Field(default="newswire", validation_alias="NEWSWIRE_NAMESPACE")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=1, le=65535)
    facet_size: int = Field(default=10, ge=1, le=100, description="Buckets per terms facet.")
    related_size: int = Field(default=10, ge=1, le=50, description="Articles /related returns.")
    search_timeout_s: float = Field(
        default=10.0, gt=0, description="Elasticsearch-side time limit of one search."
    )
    shutdown_timeout_s: float = Field(default=10.0, gt=0)
    # One log line per request costs about as much as the rest of the request's own work; the
    # /metrics counters and latency histogram cover traffic.
    access_log: bool = False

    es: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)

    @property
    def names(self) -> Names:
        return Names(self.namespace)
