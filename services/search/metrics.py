"""Search metrics, in a registry of their own (one per app instance, so tests can build several
apps in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class SearchMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "newswire_search_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "newswire_search_request_seconds",
            "HTTP request duration, from the first byte in to the last byte out.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.es_took_seconds = Histogram(
            "newswire_search_es_took_seconds",
            "Time Elasticsearch reports spending on each search (its `took`).",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
