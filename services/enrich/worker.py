"""The enrich stage's faust worker, run under ``shared.lifecycle.Lifecycle``.

One signal path: the lifecycle owns SIGTERM and SIGINT. mode's Worker would install handlers of
its own on the event loop, taking the signals away from the lifecycle; ``StageWorker`` installs
none (nor mode's SIGUSR1 traceback dump and SIGUSR2 debugger). ``run_worker`` registers the
worker's stop as a lifecycle ``on_stop`` callback instead, so a signal and the stage giving up
(``life.fail``) stop the worker the same way mode stops it on SIGTERM: ``Worker.stop`` (agents
stopped, acked offsets committed, consumer and producer closed), a start still under way
cancelled, then the event loop shut down. The lifecycle then closes the rest and decides the
exit code.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust
from aiokafka.errors import KafkaError
from mode.utils.futures import maybe_cancel

from services.enrich.errors import WorkerCrashedError
from shared.errors import NewswireError, UnavailableError
from shared.lifecycle import Lifecycle

log = logging.getLogger(__name__)


class StageWorker(faust.Worker):
    """faust's Worker without signal handlers or a terminal spinner; logging is the entry
    point's (``shared.logging``), not mode's."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, redirect_stdouts=False, override_logging=False)
        self.spinner = None  # the "Ready" log line says when the worker has started

    def install_signal_handlers(self) -> None:
        """None: the lifecycle handles SIGTERM/SIGINT and calls ``request_stop``."""

    def request_stop(self) -> None:
        """Stop soon. Safe from a signal handler or another thread; a no-op once the worker's
        event loop is closed."""
        loop = self.loop
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._stop_soon)

    def _stop_soon(self) -> None:
        # mode's ``stop_and_shutdown`` waits for ``_signal_stop_future`` before closing the loop.
        if self._signal_stop_future is None:
            self._signal_stop_future = asyncio.ensure_future(self._stop())

    async def _stop(self) -> None:
        await self.stop()
        maybe_cancel(self._starting_fut)  # still joining the group: the start ends too


def run_worker(life: Lifecycle, app: Any) -> None:
    """Run ``app``'s worker until the lifecycle stops it; a worker crash raises."""
    if life.stop.is_set():  # asked to stop while the models were loading
        return
    worker = StageWorker(app)
    life.on_stop(worker.request_stop)
    code: object = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:  # how mode's worker always ends
        code = exc.code
    crash = worker.crash_reason
    if crash is not None:
        raise crash_error(crash) from crash
    if code:
        raise WorkerCrashedError(f"the faust worker exited with code {code}")


def crash_error(crash: BaseException) -> NewswireError:
    """The error a worker crash ends the command with: Kafka's errors are UNAVAILABLE."""
    if isinstance(crash, KafkaError | ConnectionError):
        return UnavailableError(f"Kafka: {crash!r}")
    return WorkerCrashedError(f"the faust worker crashed: {crash!r}")
