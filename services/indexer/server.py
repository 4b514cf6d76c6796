"""The indexer's HTTP surface: ``/metrics`` (Prometheus) and ``/healthz`` (liveness).

The indexer loop is synchronous, so a small threaded WSGI server from the standard library
serves both, on a thread of its own: a scrape or a probe never waits for a bulk request.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

log = logging.getLogger(__name__)

Health = Callable[[], tuple[bool, dict[str, Any]]]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scraper does not hold the process at exit


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *_args: Any) -> None:
        return  # a line per scrape is noise


class HttpSurface:
    """``/metrics`` from ``registry``, ``/healthz`` from ``health`` (200 when it says so,
    else 503, with its details as JSON); any other path is 404."""

    def __init__(self, registry: CollectorRegistry, health: Health) -> None:
        self.metrics_app = make_wsgi_app(registry)
        self.health = health
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            body: Iterable[bytes] = self.metrics_app(environ, start_response)
            return body
        if path == "/healthz":
            ok, details = self.health()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json")],
            )
            return [json.dumps(details).encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: /metrics, /healthz\n"]

    def start(self, host: str, port: int) -> int:
        """Bind ``host:port`` (an ``OSError`` if taken) and serve in a thread; return the port."""
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        server_class = type("_Server", (_ThreadingServer,), {"address_family": family})
        self._server = make_server(host, port, self, server_class, handler_class=_QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="http", kwargs={"poll_interval": 0.2}
        )
        self._thread.start()
        bound = int(self._server.server_address[1])
        log.info("serving /metrics and /healthz host=%s port=%d", host, bound)
        return bound

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
