"""The exporter's metrics from a report, without Kafka: what is served, what is left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.lag.metrics import LagMetrics
from services.lag.models import GroupLag, LagReport, PartitionLag
from services.lag.rules import Status


def report(age_s: float = 0.0) -> LagReport:
    partitions = [
        PartitionLag(
            topic="t",
            partition=0,
            committed_offset=4,
            log_end_offset=9,
            lag=5,
            lag_seconds=12.5,
            lag_seconds_source="exact",
            status=Status.STALL,
        ),
        PartitionLag(topic="t", partition=1, log_end_offset=3, status_reason="no committed offset"),
        PartitionLag(
            topic="t", partition=2, committed_offset=1, log_end_offset=2, lag=1, status=Status.WARN
        ),
    ]
    group = GroupLag(
        group="g",
        state="Stable",
        status=Status.STALL,
        status_reason="t[0]: stalled",
        total_lag=6,
        max_lag_seconds=12.5,
        partitions=partitions,
    )
    at = datetime.now(UTC) - timedelta(seconds=age_s)
    return LagReport(at=at, refresh_seconds=0.02, groups=[group])


def samples(metrics: LagMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in metrics.registry.collect()
        for s in family.samples
    }


def test_partition_and_group_samples() -> None:
    metrics = LagMetrics(refresh_interval_s=5.0)
    metrics.succeeded(report(), 0.02)
    got = samples(metrics)
    p0 = (("group", "g"), ("partition", "0"), ("topic", "t"))
    p1 = (("group", "g"), ("partition", "1"), ("topic", "t"))
    p2 = (("group", "g"), ("partition", "2"), ("topic", "t"))
    assert got[("newswire_lag_messages", p0)] == 5
    assert got[("newswire_lag_seconds", p0)] == 12.5
    assert got[("newswire_lag_status", p0)] == 3  # STALL
    assert got[("newswire_lag_status", p2)] == 1  # WARN
    assert got[("newswire_lag_committed_offset", p0)] == 4
    assert got[("newswire_lag_log_end_offset", (("partition", "1"), ("topic", "t")))] == 3
    assert got[("newswire_lag_group_messages", (("group", "g"),))] == 6
    assert got[("newswire_lag_group_seconds", (("group", "g"),))] == 12.5
    assert got[("newswire_lag_group_status", (("group", "g"),))] == 3
    # Unknown figures have no sample rather than NaN.
    assert ("newswire_lag_messages", p1) not in got
    assert ("newswire_lag_seconds", p1) not in got
    assert ("newswire_lag_seconds", p2) not in got
    assert ("newswire_lag_committed_offset", p1) not in got
    assert got[("newswire_lag_status", p1)] == 0
    assert got[("newswire_lag_refresh_ok", ())] == 1


def test_an_old_report_is_not_served() -> None:
    metrics = LagMetrics(refresh_interval_s=1.0)
    metrics.succeeded(report(age_s=60.0), 0.02)
    names = {name for name, _ in samples(metrics)}
    assert not {n for n in names if n.startswith("newswire_lag_") and "refresh" not in n}


def test_failures_count_and_flip_the_ok_gauge() -> None:
    metrics = LagMetrics(refresh_interval_s=5.0)
    metrics.succeeded(report(), 0.02)
    metrics.failed(1.5)
    got = samples(metrics)
    assert got[("newswire_lag_refresh_errors_total", ())] == 1
    assert got[("newswire_lag_refresh_ok", ())] == 0
    assert got[("newswire_lag_refresh_duration_seconds_count", ())] == 2
    assert got[("newswire_lag_messages", (("group", "g"), ("partition", "0"), ("topic", "t")))] == 5
