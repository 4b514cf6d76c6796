"""Search settings (env prefix ``NEWSWIRE_SEARCH_``; Elasticsearch via ``NEWSWIRE_ES_*``).

Search reads no topic: the ``kafka`` settings it inherits from ``ServiceSettings`` are unused.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared import ports
from shared.settings import ElasticsearchSettings, ServiceSettings


class SearchSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_SEARCH_", extra="ignore", populate_by_name=True
    )

    renamed_env: ClassVar[dict[str, str]] = {
        "NEWSWIRE_SEARCH_API_HOST": "host",
        "NEWSWIRE_SEARCH_API_PORT": "port",
    }

    host: str = ports.DEFAULT_HOST
    port: int = Field(default=ports.SEARCH, ge=1, le=65535)
    facet_size: int = Field(default=10, ge=1, le=100, description="Buckets per terms facet.")
    related_size: int = Field(default=10, ge=1, le=50, description="Articles /related returns.")
    search_timeout_s: float = Field(
        default=10.0, gt=0, description="Elasticsearch-side time limit of one search."
    )
    # Requests are short: 10 s to finish them on SIGTERM is plenty.
    shutdown_timeout_s: float = Field(default=10.0, gt=0)
    # One log line per request costs about as much as the rest of the request's own work; the
    # /metrics counters and latency histogram cover traffic.
    access_log: bool = False

    es: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)
