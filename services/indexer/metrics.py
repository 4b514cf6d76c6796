"""Indexer metrics, in a registry of their own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from shared.metrics import dead_letters_counter


class IndexerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.indexed = Counter(
            "newswire_indexer_indexed", "Documents written.", registry=self.registry
        )
        self.unchanged = Counter(
            "newswire_indexer_unchanged",
            "Deliveries whose version was not newer than the indexed one (replays): no-ops.",
            registry=self.registry,
        )
        self.retried = Counter(
            "newswire_indexer_retried",
            "Documents sent again after a retryable failure (connection, 429, 5xx).",
            registry=self.registry,
        )
        self.dead_letters = dead_letters_counter(self.registry)
        self.bulk_seconds = Histogram(
            "newswire_indexer_bulk_seconds",
            "Duration of one bulk request.",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.paused = Counter(
            "newswire_indexer_backpressure_pauses",
            "Times consumption was paused because Elasticsearch kept failing.",
            registry=self.registry,
        )
