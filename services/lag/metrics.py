"""Prometheus metrics of the lag exporter, in a registry of its own.

Lag figures are rebuilt from the latest report at every scrape (a partition or group that went
away leaves no stale series); they are dropped when that report is older than three refresh
intervals plus ten seconds (a refresh may wait on timeouts), so an exporter that cannot refresh
shows gaps rather than old numbers. A figure that is unknown
(null in the report) has no sample.

Per partition (labels ``group``, ``topic``, ``partition``): ``newswire_lag_messages``,
``newswire_lag_seconds``, ``newswire_lag_status``, ``newswire_lag_committed_offset``; per topic
partition: ``newswire_lag_log_end_offset``; per group: ``newswire_lag_group_messages`` (sum),
``newswire_lag_group_seconds`` (max), ``newswire_lag_group_status``. Status numbers:
0 OK, 1 WARN, 2 STOP, 3 STALL, 4 REWIND (2 and above are errors).

The exporter's own health: ``newswire_lag_refresh_duration_seconds`` (histogram),
``newswire_lag_refresh_errors_total``, ``newswire_lag_last_refresh_success_timestamp_seconds``,
``newswire_lag_refresh_ok`` (1 when the last refresh succeeded).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.lag.models import LagReport

_PARTITION = ["group", "topic", "partition"]
STALE_AFTER_INTERVALS = 3
STALE_GRACE_S = 10.0


class _ReportCollector(Collector):
    def __init__(self, stale_after_s: float) -> None:
        self._stale_after_s = stale_after_s
        self._lock = threading.Lock()
        self._report: LagReport | None = None

    def update(self, report: LagReport) -> None:
        with self._lock:
            self._report = report

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            report = self._report
        families = {
            "messages": GaugeMetricFamily(
                "newswire_lag_messages",
                "Messages not yet consumed by the group.",
                labels=_PARTITION,
            ),
            "seconds": GaugeMetricFamily(
                "newswire_lag_seconds",
                "Age of the oldest message not yet consumed (exact or interpolated).",
                labels=_PARTITION,
            ),
            "status": GaugeMetricFamily(
                "newswire_lag_status",
                "Partition status: 0 OK, 1 WARN, 2 STOP, 3 STALL, 4 REWIND.",
                labels=_PARTITION,
            ),
            "committed": GaugeMetricFamily(
                "newswire_lag_committed_offset", "Committed offset.", labels=_PARTITION
            ),
            "log_end": GaugeMetricFamily(
                "newswire_lag_log_end_offset",
                "Log-end offset (high watermark).",
                labels=["topic", "partition"],
            ),
            "group_messages": GaugeMetricFamily(
                "newswire_lag_group_messages", "Sum of the group's lag.", labels=["group"]
            ),
            "group_seconds": GaugeMetricFamily(
                "newswire_lag_group_seconds",
                "Largest lag in seconds of the group.",
                labels=["group"],
            ),
            "group_status": GaugeMetricFamily(
                "newswire_lag_group_status",
                "Worst partition status: 0 OK, 1 WARN, 2 STOP, 3 STALL, 4 REWIND.",
                labels=["group"],
            ),
        }
        if report is not None and time.time() - report.at.timestamp() <= self._stale_after_s:
            log_ends: dict[tuple[str, str], int] = {}
            for group in report.groups:
                families["group_messages"].add_metric([group.group], group.total_lag)
                families["group_status"].add_metric([group.group], group.status.code)
                if group.max_lag_seconds is not None:
                    families["group_seconds"].add_metric([group.group], group.max_lag_seconds)
                for p in group.partitions:
                    labels = [group.group, p.topic, str(p.partition)]
                    families["status"].add_metric(labels, p.status.code)
                    if p.lag is not None:
                        families["messages"].add_metric(labels, p.lag)
                    if p.lag_seconds is not None:
                        families["seconds"].add_metric(labels, p.lag_seconds)
                    if p.committed_offset is not None:
                        families["committed"].add_metric(labels, p.committed_offset)
                    if p.log_end_offset is not None:
                        log_ends[(p.topic, str(p.partition))] = p.log_end_offset
            for (topic, partition), end in sorted(log_ends.items()):
                families["log_end"].add_metric([topic, partition], end)
        yield from families.values()


class LagMetrics:
    def __init__(
        self, refresh_interval_s: float, registry: CollectorRegistry | None = None
    ) -> None:
        self.registry = registry or CollectorRegistry()
        stale_after_s = STALE_AFTER_INTERVALS * refresh_interval_s + STALE_GRACE_S
        self._report = _ReportCollector(stale_after_s)
        self.registry.register(self._report)
        self.refresh_seconds = Histogram(
            "newswire_lag_refresh_duration_seconds",
            "Duration of one refresh (all groups).",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.refresh_errors = Counter(
            "newswire_lag_refresh_errors", "Refreshes that failed.", registry=self.registry
        )
        self.last_success = Gauge(
            "newswire_lag_last_refresh_success_timestamp_seconds",
            "When the last successful refresh finished (unix time).",
            registry=self.registry,
        )
        self.refresh_ok = Gauge(
            "newswire_lag_refresh_ok",
            "1 when the last refresh succeeded, 0 when it failed.",
            registry=self.registry,
        )

    def succeeded(self, report: LagReport, duration_s: float) -> None:
        self._report.update(report)
        self.refresh_seconds.observe(duration_s)
        self.last_success.set_to_current_time()
        self.refresh_ok.set(1)

    def failed(self, duration_s: float) -> None:
        self.refresh_seconds.observe(duration_s)
        self.refresh_errors.inc()
        self.refresh_ok.set(0)
