"""The indexer loop: poll a batch, write it, dead-letter what Elasticsearch rejects, commit.

Offsets are committed only after every record of the batch is either acknowledged by
Elasticsearch (indexed, or a no-op replay) or acknowledged by Kafka as a dead letter. While the
node is down or overloaded the batch is retried with jittered exponential backoff and the
partitions are paused (backpressure): the consumer keeps polling, so it stays in its group, but
takes no new work. A stop request during that wait leaves the batch uncommitted: it is redelivered
on restart, and external versioning makes that harmless.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import CommitFailedError
from pydantic import ValidationError

from services.indexer import bulk
from services.indexer.document import to_document
from services.indexer.metrics import IndexerMetrics
from services.indexer.settings import IndexerSettings
from shared.deadletter import DeadLetter
from shared.models import EnrichedArticle

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Batch:
    records: list[Any]
    actions: list[bulk.Action] = field(default_factory=list)
    sources: list[Any] = field(default_factory=list)
    invalid: int = 0


@dataclass(frozen=True, slots=True)
class _InFlight:
    batch: _Batch
    future: Future[tuple[int, int, int]]


@dataclass(frozen=True, slots=True)
class BatchReport:
    records: int
    indexed: int
    unchanged: int
    dead_lettered: int
    written: bool  # every record indexed, unchanged or dead-lettered
    committed: bool  # False too when a rebalance refused the commit (records are redelivered)


class Indexer:
    def __init__(
        self,
        settings: IndexerSettings,
        consumer: KafkaConsumer,
        producer: KafkaProducer,
        es: Elasticsearch,
        metrics: IndexerMetrics,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.names = settings.names
        self.consumer = consumer
        self.producer = producer
        self.es = es
        self.metrics = metrics
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not security)
        self._dead_letter_futures: list[Any] = []
        self._dead_letter_lock = threading.Lock()  # writer threads dead-letter too
        self.stop_event = threading.Event()

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
        limit = self.settings.max_in_flight
        unwritten = False  # a batch was left unwritten (stopping): commit nothing after it
        with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="bulk") as writer:
            while not self.stop_event.is_set():
                polled = self.consumer.poll(
                    timeout_ms=self.settings.poll_timeout_ms,
                    max_records=self.settings.batch_size,
                )
                records = [r for batch in polled.values() for r in batch]
                if not records:
                    while in_flight and not unwritten:  # idle: commit what is written
                        unwritten = not self._finish(in_flight.popleft()).written
                    if unwritten:
                        break
                    if burst and self._caught_up():
                        log.info("burst done: caught up on %s", self.names.enriched_topic)
                        return
                    continue
                batch = self._prepare(records)
                if len(in_flight) >= limit:
                    unwritten = not self._finish(in_flight.popleft()).written
                    if unwritten:
                        # Committing a later batch would move the offsets past this one.
                        # Stop here; everything uncommitted is redelivered.
                        break
                if self.stop_event.is_set():
                    break  # prepared but not written: not committed, redelivered
                future = writer.submit(self._write_with_retries, batch.actions, batch.sources)
                in_flight.append(_InFlight(batch, future))
            # Batches still in flight are finished in order; after an unwritten one, later
            # ones may be written (harmless) but are not committed.
            while in_flight:
                report = self._finish(in_flight.popleft(), commit=not unwritten)
                unwritten = unwritten or not report.written

    def process(self, records: list[Any]) -> BatchReport:
        """Write one batch and commit it (no overlap)."""
        batch = self._prepare(records)
        future: Future[tuple[int, int, int]] = Future()
        future.set_result(self._write_with_retries(batch.actions, batch.sources))
        return self._finish(_InFlight(batch, future))

    def _caught_up(self) -> bool:
        assignment = self.consumer.assignment()
        if not assignment:
            return False
        end = self.consumer.end_offsets(list(assignment))
        return all(self.consumer.position(tp) >= end[tp] for tp in assignment)

    # -- one batch ------------------------------------------------------------------------
    def _prepare(self, records: list[Any]) -> _Batch:
        batch = _Batch(records)
        now = datetime.now(UTC)
        for record in records:
            try:
                article = EnrichedArticle.from_json(record.value)
            except (ValidationError, ValueError, TypeError) as exc:
                self._dead_letter(record, "invalid-article", str(exc), None)
                batch.invalid += 1
                continue
            batch.actions.append(
                bulk.Action(
                    index=self.names.article_index(article.published_at, now),
                    doc_id=article.id,
                    version=article.version,
                    document=to_document(article, indexed_at=now),
                )
            )
            batch.sources.append(record)
        return batch

    def _finish(self, in_flight: _InFlight, *, commit: bool = True) -> BatchReport:
        """Wait for the batch's write (pausing consumption while it takes long), then commit
        (unless ``commit`` is false: an earlier batch could not be)."""
        batch, future = in_flight.batch, in_flight.future
        paused = False
        try:
            while True:
                try:
                    indexed, unchanged, rejected = future.result(timeout=1.0)
                    break
                except FutureTimeout:
                    pass
                if not paused and self.consumer.assignment():
                    # Backpressure: take no new work, but keep polling to stay in the group.
                    self.consumer.pause(*self.consumer.assignment())
                    self.metrics.paused.inc()
                    paused = True
                returned = self.consumer.poll(timeout_ms=0)
                if returned:
                    # Partitions assigned by a rebalance meanwhile are not paused yet: put what
                    # they returned back (seek) and pause them too. Nothing is dropped.
                    for tp, batch_records in returned.items():
                        self.consumer.seek(tp, min(r.offset for r in batch_records))
                    self.consumer.pause(*self.consumer.assignment())
        finally:
            if paused and self.consumer.assignment():
                self.consumer.resume(*self.consumer.assignment())
        records = batch.records
        dead = batch.invalid + rejected
        if len(batch.actions) > indexed + unchanged + rejected:
            log.warning("stopping with an unwritten batch: not committed, will be redelivered")
            return BatchReport(len(records), indexed, unchanged, dead, False, committed=False)
        self._await_dead_letters()
        committed = commit and self._commit(records)
        return BatchReport(len(records), indexed, unchanged, dead, True, committed)

    def _write_with_retries(
        self, actions: list[bulk.Action], sources: list[Any]
    ) -> tuple[int, int, int]:
        """Runs in the writer thread; sleeps between retries (stop_event cuts the wait)."""
        indexed = unchanged = rejected = 0
        pending = list(zip(actions, sources, strict=True))
        attempt = 0
        while pending:
            results, seconds = bulk.write(self.es, [a for a, _ in pending])
            self.metrics.bulk_seconds.observe(seconds)
            retry: list[tuple[bulk.Action, Any]] = []
            for (action, source), result in zip(pending, results, strict=True):
                if result.verdict == "indexed":
                    indexed += 1
                elif result.verdict == "unchanged":
                    unchanged += 1
                elif result.verdict == "rejected":
                    rejected += 1
                    self._dead_letter(
                        source,
                        "es-rejected",
                        result.error or f"status {result.status}",
                        action.doc_id,
                    )
                else:
                    retry.append((action, source))
            written = [
                a for (a, _s), r in zip(pending, results, strict=True) if r.verdict == "indexed"
            ]
            try:
                bulk.remove_older_copies(self.es, self.names.read_alias, written)
            except Exception:  # the audit reports any copy left behind ("indexed twice")
                log.exception("could not remove older copies of re-dated articles")
            self.metrics.indexed.inc(len(written))
            self.metrics.unchanged.inc(sum(1 for r in results if r.verdict == "unchanged"))
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
        return indexed, unchanged, rejected

    def _await_dead_letters(self) -> None:
        """Every dead letter of the batch must be in Kafka before the batch is committed."""
        with self._dead_letter_lock:
            futures, self._dead_letter_futures = self._dead_letter_futures, []
        self.producer.flush(timeout=self.settings.shutdown_timeout_s)
        for future in futures:
            future.get(timeout=self.settings.shutdown_timeout_s)  # raises: batch not committed

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

    def _dead_letter(self, record: Any, reason: str, error: str, article_id: str | None) -> None:
        letter = DeadLetter.build(
            stage="indexer",
            reason=reason,
            error=error,
            payload=record.value or b"",
            limit=self.settings.dead_letter_excerpt_bytes,
            article_id=article_id,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            source=self.names.enriched_topic,
        )
        future = self.producer.send(
            self.names.dead_letter_topic,
            key=article_id.encode() if article_id else record.key,
            value=letter.to_json(),
            headers=[("stage", b"indexer"), ("reason", reason.encode())],
        )
        with self._dead_letter_lock:
            self._dead_letter_futures.append(future)
        self.metrics.dead_letters.labels("indexer", reason).inc()
        log.warning(
            "dead-lettered reason=%s partition=%s offset=%s id=%s error=%s",
            reason,
            record.partition,
            record.offset,
            article_id,
            error[:300],
        )
