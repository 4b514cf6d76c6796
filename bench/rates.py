"""Reporting the rates of a subject and its baseline measured in rounds, as every throughput
bench prints them: the medians with their spread, then the summary line, last."""

from __future__ import annotations

import statistics


def medians(subject_rates: list[float], baseline_rates: list[float]) -> tuple[float, float]:
    """Print both medians with their spread; return them."""
    subject, baseline = statistics.median(subject_rates), statistics.median(baseline_rates)
    print(
        f"subject median {subject:,.0f}/s (spread {min(subject_rates):,.0f}-"
        f"{max(subject_rates):,.0f}); baseline median {baseline:,.0f}/s (spread "
        f"{min(baseline_rates):,.0f}-{max(baseline_rates):,.0f})"
    )
    return subject, baseline


def summary(subject: float, baseline: float) -> None:
    """The line benchmarks end with: ``subject X/s, baseline Y/s, ratio R``."""
    print(f"subject {subject:.0f}/s, baseline {baseline:.0f}/s, ratio {subject / baseline:.2f}")
