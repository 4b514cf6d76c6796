"""Read deadlines of every newswire HTTP server, against a real uvicorn on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from shared.lifecycle import Lifecycle, serve_asgi


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    port = _free_port()
    life = Lifecycle("http-test", shutdown_timeout_s=2, handle_signals=False)

    def run() -> None:
        with life:
            serve_asgi(
                life, _app, host="127.0.0.1", port=port, header_timeout_s=0.5, request_timeout_s=1.5
            )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    life.request_stop("test done")
    thread.join(timeout=10)
    assert not thread.is_alive()


def _closed_after(sock: socket.socket, limit_s: float) -> float:
    """Seconds until the server closes ``sock`` (reads until EOF)."""
    started = time.monotonic()
    sock.settimeout(limit_s)
    while sock.recv(1024):
        pass
    return time.monotonic() - started


def test_a_connection_that_sends_nothing_is_closed(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        assert 0.3 < _closed_after(sock, 5) < 2


def _drip(sock: socket.socket, data: bytes, gap_s: float) -> bool:
    """Send ``data`` a byte at a time; False as soon as the server has closed the connection."""
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            return False
        time.sleep(gap_s)
    return True


def test_headers_sent_a_byte_at_a_time_are_cut_off(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        started = time.monotonic()
        # 60 bytes at 50 ms: 3 s of headers, far past the 0.5 s header deadline.
        _drip(sock, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 30, 0.05)
        assert _closed_after(sock, 5) + (time.monotonic() - started) < 4.5
        assert time.monotonic() - started < 4.5


def test_a_body_sent_slowly_is_cut_off_at_the_request_deadline(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        started = time.monotonic()
        try:
            for _ in range(100):
                sock.sendall(b"x")
                time.sleep(0.05)
        except OSError:
            pass
        elapsed = _closed_after(sock, 5) + (time.monotonic() - started)
        assert elapsed < 5


def test_normal_requests_and_keep_alive_are_served(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        for _ in range(2):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.settimeout(2)
            answer = b""
            while not answer.endswith(b"ok"):
                answer += sock.recv(1024)
            assert answer.startswith(b"HTTP/1.1 200")
