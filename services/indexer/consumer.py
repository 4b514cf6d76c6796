"""The indexer loop: poll a batch, write it, dead-letter what Elasticsearch rejects, commit.

Offsets are committed only after every record of the batch is either acknowledged by
Elasticsearch (indexed, or a no-op replay) or acknowledged by Kafka as a dead letter (the
``DeadLetterSink`` is flushed before each commit). While the node is down or overloaded the
batch is retried with jittered exponential backoff and the partitions are paused
(backpressure): the consumer keeps polling, so it stays in its group, but takes no new work. A
stop request during that wait leaves the batch uncommitted: it is redelivered on restart, and
external versioning makes that harmless.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from elasticsearch import Elasticsearch
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import CommitFailedError
from pydantic import ValidationError

from services.indexer import bulk
from services.indexer.document import to_document
from services.indexer.metrics import IndexerMetrics
from services.indexer.settings import IndexerSettings
from shared.deadletter import DeadLetterSink, Reason
from shared.models import EnrichedArticle

log = logging.getLogger(__name__)

STALLED_AFTER_S = 60.0  # /healthz: the loop polls every second or so, even while retrying


class Writer(Protocol):
    """What the loop needs of Elasticsearch (``bulk.BulkWriter``; a fake in unit tests)."""

    def write(self, actions: Sequence[bulk.Action]) -> tuple[list[bulk.WriteResult], float]: ...

    def remove_older_copies(self, written: Sequence[bulk.Action]) -> int: ...


@dataclass(slots=True)
class _Batch:
    records: list[Any]
    actions: list[bulk.Action] = field(default_factory=list)
    sources: list[Any] = field(default_factory=list)
    invalid: int = 0


@dataclass(slots=True)
class _Tally:
    indexed: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class _InFlight:
    batch: _Batch
    future: Future[_Tally]


@dataclass(frozen=True, slots=True)
class BatchReport:
    records: int
    indexed: int
    unchanged: int
    dead_lettered: int
    written: bool  # every record indexed, unchanged or dead-lettered
    committed: bool  # False too when a rebalance refused the commit (records are redelivered)


class Indexer:
    # A write taking longer than this pauses consumption until it ends (backpressure).
    pause_after_s = 1.0

    def __init__(
        self,
        settings: IndexerSettings,
        consumer: KafkaConsumer,
        producer: KafkaProducer,
        es: Elasticsearch | None,
        metrics: IndexerMetrics,
        rng: random.Random | None = None,
        *,
        writer: Writer | None = None,
    ) -> None:
        self.settings = settings
        self.names = settings.names
        self.consumer = consumer
        self.producer = producer
        self.metrics = metrics
        if writer is None:
            if es is None:
                raise ValueError("an Elasticsearch client or a writer is needed")
            writer = bulk.BulkWriter(es, self.names.read_alias)
        self.writer = writer
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not security)
        self.dead_letters = DeadLetterSink(
            "indexer",
            self.names.dead_letter_topic,
            producer=producer,
            excerpt_bytes=settings.dead_letter_excerpt_bytes,
            counter=metrics.dead_letters,
            ack_timeout_s=settings.shutdown_timeout_s,
        )
        self.stop_event = threading.Event()
        self.last_poll = time.monotonic()

    # -- the loop -------------------------------------------------------------------------
    def run(self, *, burst: bool = False) -> None:
        """Consume until ``stop_event`` is set (or, with ``burst``, until caught up).

        Up to ``max_in_flight`` batches are written at once (in worker threads: Elasticsearch
        indexes concurrent bulk requests on separate write threads) while this thread polls
        and prepares the next one. Commits stay in order: a batch is committed only after
        every batch polled before it.
        """
        self.consumer.subscribe([self.names.enriched_topic])
        in_flight: deque[_InFlight] = deque()
        with ThreadPoolExecutor(self.settings.max_in_flight, thread_name_prefix="bulk") as pool:
            try:
                unwritten = self._loop(pool, in_flight, burst=burst)
            except BaseException:
                # Writers retrying against a node that is down would keep the pool from
                # shutting down: tell them to give up.
                self.stop_event.set()
                raise
            # Batches still in flight are finished in order; after an unwritten one, later
            # ones may be written (harmless) but are not committed.
            while in_flight:
                report = self._finish(in_flight.popleft(), commit=not unwritten)
                unwritten = unwritten or not report.written

    def _loop(self, pool: ThreadPoolExecutor, in_flight: deque[_InFlight], *, burst: bool) -> bool:
        """Poll and write until stopped; True when a batch was left unwritten (stopping)."""
        limit = self.settings.max_in_flight
        while not self.stop_event.is_set():
            records = self._poll()
            if not records:
                while in_flight:  # idle: commit what is written
                    if not self._finish(in_flight.popleft()).written:
                        return True
                if burst and self._caught_up():
                    log.info("burst done: caught up on %s", self.names.enriched_topic)
                    return False
                continue
            batch = self._prepare(records)
            # Committing a later batch would move the offsets past an unwritten one: stop
            # there; everything uncommitted is redelivered.
            if len(in_flight) >= limit and not self._finish(in_flight.popleft()).written:
                return True
            if self.stop_event.is_set():
                return False  # prepared but not written: not committed, redelivered
            future = pool.submit(self._write_with_retries, batch.actions, batch.sources)
            in_flight.append(_InFlight(batch, future))
        return False

    def _poll(self) -> list[Any]:
        polled = self.consumer.poll(
            timeout_ms=self.settings.poll_timeout_ms, max_records=self.settings.batch_size
        )
        self.last_poll = time.monotonic()
        return [r for batch in polled.values() for r in batch]

    def process(self, records: list[Any]) -> BatchReport:
        """Write one batch and commit it (no overlap)."""
        batch = self._prepare(records)
        future: Future[_Tally] = Future()
        future.set_result(self._write_with_retries(batch.actions, batch.sources))
        return self._finish(_InFlight(batch, future))

    def _caught_up(self) -> bool:
        assignment = self.consumer.assignment()
        if not assignment:
            return False
        end = self.consumer.end_offsets(list(assignment))
        return all(self.consumer.position(tp) >= end[tp] for tp in assignment)

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Liveness for ``/healthz``: the loop is polling (also while a write is retried)."""
        since = time.monotonic() - self.last_poll
        if self.stop_event.is_set():
            status = "stopping"
        elif since > STALLED_AFTER_S:
            status = "stalled"
        else:
            status = "ok"
        return status == "ok", {"status": status, "last_poll_s": round(since, 3)}

    # -- one batch ------------------------------------------------------------------------
    def _prepare(self, records: list[Any]) -> _Batch:
        batch = _Batch(records)
        now = datetime.now(UTC)
        for record in records:
            try:
                article = EnrichedArticle.from_json(record.value)
            except (ValidationError, ValueError, TypeError) as exc:
                self._dead_letter(record, Reason.INVALID_ARTICLE, str(exc), None)
                batch.invalid += 1
                continue
            batch.actions.append(
                bulk.Action(
                    index_name=self.names.article_index(article.published_at, now),
                    doc_id=article.id,
                    version=article.version,
                    document=to_document(article, indexed_at=now),
                )
            )
            batch.sources.append(record)
        return batch

    def _finish(self, in_flight: _InFlight, *, commit: bool = True) -> BatchReport:
        """Wait for the batch's write, then its dead letters, then commit (unless ``commit`` is
        false: an earlier batch could not be)."""
        batch = in_flight.batch
        tally = self._wait(in_flight.future)
        records = batch.records
        dead = batch.invalid + tally.rejected
        done = tally.indexed, tally.unchanged, dead
        if len(batch.actions) > tally.indexed + tally.unchanged + tally.rejected:
            log.warning("stopping with an unwritten batch: not committed, will be redelivered")
            return BatchReport(len(records), *done, written=False, committed=False)
        self.dead_letters.flush()  # raises NotAcknowledgedError: the batch is not committed
        committed = commit and self._commit(records)
        return BatchReport(len(records), *done, written=True, committed=committed)

    def _wait(self, future: Future[_Tally]) -> _Tally:
        """The write's outcome; while it takes long, consumption is paused (backpressure)."""
        paused = False
        try:
            while True:
                try:
                    return future.result(timeout=self.pause_after_s)
                except FutureTimeout:
                    pass
                if not paused and self.consumer.assignment():
                    # Take no new work, but keep polling to stay in the group.
                    self.consumer.pause(*self.consumer.assignment())
                    self.metrics.paused.inc()
                    paused = True
                returned = self.consumer.poll(timeout_ms=0)
                self.last_poll = time.monotonic()
                if returned:
                    # Partitions assigned by a rebalance meanwhile are not paused yet: put what
                    # they returned back (seek) and pause them too. Nothing is dropped.
                    for tp, batch_records in returned.items():
                        self.consumer.seek(tp, min(r.offset for r in batch_records))
                    self.consumer.pause(*self.consumer.assignment())
        finally:
            if paused and self.consumer.assignment():
                self.consumer.resume(*self.consumer.assignment())

    def _write_with_retries(self, actions: list[bulk.Action], sources: list[Any]) -> _Tally:
        """Runs in a writer thread; sleeps between retries (``stop_event`` cuts the wait)."""
        tally = _Tally()
        pending = list(zip(actions, sources, strict=True))
        attempt = 0
        while pending:
            results, seconds = self.writer.write([a for a, _ in pending])
            self.metrics.bulk_seconds.observe(seconds)
            retry = self._settle(pending, results, tally)
            if not retry:
                break
            attempt += 1
            self.metrics.retried.inc(len(retry))
            delay = min(
                self.settings.retry_max_s, self.settings.retry_initial_s * 2 ** (attempt - 1)
            )
            delay *= self.rng.uniform(0.5, 1.0)  # jitter: workers do not retry in lock-step
            log.warning(
                "elasticsearch unavailable, retrying docs=%d attempt=%d in=%.1fs error=%s",
                len(retry),
                attempt,
                delay,
                next(r.error for r in results if r.verdict == "retry"),
            )
            if self.stop_event.wait(delay):
                break
            pending = retry
        return tally

    def _settle(
        self,
        pending: list[tuple[bulk.Action, Any]],
        results: list[bulk.WriteResult],
        tally: _Tally,
    ) -> list[tuple[bulk.Action, Any]]:
        """Count one attempt's verdicts, dead-letter the rejected; return what to retry."""
        retry: list[tuple[bulk.Action, Any]] = []
        written: list[bulk.Action] = []
        unchanged = 0
        for (action, source), result in zip(pending, results, strict=True):
            if result.verdict == "indexed":
                written.append(action)
            elif result.verdict == "unchanged":
                unchanged += 1
            elif result.verdict == "rejected":
                tally.rejected += 1
                error = result.error or f"status {result.status}"
                self._dead_letter(source, Reason.ES_REJECTED, error, action.doc_id)
            else:
                retry.append((action, source))
        try:
            self.writer.remove_older_copies(written)
        except Exception:  # the audit reports any copy left behind ("indexed twice")
            log.exception("could not remove older copies of re-dated articles")
        tally.indexed += len(written)
        tally.unchanged += unchanged
        self.metrics.indexed.inc(len(written))
        self.metrics.unchanged.inc(unchanged)
        return retry

    def _commit(self, records: Iterable[Any]) -> bool:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            if tp not in offsets or offsets[tp].offset <= record.offset:
                offsets[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
        try:
            self.consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group rebalanced: another member re-reads these records; writes are idempotent.
            log.warning("commit failed after a rebalance error=%s", exc)
            return False
        return True

    def _dead_letter(self, record: Any, reason: Reason, error: str, article_id: str | None) -> None:
        """Sent now, acknowledged by the ``flush`` before the batch's commit."""
        self.dead_letters.send(
            reason,
            error,
            record.value or b"",
            article_id=article_id,
            key=record.key,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            source=self.names.enriched_topic,
        )
