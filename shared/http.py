"""HTTP server protections every newswire API shares (used by ``lifecycle.serve_asgi``).

uvicorn only times out idle keep-alive connections: a client that connects and never sends a
request, or sends its headers or body a byte at a time ("slowloris"), holds a connection and a
file descriptor forever. ``DeadlineProtocol`` closes a connection whose request headers have not
arrived within ``header_timeout_s`` of the connection (or of the previous response), or whose
whole request has not arrived within ``request_timeout_s``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_READ_TIMEOUT_S = 10.0
REQUEST_READ_TIMEOUT_S = 60.0


class DeadlineProtocol(HttpToolsProtocol):
    header_timeout_s = HEADER_READ_TIMEOUT_S
    request_timeout_s = REQUEST_READ_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None
    _request_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm_headers()
        self._disarm_request()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._expire)
        self._request_timer = self.loop.call_later(self.request_timeout_s, self._expire)

    def _disarm_headers(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _disarm_request(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _expire(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_headers()
        self._disarm_request()
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        self._disarm_headers()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm_request()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets the same deadlines


def deadline_protocol(header_timeout_s: float, request_timeout_s: float) -> type[DeadlineProtocol]:
    """``DeadlineProtocol`` with these deadlines."""
    return type(
        "DeadlineProtocol",
        (DeadlineProtocol,),
        {"header_timeout_s": header_timeout_s, "request_timeout_s": request_timeout_s},
    )
