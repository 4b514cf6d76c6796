"""Ingest's Kafka writer: raw articles (deduplicated, versioned) and dead letters, by batch.

A batch is sent without waiting (``send``) and confirmed later (``confirm``), so a caller may
send the next batch while this one's acknowledgements come back. ``confirm`` returns only after
Kafka acknowledged every record of the batch, articles and dead letters alike (acks=all,
idempotent producer), so whatever a caller reports is durable; the dedup state learns what was
published only then.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kafka import KafkaProducer

from services.ingest.dedup import DedupStore
from services.ingest.errors import PublishError
from services.ingest.metrics import IngestMetrics
from shared.deadletter import DeadLetterSink, Reason
from shared.errors import NotAcknowledgedError
from shared.kafka import article_headers
from shared.models import RawArticle
from shared.names import Names

log = logging.getLogger(__name__)

Status = Literal["published", "duplicate", "dead-lettered"]


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    """What became of one input: published (acknowledged by Kafka), a duplicate of what was
    published, or dead-lettered with a reason."""

    status: Status
    article_id: str | None = None
    version: int | None = None
    reason: Reason | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input to dead-letter: why, what of it to keep, where it came from."""

    reason: Reason
    error: str
    payload: bytes | str
    source: str | None = None
    article_id: str | None = None

    @property
    def outcome(self) -> IntakeOutcome:
        return IntakeOutcome("dead-lettered", self.article_id, reason=self.reason, error=self.error)


@dataclass(slots=True)
class Sending:
    """A batch sent by ``Publisher.send``, awaiting ``Publisher.confirm``.

    Its dead letters go through a sink of its own (which builds, counts and logs them);
    ``confirm`` waits for them with the articles, after one flush of the producer, and for
    exactly these, whatever other batches (other push requests) send meanwhile.
    """

    outcomes: list[IntakeOutcome | None]
    letters: DeadLetterSink
    sent: list[tuple[int, RawArticle, Any]] = field(default_factory=list)
    letter_futures: list[Any] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def reject(self, rejection: Rejection) -> IntakeOutcome:
        """Send ``rejection``'s dead letter (``confirm`` waits for it); its outcome."""
        try:
            future = self.letters.send(
                rejection.reason,
                rejection.error,
                rejection.payload,
                article_id=rejection.article_id,
                source=rejection.source,
            )
            self.letter_futures.append(future)
        except NotAcknowledgedError as exc:  # Kafka did not even take it: confirm raises
            self.failures.append(str(exc))
        return rejection.outcome


