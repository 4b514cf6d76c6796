"""Dedup metrics, in a registry of their own, served by faust's web server on /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from shared.metrics import dead_letters_counter


class DedupMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.verdicts = Counter(
            "newswire_dedup_articles",
            "Incoming articles by verdict: new, changed (published again, next version), "
            "duplicate (not published) or redelivered (decided before a restart, skipped).",
            ["verdict"],
            registry=self.registry,
        )
        self.dead_letters = dead_letters_counter(self.registry)
        self.batch_seconds = Histogram(
            "newswire_dedup_batch_seconds",
            "Time from a batch taken to its outputs acknowledged.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
