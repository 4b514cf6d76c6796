"""Ingest's Kafka writer: accepted articles to the incoming topic, and dead letters, by batch.

Ingest keeps no dedup state: every valid article goes to the incoming topic, keyed by its id,
at version 1, and the dedup stage (``newswire dedup``) decides there whether it is new, changed
(next version) or a duplicate, with one owner per id (Kafka's partition assignment).

A batch is sent without waiting (``send``) and confirmed later (``confirm``), so a caller may
send the next batch while this one's acknowledgements come back. ``confirm`` returns only after
Kafka acknowledged every record of the batch, articles and dead letters alike (acks=all,
idempotent producer): an article is answered "accepted" only then.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kafka import KafkaProducer

from services.ingest.errors import PublishError
from services.ingest.metrics import IngestMetrics
from shared.deadletter import DeadLetterSink, Reason
from shared.errors import NotAcknowledgedError
from shared.kafka import article_headers
from shared.models import RawArticle
from shared.names import Names

log = logging.getLogger(__name__)

Status = Literal["accepted", "dead-lettered"]


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    """What became of one input: accepted (on the incoming topic, acknowledged by Kafka; the
    dedup stage decides its version), or dead-lettered with a reason."""

    status: Status
    article_id: str | None = None
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
        metrics: IngestMetrics,
        *,
        excerpt_limit: int = 64 * 1024,
        ack_timeout_s: float = 180.0,
        value_limit: int,
    ) -> None:
        self.producer = producer
        self.names = names
        self.metrics = metrics
        self.excerpt_limit = excerpt_limit
        self.ack_timeout_s = ack_timeout_s
        # Larger records would be refused by the incoming topic, or by the raw topic when the
        # dedup stage forwards them (``context.open_publisher`` takes the smaller limit).
        self.value_limit = value_limit

    def publish(
        self, articles: Sequence[RawArticle], sources: Sequence[str] | None = None
    ) -> list[IntakeOutcome]:
        """Publish articles to the incoming topic; one outcome per article, in order.

        Raise ``PublishError`` if Kafka did not acknowledge some record (a retry sends it
        again: the dedup stage drops the copies that did arrive as duplicates).
        """
        return self.confirm(self.send(articles, sources))

    def send(self, articles: Sequence[RawArticle], sources: Sequence[str] | None = None) -> Sending:
        """Send the articles without waiting for Kafka; ``confirm`` must follow.

        ``sources`` says where each article came from (for its dead letter, if too large).
        More dead letters may join the batch through ``Sending.reject``.
        """
        sending = Sending([None] * len(articles), self._dead_letters())
        try:
            for i, article in enumerate(articles):
                value = article.to_json()
                if len(value) > self.value_limit:  # Kafka would refuse it: dead-lettered
                    source = sources[i] if sources else None
                    sending.outcomes[i] = sending.reject(self._too_large(article, value, source))
                    continue
                future = self.producer.send(
                    self.names.incoming_topic,
                    key=article.id.encode(),
                    value=value,
                    headers=article_headers(article),
                )
                sending.sent.append((i, article, future))
        except Exception as exc:  # not acknowledged: the caller retries
            sending.failures.append(f"send failed: {exc!r}")
        return sending

    def _too_large(self, article: RawArticle, value: bytes, source: str | None) -> Rejection:
        return Rejection(
            Reason.TOO_LARGE,
            f"the article is {len(value)} bytes as JSON; the pipeline's topics take "
            f"{self.value_limit} bytes at most per article",
            value,
            source=source or article.url or article.source,
            article_id=article.id,
        )

    def confirm(self, sending: Sending, *, flush: bool = True) -> list[IntakeOutcome]:
        """Wait for the acknowledgements of a ``send``.

        ``flush`` sends what the producer still holds at once (otherwise it goes within its
        linger time). Raise ``PublishError`` as ``publish`` does.
        """
        failures = sending.failures
        try:
            if flush and not failures:
                self.producer.flush(timeout=self.ack_timeout_s)
        except Exception as exc:  # not acknowledged: the caller retries
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
        accepted: Counter[str] = Counter()
        for i, article, future in sending.sent:
            try:
                future.get(timeout=0 if sending.failures else self.ack_timeout_s)
            except Exception as exc:  # any delivery failure: not acknowledged
                sending.failures.append(f"{article.id}: {exc!r}")
                continue
            sending.outcomes[i] = IntakeOutcome("accepted", article.id)
            accepted[article.source_kind] += 1
        for kind, count in accepted.items():
            self.metrics.published.labels(kind).inc(count)

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
        """Flush what Kafka has not taken yet, then release the producer."""
        self.producer.flush(timeout=timeout_s)
        self.producer.close(timeout=timeout_s)
