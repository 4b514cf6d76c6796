"""One way to run a long-running service: start, serve, stop on a signal, close.

A service's entry point builds its settings, then::

    with Lifecycle("indexer", shutdown_timeout_s=settings.shutdown_timeout_s) as life:
        consumer = life.resource(make_consumer(...), lambda c: c.close(autocommit=False))
        indexer = Indexer(...)
        life.on_stop(indexer.stop_event.set)
        indexer.run()
    raise typer.Exit(life.exit_code)

- Resources are closed when the block ends, newest first, each within the shutdown timeout
  where its closer takes one; a failing closer is logged and the others still run.
- SIGTERM and SIGINT ask the service to stop: ``stop`` is set and the ``on_stop`` callbacks run
  (they must be quick: set a flag, wake a loop). The service finishes its in-flight work, flushes
  and commits, then leaves the block. A second signal is not caught: the previous handlers are
  back, so a second Ctrl-C interrupts at once.
- An exception that leaves the block is logged once and becomes ``exit_code`` (``shared.errors``
  maps exceptions to codes); it is not re-raised, so the entry point ends with that code.

ASGI apps run under the same lifecycle with ``serve_asgi`` (uvicorn without its own signal
handlers: the lifecycle's stop ends it, after in-flight requests, within the timeout).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, Self, TypeVar

from shared.errors import ExitCode, NewswireError, exit_code_for

log = logging.getLogger(__name__)

T = TypeVar("T")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Lifecycle:
    def __init__(self, name: str, *, shutdown_timeout_s: float, handle_signals: bool = True):
        self.name = name
        self.shutdown_timeout_s = shutdown_timeout_s
        self.stop = threading.Event()
        self.exit_code = ExitCode.OK
        self._handle_signals = handle_signals
        self._closers: list[tuple[str, Callable[[], object]]] = []
        self._stop_callbacks: list[Callable[[], object]] = []
        self._previous: dict[int, Any] = {}
        self._lock = threading.Lock()

    # -- resources ------------------------------------------------------------------------
    def resource(self, obj: T, close: Callable[[T], object], name: str | None = None) -> T:
        """Register ``obj`` to be closed (``close(obj)``) when the service ends; return it."""
        self._closers.append((name or type(obj).__name__, lambda: close(obj)))
        return obj

    def on_close(self, callback: Callable[[], object], name: str) -> None:
        """Run ``callback`` when the service ends (in reverse order of registration)."""
        self._closers.append((name, callback))

    # -- stopping -------------------------------------------------------------------------
    def on_stop(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` when a stop is requested (quick, thread-safe: set a flag)."""
        self._stop_callbacks.append(callback)
        if self.stop.is_set():
            callback()

    def request_stop(self, why: str = "requested") -> None:
        """Ask the service to stop (what a signal does); safe from any thread, idempotent."""
        with self._lock:
            if self.stop.is_set():
                return
            self.stop.set()
        log.info("stopping service=%s why=%s", self.name, why)
        for callback in self._stop_callbacks:
            try:
                callback()
            except Exception:  # one bad callback must not keep the others from stopping
                log.exception("stop callback failed service=%s", self.name)

    def fail(self, code: ExitCode, why: str) -> None:
        """Stop with a non-zero exit code (a worker found it cannot go on)."""
        self.exit_code = code
        self.request_stop(why)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._restore_signals()  # a second signal interrupts at once
        self.request_stop(f"signal {signal.Signals(signum).name}")

    def _install_signals(self) -> None:
        if not self._handle_signals or threading.current_thread() is not threading.main_thread():
            return
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._on_signal)

    def _restore_signals(self) -> None:
        previous, self._previous = self._previous, {}
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    # -- the block ------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self._install_signals()
        log.info("started service=%s", self.name)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> bool:
        if exc is not None:
            self.exit_code = exit_code_for(exc)
            if isinstance(exc, NewswireError):
                log.error("service=%s stopped: %s", self.name, exc)
            elif not isinstance(exc, KeyboardInterrupt):
                log.error("service=%s failed", self.name, exc_info=exc)
        self.request_stop("ending")
        self.close()
        self._restore_signals()
        log.info("stopped service=%s exit_code=%d", self.name, self.exit_code)
        # Swallow what was logged and mapped to an exit code; let SystemExit through.
        return exc is None or not isinstance(exc, SystemExit)

    def close(self) -> None:
        """Close every resource, newest first; each failure is logged, none stops the others."""
        closers, self._closers = self._closers, []
        for name, close in reversed(closers):
            try:
                close()
            except Exception:
                log.exception("closing failed service=%s resource=%s", self.name, name)


def serve_asgi(life: Lifecycle, app: Any, *, host: str, port: int, **config: Any) -> None:
    """Serve ``app`` with uvicorn until ``life`` is asked to stop.

    uvicorn's own signal handling is off: the lifecycle's handlers decide, and on a stop the
    server finishes in-flight requests within ``shutdown_timeout_s``. Requests must be read
    within ``header_timeout_s`` / ``request_timeout_s`` (``shared.http``). Extra
    ``config`` goes to ``uvicorn.Config`` (limits, access log...).
    """
    import uvicorn

    from shared.http import HEADER_READ_TIMEOUT_S, REQUEST_READ_TIMEOUT_S, deadline_protocol

    header_timeout_s = float(config.pop("header_timeout_s", HEADER_READ_TIMEOUT_S))
    request_timeout_s = float(config.pop("request_timeout_s", REQUEST_READ_TIMEOUT_S))
    config.setdefault("http", deadline_protocol(header_timeout_s, request_timeout_s))

    class _Server(uvicorn.Server):
        def install_signal_handlers(self) -> None:  # older uvicorn
            return

        def capture_signals(self) -> Any:  # newer uvicorn
            import contextlib

            return contextlib.nullcontext()

    server = _Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            timeout_graceful_shutdown=max(1, int(life.shutdown_timeout_s)),
            log_config=None,
            **config,
        )
    )

    def _stop() -> None:
        server.should_exit = True

    life.on_stop(_stop)
    try:
        server.run()
    except SystemExit as exc:  # uvicorn exits this way when it cannot bind (it logs why)
        raise NewswireError(f"the HTTP server could not start on {host}:{port}") from exc
    if not server.started and not life.stop.is_set():
        raise NewswireError(f"the HTTP server could not start on {host}:{port}")
