"""Enrich metrics, in a registry of their own, served by faust's web server on /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from shared.metrics import dead_letters_counter


class EnrichMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.enriched = Counter(
            "newswire_enrich_enriched",
            "Articles enriched and published, by detected language.",
            ["language"],
            registry=self.registry,
        )
        self.dead_letters = dead_letters_counter(self.registry)
        self.truncated = Counter(
            "newswire_enrich_truncated",
            "Articles whose text was cut for entity extraction.",
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "newswire_enrich_batch_seconds",
            "Time to enrich one batch (language + entities).",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