class Publisher:
    def __init__(
        self,
        producer: KafkaProducer,
        names: Names,
        dedup: DedupStore,
        metrics: IngestMetrics,
        *,
        excerpt_limit: int = 64 * 1024,
        ack_timeout_s: float = 180.0,
        value_limit: int,
    ) -> None:
        self.producer = producer
        self.names = names
        self.dedup = dedup
        self.metrics = metrics
        self.excerpt_limit = excerpt_limit
        self.ack_timeout_s = ack_timeout_s
        self.value_limit = value_limit  # larger records would be refused by the raw topic
        # Claims and sends of one batch happen together, so that a key's records reach the
        # producer in the order of their versions.
        self._lock = threading.Lock()

    def publish(
        self, articles: Sequence[RawArticle], sources: Sequence[str] | None = None
    ) -> list[IntakeOutcome]:
        """Publish new and changed articles; return one outcome per article, in order.

        Raise ``PublishError`` if Kafka did not acknowledge some record (none of the
        unacknowledged ones is remembered, so a retry publishes them).
        """
        return self.confirm(self.send(articles, sources))

    def send(self, articles: Sequence[RawArticle], sources: Sequence[str] | None = None) -> Sending:
        """Send new and changed articles without waiting for Kafka; ``confirm`` must follow.

        ``sources`` says where each article came from (for its dead letter, if too large).
        More dead letters may join the batch through ``Sending.reject``.
        """
        sending = Sending([None] * len(articles), self._dead_letters())
        try:
            with self._lock:
                self._send(articles, sources, sending)
        except Exception as exc:  # not acknowledged: nothing is recorded, the caller retries
            sending.failures.append(f"send failed: {exc!r}")
        return sending

    def _send(
        self, articles: Sequence[RawArticle], sources: Sequence[str] | None, sending: Sending
    ) -> None:
        decisions = self.dedup.claim(articles)
        # Claims not sent (too large, or send() raised) are let go of before returning.
        unsent = {
            i: (a.id, d.version)
            for i, (a, d) in enumerate(zip(articles, decisions, strict=True))
            if d.verdict != "duplicate"
        }
        too_large: set[str] = set()
        try:
            for i, (article, decision) in enumerate(zip(articles, decisions, strict=True)):
                # A copy of a too-large article in the same batch is too large as well.
                if decision.verdict == "duplicate" and article.id not in too_large:
                    sending.outcomes[i] = IntakeOutcome("duplicate", article.id, decision.version)
                    self.metrics.duplicates.labels(article.source_kind).inc()
                    continue
                if decision.version != article.version:
                    article = article.model_copy(update={"version": decision.version})
                value = article.to_json()
                if len(value) > self.value_limit:  # Kafka would refuse it: dead-lettered
                    too_large.add(article.id)
                    sending.outcomes[i] = sending.reject(
                        self._too_large(article, value, sources[i] if sources else None)
                    )
                    continue
                future = self.producer.send(
                    self.names.raw_topic,
                    key=article.id.encode(),
                    value=value,
                    headers=article_headers(article),
                )
                sending.sent.append((i, article, future))
                unsent.pop(i, None)  # a copy of a too-large article holds no claim of its own
        finally:
            self.dedup.release(unsent.values())

    def _too_large(self, article: RawArticle, value: bytes, source: str | None) -> Rejection:
        return Rejection(
            Reason.TOO_LARGE,
            f"the article is {len(value)} bytes as JSON; the raw topic takes "
            f"{self.value_limit} bytes at most per article",
            value,
            source=source or article.url or article.source,
            article_id=article.id,
        )

    def confirm(self, sending: Sending, *, flush: bool = True) -> list[IntakeOutcome]:
        """Wait for the acknowledgements of a ``send``; record what Kafka acknowledged.

        ``flush`` sends what the producer still holds at once (otherwise it goes within its
        linger time). Raise ``PublishError`` as ``publish`` does.
        """
        failures = sending.failures
        try:
            if flush and not failures:
                self.producer.flush(timeout=self.ack_timeout_s)
        except Exception as exc:  # not acknowledged: nothing is recorded, the caller retries
            failures.append(f"send failed: {exc!r}")
        finally:
            self._settle_articles(sending)
        self._wait_for_letters(sending)
        if failures:
            log.error("kafka did not acknowledge records count=%d", len(failures))
            raise PublishError(
                f"Kafka did not acknowledge {len(failures)} record(s): {failures[0]}"
            )
        return [o for o in sending.outcomes if o is not None]

    def _settle_articles(self, sending: Sending) -> None:
        acknowledged: list[RawArticle] = []
        refused: list[tuple[str, int]] = []
        published: Counter[str] = Counter()
        for i, article, future in sending.sent:
            try:
                future.get(timeout=0 if sending.failures else self.ack_timeout_s)
            except Exception as exc:  # any delivery failure: not acknowledged
                sending.failures.append(f"{article.id}: {exc!r}")
                refused.append((article.id, article.version))
                continue
            acknowledged.append(article)
            sending.outcomes[i] = IntakeOutcome("published", article.id, article.version)
            published[article.source_kind] += 1
        for kind, count in published.items():
            self.metrics.published.labels(kind).inc(count)
        try:
            self.dedup.acknowledged(acknowledged)
        finally:
            self.dedup.release(refused)

    def _wait_for_letters(self, sending: Sending) -> None:
        # Flushed with the articles: one flush for the whole batch.
        timeout = 0 if sending.failures else self.ack_timeout_s
        for future in sending.letter_futures:
            try:
                future.get(timeout=timeout)
            except Exception as exc:
                sending.failures.append(f"dead letter: {exc!r}")
                timeout = 0  # Kafka is failing: the others are not waited for either

    def _dead_letters(self) -> DeadLetterSink:
        return DeadLetterSink(
            "ingest",
            self.names.dead_letter_topic,
            producer=self.producer,
            excerpt_bytes=self.excerpt_limit,
            counter=self.metrics.dead_letters,
            ack_timeout_s=self.ack_timeout_s,
        )

    def close(self, timeout_s: float = 30.0) -> None:
        """Flush what Kafka has not taken yet, then release the producer and the dedup store."""
        try:
            self.producer.flush(timeout=timeout_s)
            self.producer.close(timeout=timeout_s)
        finally:
            self.dedup.close()
