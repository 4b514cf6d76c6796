"""faust apps the newswire way: built from ``KafkaSettings``, run under ``shared.lifecycle``.

Every faust stage (enrich, dedup) needs the same broker settings (acks=all, compression, the
producers' request size, earliest offsets, replication of its internal topics) and the same
way to run: mode's Worker on the asyncio loop, with SIGTERM/SIGINT routed to the lifecycle so
there is one signal path, and a stop requested by the stage itself (outputs unwritable) ending
the worker with the lifecycle's exit code instead of ``os._exit``.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from typing import Any

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


def run_worker(life: Lifecycle, app: Any, *, loglevel: str = "info") -> None:
    """Run ``app``'s worker until ``life`` is asked to stop (signal, or the stage failing)."""
    import faust

    class _Worker(faust.Worker):
        def install_signal_handlers(self) -> None:
            # One signal path: the lifecycle's. mode's own handlers would stop the loop
            # without the lifecycle knowing why.
            for sig in (signal.SIGTERM, signal.SIGINT):
                self.loop.add_signal_handler(sig, life.request_stop, f"signal {sig.name}")

    worker = _Worker(app, loglevel=loglevel, redirect_stdouts=False)

    def _stop() -> None:
        # Thread-safe: a stop may be requested from a signal handler or from another thread.
        worker.loop.call_soon_threadsafe(worker._schedule_shutdown, signal.SIGTERM)

    life.on_stop(_stop)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        if exc.code not in (0, None):
            log.error("faust worker exited code=%s", exc.code)
            if life.exit_code == 0:
                life.exit_code = life.exit_code.__class__.FAILED
