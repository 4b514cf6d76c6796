"""Elasticsearch client factory, configured from ``ElasticsearchSettings``."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from shared.settings import ElasticsearchSettings


def _options(settings: ElasticsearchSettings, overrides: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "request_timeout": settings.request_timeout_s,
        # orjson for JSON bodies and answers: a search answer decodes in a fraction of the time.
        "serializer": OrjsonSerializer(),
    }
    if settings.ca_certs is not None:
        options["ca_certs"] = str(settings.ca_certs)
    if not settings.verify_certs:
        options["verify_certs"] = False
    if len(settings.hosts) > 1:
        # Requests are spread over the nodes; a dead node is retried elsewhere.
        options["retry_on_timeout"] = True
    if settings.api_key is not None:
        options["api_key"] = settings.api_key.get_secret_value()
    elif settings.username is not None:
        password = settings.password.get_secret_value() if settings.password else ""
        options["basic_auth"] = (settings.username, password)
    options.update(overrides)
    return options


def make_client(settings: ElasticsearchSettings, **overrides: Any) -> Elasticsearch:
    return Elasticsearch(settings.hosts, **_options(settings, overrides))


def make_async_client(settings: ElasticsearchSettings, **overrides: Any) -> AsyncElasticsearch:
    """The same client for asyncio code (aiohttp underneath): no thread per request."""
    return AsyncElasticsearch(settings.hosts, **_options(settings, overrides))
