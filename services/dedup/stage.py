"""The dedup stage as a faust app: incoming topic -> raw topic (+ dead letters).

For each batch of incoming records (``noack_take``), in order:

1. decide each record against the table (and against the records of the same batch decided
   before it: two versions of one id in a batch get consecutive versions); a record at or
   below the offset the table holds for its id was decided before a crash and is skipped
   (``decision``: the table may be ahead of the committed offsets);
2. send the new and changed ones to the raw topic, stamped with their version, and wait until
   Kafka acknowledged every one of them;
3. only then write the table (``id -> "<version> <hash> <offset>"``; faust writes it to the
   changelog, and flushes that before it commits offsets);
4. only then ack the batch's events (faust commits acked offsets).

A crash after 2 and before 3 re-sends the same versions when the batch is redelivered: the
indexer keeps one document per (id, version), so that is harmless. A crash after 3 and before
the commit redelivers records the table already holds: their offsets say so, and they are
skipped. A crash before 2 completes
sends nothing twice that matters for the same reason. If Kafka keeps refusing the raw sends,
the stage asks its lifecycle to stop with ``UNAVAILABLE`` and never acks the batch.

Why a faust table: Kafka's partition assignment gives each id exactly one owner among the
workers, the table moves with its partitions (recovered from its compacted changelog), and no
other store is needed. faust's exactly-once mode stays off on purpose (versioned sinks make
the index exactly-once in effect already).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from services.dedup.decision import (
    Decision,
    NotAnArticleError,
    Seen,
    Verdict,
    decide,
    read,
    stamped,
)
from services.dedup.metrics import DedupMetrics
from services.dedup.settings import DedupSettings
from shared.deadletter import DeadLetterSink, Reason
from shared.errors import ExitCode
from shared.streams import faust_app

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 8


class OutputsUnwritableError(RuntimeError):
    """Kafka kept refusing the stage's outputs: the batch must not be acked."""


