"""`newswire lag serve`: a Prometheus exporter that refreshes on an interval, not per scrape.

The refresh loop runs in the caller's thread and the HTTP server in its own; a scrape only reads
the latest report. ``run`` returns when ``stop`` is set (``lag serve`` runs it under
``shared.lifecycle.Lifecycle``, whose stop SIGTERM/SIGINT set): the refresh under way finishes,
then the server stops and the Kafka clients close (the lifecycle's resources, newest first).
"""

from __future__ import annotations

import logging
import threading
import time
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from services.lag.errors import ExporterBindError, LagError
from services.lag.metrics import LagMetrics
from services.lag.monitor import Monitor

log = logging.getLogger(__name__)


class Exporter:
    def __init__(self, monitor: Monitor, metrics: LagMetrics) -> None:
        self.monitor = monitor
        self.metrics = metrics
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        """Start serving /metrics; return the port (useful when the settings say 0)."""
        settings = self.monitor.settings
        try:
            self._server, self._thread = start_http_server(
                settings.port, settings.host, registry=self.metrics.registry
            )
        except OSError as exc:  # address in use, not ours, unknown host...
            raise ExporterBindError(
                f"cannot serve metrics on {settings.host}:{settings.port}: {exc}"
            ) from exc
        port = int(self._server.server_port)
        log.info("serving metrics host=%s port=%d", settings.host, port)
        return port

    def refresh_once(self) -> bool:
        started = time.perf_counter()
        try:
            report = self.monitor.refresh()
        except Exception as exc:  # the exporter outlives a failed refresh; the metric tells it
            self.metrics.failed(time.perf_counter() - started)
            log.warning("refresh failed error=%s", exc, exc_info=not isinstance(exc, LagError))
            return False
        self.metrics.succeeded(report, time.perf_counter() - started)
        log.debug("refreshed groups=%d seconds=%.3f", len(report.groups), report.refresh_seconds)
        return True

    def run(self, stop: threading.Event) -> None:
        interval = self.monitor.settings.refresh_interval_s
        while not stop.is_set():
            started = time.monotonic()
            self.refresh_once()
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
        log.info("stopping exporter")

    def stop_serving(self) -> None:
        """Stop the HTTP server (idempotent); the monitor stays open."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        """Stop serving and close the monitor's Kafka clients."""
        self.stop_serving()
        self.monitor.close()
