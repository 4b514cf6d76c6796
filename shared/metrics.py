"""Metrics every stage shares, defined once so their names and labels cannot drift apart."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


def dead_letters_counter(registry: CollectorRegistry) -> Counter:
    """``newswire_dead_letters_total{stage, reason}``: inputs sent to the dead-letter topic."""
    return Counter(
        "newswire_dead_letters",
        "Inputs sent to the dead-letter topic.",
        ["stage", "reason"],
        registry=registry,
    )