class DedupStage:
    def __init__(
        self,
        settings: DedupSettings,
        metrics: DedupMetrics,
        *,
        on_fatal: Callable[[ExitCode, str], object] | None = None,
        replication: tuple[int, int] = (1, 1),
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.on_fatal = on_fatal
        names = settings.names
        partitions = settings.kafka.partitions
        settings.worker_dir.mkdir(parents=True, exist_ok=True)
        self.app = faust_app(
            names.dedup_group,
            settings.kafka,
            host=settings.host,
            port=settings.port,
            data_dir=settings.worker_dir,
            replication_factor=replication[0],
            session_timeout_s=settings.session_timeout_s,
            store="rocksdb://" if settings.store == "rocksdb" else "memory://",
        )
        raw = {"key_serializer": "raw", "value_serializer": "raw"}
        self.incoming = self.app.topic(names.incoming_topic, partitions=partitions, **raw)
        self.raw = self.app.topic(names.raw_topic, partitions=partitions, **raw)
        self.dead = self.app.topic(names.dead_letter_topic, **raw)
        self.table = self.app.Table(
            names.dedup_table,
            default=None,
            partitions=partitions,
            key_type=bytes,  # bytes: faust's "raw" codec for the store and the changelog
            value_type=bytes,
            options=self._rocksdb_options(partitions),
            # Compaction only, never time-based deletion: the table is the dedup memory
            # (faust-streaming #597, #651: recovery from a changelog with holes).
            extra_topic_configs={
                "cleanup.policy": "compact",
                "min.insync.replicas": str(replication[1]),
            },
        )
        self.dead_letters = DeadLetterSink(
            "ingest",  # the stage of the article's life it fails in: it never became raw
            names.dead_letter_topic,
            excerpt_bytes=settings.dead_letter_excerpt_bytes,
            counter=metrics.dead_letters,
        )
        self.app.agent(self.incoming, name=f"{names.dedup_group}.agent")(self.run)
        self._serve_metrics()

    def _rocksdb_options(self, partitions: int) -> dict[str, Any] | None:
        if self.settings.store != "rocksdb":
            return None
        # faust opens one RocksDB per partition, each with its own cache and write buffers:
        # the worker's budget is split between them so the total stays what the setting says.
        mib = 1024 * 1024
        return {
            "driver": "rocksdict",
            "block_cache_size": max(mib, self.settings.block_cache_mb * mib // partitions),
            "block_cache_compressed_size": 0,
            "write_buffer_size": max(mib, self.settings.write_buffer_mb * mib // partitions),
            "max_write_buffer_number": 2,
        }

    def _serve_metrics(self) -> None:
        from prometheus_client import generate_latest

        registry = self.metrics.registry

        # A plain function: faust's view wrapper passes (web, request), which a bound method
        # would not take.
        @self.app.page("/metrics")  # type: ignore[untyped-decorator]
        async def metrics_page(web: Any, _request: Any) -> Any:
            return web.bytes(generate_latest(registry), content_type="text/plain")

    # -- the agent ------------------------------------------------------------------------
    async def run(self, stream: Any) -> AsyncIterator[None]:
        async for events in stream.noack_take(
            self.settings.batch_size, within=self.settings.batch_within_s
        ):
            started = time.perf_counter()
            await self.process(stream, events)
            self.metrics.batch_seconds.observe(time.perf_counter() - started)
            yield None

    async def process(self, stream: Any, events: Sequence[Any]) -> None:
        """Decide, send, wait, remember, ack (see the module docstring)."""
        decided: dict[bytes, Seen] = {}  # this batch's decisions, before the table has them
        remember: list[tuple[Any, bytes, Seen]] = []
        outputs: list[Output] = []
        for event in events:
            message = event.message
            try:
                incoming = read(message.value)
            except NotAnArticleError as exc:
                outputs.append(self._dead_letter(message, str(exc)))
                continue
            key = incoming.article_id.encode()
            # faust's RocksDB store reads a key in the partition of the "current event" only:
            # it must be this record's (a batch spans partitions).
            with _current_event(stream, event):
                seen = decided.get(key) or Seen.decode(self.table.get(key))
            decision = decide(seen, incoming.content_hash, message.offset)
            self.metrics.verdicts.labels(decision.verdict.value).inc()
            if decision.verdict in (Verdict.DUPLICATE, Verdict.REDELIVERED):
                continue
            decided[key] = Seen(decision.version, incoming.content_hash, message.offset)
            remember.append((event, key, decided[key]))
            value = stamped(incoming, decision.version)
            outputs.append(Output(self.raw, key, value, list(message.headers or [])))
        try:
            await self._send_all(outputs)
        except OutputsUnwritableError as exc:
            # Nothing of this batch is remembered or acked: it is redelivered to whoever owns
            # its partitions next.
            if self.on_fatal is not None:
                self.on_fatal(ExitCode.UNAVAILABLE, str(exc))
            await asyncio.Event().wait()  # the worker's stop cancels this
        for event, key, seen in remember:
            # faust stores a table key in the partition of the "current event": it must be
            # the event the key came from, not whichever event a batch ended on.
            with _current_event(stream, event):
                self.table[key] = seen.encode()
        for event in events:
            await stream.ack(event)

    def _dead_letter(self, message: Any, error: str) -> Output:
        key, value, headers = self.dead_letters.record(
            Reason.INVALID_ARTICLE,
            error,
            message.value or b"",
            key=message.key,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
        )
        return Output(self.dead, key, value, headers)

    async def _send_all(self, outputs: list[Output]) -> None:
        """Send in order (one id's versions stay in order on its partition), wait for every
        acknowledgement at once; retry what failed with backoff, then give up."""
        delay = 0.5
        pending = outputs
        for attempt in range(1, SEND_ATTEMPTS + 1):
            futures = []
            for out in pending:
                futures.append(
                    await out.topic.send(
                        key=out.key, value=out.value, headers=out.headers, force=True
                    )
                )
            results = await asyncio.gather(*futures, return_exceptions=True)
            failed = [o for o, r in zip(pending, results, strict=True) if isinstance(r, Exception)]
            if not failed:
                return
            error = next(r for r in results if isinstance(r, Exception))
            log.warning("sends failed count=%d attempt=%d error=%r", len(failed), attempt, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
            pending = failed
        raise OutputsUnwritableError(
            f"Kafka refused {len(pending)} record(s) {SEND_ATTEMPTS} times"
        )


@contextmanager
def _current_event(stream: Any, event: Any) -> Iterator[None]:
    """``event`` as the stream's current event for a table read or write, then the previous
    one again. The stream's take buffer adds "the current event" of the record it was given
    once the batch in hand is done: left pointing at one of this batch's events, it would add
    that one again and never the new record (acked past, hence lost)."""
    previous = stream.current_event
    stream._set_current_event(event)
    try:
        yield
    finally:
        stream._set_current_event(previous)


@dataclass(frozen=True, slots=True)
class Output:
    topic: Any
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


__all__ = ["Decision", "DedupStage", "Output", "OutputsUnwritableError"]
