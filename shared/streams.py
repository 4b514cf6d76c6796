"""faust apps the newswire way: built from ``KafkaSettings``, run under ``shared.lifecycle``.

Every faust stage (enrich, dedup) needs the same broker settings (acks=all, compression, the
producers' request size, earliest offsets, replication of its internal topics) and the same
way to run: mode's Worker on the asyncio loop, with SIGTERM/SIGINT routed to the lifecycle so
there is one signal path, and a stop requested by the stage itself (outputs unwritable) ending
the worker with the lifecycle's exit code instead of ``os._exit`` (``run_worker``).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from shared.errors import NewswireError, UnavailableError
from shared.lifecycle import Lifecycle
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)


def faust_app(
    app_id: str,
    kafka: KafkaSettings,
    *,
    host: str,
    port: int,
    data_dir: Path,
    replication_factor: int,
    session_timeout_s: float = 10.0,
    **extra: Any,
) -> Any:
    """A faust App for one stage; ``data_dir`` must be this worker's own (one per port);
    ``replication_factor`` of faust's own topics (``shared.kafka.resolved_replication``)."""
    import faust

    return faust.App(
        app_id,
        broker=[f"kafka://{server}" for server in kafka.servers],
        datadir=str(data_dir),
        web_host=host,
        web_bind=host,
        web_port=port,
        topic_partitions=kafka.partitions,
        topic_replication_factor=replication_factor,
        producer_acks=-1,
        producer_compression_type=(
            None if kafka.compression_type == "none" else kafka.compression_type
        ),
        producer_max_request_size=kafka.max_request_bytes,
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        broker_session_timeout=session_timeout_s,
        broker_heartbeat_interval=max(1.0, session_timeout_s / 5),
        **extra,
    )


class WorkerCrashedError(NewswireError):
    """A stage's faust worker stopped on an error of its own (logged with its traceback)."""


def _stage_worker_class() -> type[Any]:
    import faust
    from mode.utils.futures import maybe_cancel

    class StageWorker(faust.Worker):
        """faust's Worker without signal handlers or a terminal spinner; logging is the entry
        point's (``shared.logging``), not mode's."""

        def __init__(self, app: Any) -> None:
            super().__init__(app, redirect_stdouts=False, override_logging=False)
            self.spinner = None  # the "Ready" log line says when the worker has started

        def install_signal_handlers(self) -> None:
            """None: the lifecycle handles SIGTERM/SIGINT and calls ``request_stop``."""

        def request_stop(self) -> None:
            """Stop soon. Safe from a signal handler or another thread; a no-op once the
            worker's event loop is closed."""
            loop = self.loop
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._stop_soon)

        def _stop_soon(self) -> None:
            # mode's ``stop_and_shutdown`` waits for ``_signal_stop_future`` before closing.
            if self._signal_stop_future is None:
                self._signal_stop_future = asyncio.ensure_future(self._stop())

        async def _stop(self) -> None:
            await self.stop()
            maybe_cancel(self._starting_fut)  # still joining the group: the start ends too

    return StageWorker


def run_worker(life: Lifecycle, app: Any) -> None:
    """Run ``app``'s worker until the lifecycle stops it; a worker crash raises.

    One signal path: mode's Worker would install loop signal handlers of its own, taking the
    signals away from the lifecycle; the worker here installs none, and its stop is a lifecycle
    ``on_stop`` callback, so a signal and the stage giving up (``life.fail``) stop it the way
    mode stops it on SIGTERM: agents stopped, acked offsets committed, consumer and producer
    closed, a start still under way cancelled, then the event loop shut down.
    """
    if life.stop.is_set():  # asked to stop while the stage was loading
        return
    worker = _stage_worker_class()(app)
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
    from aiokafka.errors import KafkaError

    if isinstance(crash, KafkaError | ConnectionError):
        return UnavailableError(f"Kafka: {crash!r}")
    return WorkerCrashedError(f"the faust worker crashed: {crash!r}")
