"""A local HTTP server for fetch tests: replies scripted per path, every request recorded.

``ScriptedServer`` listens on 127.0.0.1 on a free port and serves each path from a list of
``Reply`` (one per request, the last one repeating). It records each request's path, headers
and arrival time (``time.monotonic``) and the highest number of requests in flight at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up early on purpose (size limit, timeout): not a server error


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay_s: float = 0.0  # before the status line
    # When set, the body goes out in these chunks (Transfer-Encoding: chunked, no length).
    chunks: Sequence[bytes] | None = None
    chunk_delay_s: float = 0.0  # before each chunk: a server that drips its answer


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]  # lower-case names
    arrived: float  # time.monotonic()


class ScriptedServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Reply]] = {}
        self._requests: list[Recorded] = []
        self._in_flight = 0
        self.max_in_flight = 0
        self._httpd = _Server((host, 0), self._handler_class())
        # A short poll interval keeps shutdown (once per test) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def script(self, path: str, *replies: Reply) -> None:
        """Serve ``path`` with these replies, one per request; the last one repeats."""
        with self._lock:
            self._scripts[path] = list(replies)

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            replies = self._scripts.get(path)
            if not replies:
                return Reply(404, body=b"not scripted")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _enter(self, recorded: Recorded) -> None:
        with self._lock:
            self._requests.append(recorded)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive and chunked replies

            def do_GET(self) -> None:
                arrived = time.monotonic()
                headers = {k.lower(): v for k, v in self.headers.items()}
                server._enter(Recorded(self.path, headers, arrived))
                try:
                    self._reply(server._next_reply(self.path))
                finally:
                    server._leave()

            def _reply(self, reply: Reply) -> None:
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                self.send_response(reply.status)
                names = {k.lower() for k in reply.headers}
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.chunks is not None:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for chunk in reply.chunks:
                        time.sleep(reply.chunk_delay_s)
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                    return
                if "content-length" not in names:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.status != 304:
                    self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler
