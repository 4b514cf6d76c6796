"""Ingest's Prometheus metrics, in a registry of their own (one per app instance, so tests can
build several apps in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from shared.metrics import dead_letters_counter


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.published = Counter(
            "newswire_ingest_published",
            "Articles accepted: published to the incoming topic and acknowledged by Kafka "
            "(new, changed or duplicate: newswire_dedup_articles_total tells).",
            ["source_kind"],
            registry=self.registry,
        )
        self.dead_letters = dead_letters_counter(self.registry)
        self.fetch_errors = Counter(
            "newswire_ingest_fetch_errors",
            "Failed feed or page fetches, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.fetches = Counter(
            "newswire_ingest_fetches",
            "Feed fetches by HTTP outcome (200, 304...).",
            ["status"],
            registry=self.registry,
        )
        self.feeds_disabled = Counter(
            "newswire_ingest_feeds_disabled",
            "Feeds disabled after too many consecutive failures.",
            registry=self.registry,
        )
        self.fetch_seconds = Histogram(
            "newswire_ingest_fetch_seconds",
            "Duration of feed fetches.",
            registry=self.registry,
        )
