"""Publishing raw articles and dead letters to Kafka, with dedup and versioning.

``publish`` returns only after Kafka acknowledged every record it sent (acks=all, idempotent
producer), so whatever a caller reports as accepted is durable. Dedup state is written after
the acknowledgement, never before.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kafka import KafkaProducer

from services.ingest.dedup import Decision, DedupStore
from services.ingest.errors import PublishError
from services.ingest.metrics import IngestMetrics
from shared.deadletter import DeadLetter
from shared.models import SCHEMA_VERSION, RawArticle
from shared.names import Names

log = logging.getLogger(__name__)

Status = Literal["published", "duplicate", "dead-lettered"]


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    article_id: str | None = None
    version: int | None = None
    reason: str | None = None
    error: str | None = None


@dataclass(slots=True)
class Sending:
    """A batch sent by ``Publisher.send``, awaiting ``Publisher.confirm``."""

    outcomes: list[Outcome | None]
    sent: list[tuple[int, RawArticle, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def headers_for(article: RawArticle) -> list[tuple[str, bytes]]:
    return [
        ("schema-version", str(SCHEMA_VERSION).encode()),
        ("source", article.source.encode()),
        ("source-kind", article.source_kind.encode()),
        ("content-type", b"application/json"),
    ]


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
        self._lock = threading.Lock()
        # Versions sent but not yet acknowledged: concurrent batches see them as published.
        self._pending: dict[str, tuple[str, int]] = {}

    def _decide(self, article: RawArticle, stored: Decision) -> tuple[str, int]:
        # Versions sent earlier in this batch or by a concurrent one win over the stored state.
        pending = self._pending.get(article.id)
        if pending is not None:
            if pending[0] == article.content_hash:
                return "duplicate", pending[1]
            return "changed", pending[1] + 1
        return stored.verdict, stored.version

    def publish(
        self, articles: Sequence[RawArticle], sources: Sequence[str] | None = None
    ) -> list[Outcome]:
        """Publish new and changed articles; return one outcome per input, in order.

        Raise ``PublishError`` if Kafka did not acknowledge some record (none of the
        unacknowledged ones is remembered, so a retry publishes them).
        """
        return self.confirm(self.send(articles, sources))

    def send(self, articles: Sequence[RawArticle], sources: Sequence[str] | None = None) -> Sending:
        """Send new and changed articles without waiting for Kafka; ``confirm`` must follow.

        Sending batch N+1 before confirming batch N keeps the producer busy while N's
        acknowledgements come back (file imports do that).
        """
        sending = Sending([None] * len(articles))
        too_large: list[tuple[int, RawArticle, bytes]] = []
        try:
            with self._lock:
                stored = self.dedup.decide_many([(a.id, a.content_hash) for a in articles])
                for i, article in enumerate(articles):
                    verdict, version = self._decide(article, stored[i])
                    if verdict == "duplicate":
                        sending.outcomes[i] = Outcome("duplicate", article.id, version)
                        self.metrics.duplicates.labels(article.source_kind).inc()
                        continue
                    if version != article.version:
                        article = article.model_copy(update={"version": version})
                    value = article.to_json()
                    if len(value) > self.value_limit:  # Kafka would refuse it: dead-lettered
                        too_large.append((i, article, value))
                        continue
                    self._pending[article.id] = (article.content_hash, version)
                    # send() itself can raise (buffer full while Kafka is away): caught below,
                    # the pending entry is released by ``confirm``.
                    sending.sent.append((i, article, None))
                    future = self.producer.send(
                        self.names.raw_topic,
                        key=article.id.encode(),
                        value=value,
                        headers=headers_for(article),
                    )
                    sending.sent[-1] = (i, article, future)
            for i, article, value in too_large:
                sending.outcomes[i] = self.dead_letter(
                    reason="too-large",
                    error=f"the article is {len(value)} bytes as JSON; the raw topic takes "
                    f"{self.value_limit} bytes at most per article",
                    payload=value,
                    source=sources[i] if sources else article.url or article.source,
                    article_id=article.id,
                )
        except Exception as exc:  # not acknowledged: nothing is recorded, the caller retries
            sending.failures.append(f"send failed: {exc!r}")
        return sending

    def confirm(self, sending: Sending, *, flush: bool = True) -> list[Outcome]:
        """Wait for the acknowledgements of a ``send``; record what Kafka acknowledged.

        ``flush`` sends what the producer still holds at once (otherwise it goes within its
        linger time). Raise ``PublishError`` as ``publish`` does.
        """
        outcomes, failures = sending.outcomes, sending.failures
        acknowledged: list[tuple[str, str, int]] = []
        published: Counter[str] = Counter()
        try:
            if flush and not failures:
                self.producer.flush(timeout=self.ack_timeout_s)
        except Exception as exc:  # not acknowledged: nothing is recorded, the caller retries
            failures.append(f"send failed: {exc!r}")
        finally:
            for i, article, future in sending.sent:
                if future is None:
                    continue
                try:
                    future.get(timeout=0 if failures else self.ack_timeout_s)
                except Exception as exc:  # any delivery failure: not acknowledged
                    failures.append(f"{article.id}: {exc!r}")
                    continue
                acknowledged.append((article.id, article.content_hash, article.version))
                outcomes[i] = Outcome("published", article.id, article.version)
                published[article.source_kind] += 1
            for kind, count in published.items():
                self.metrics.published.labels(kind).inc(count)
            self.dedup.record(acknowledged)
            with self._lock:
                for _i, article, _future in sending.sent:
                    if self._pending.get(article.id, (None, None))[1] == article.version:
                        del self._pending[article.id]
        if failures:
            log.error("kafka did not acknowledge records count=%d", len(failures))
            raise PublishError(
                f"Kafka did not acknowledge {len(failures)} article(s): {failures[0]}"
            )
        return [o for o in outcomes if o is not None]

    def dead_letter(
        self,
        *,
        reason: str,
        error: str,
        payload: bytes | str,
        source: str | None = None,
        article_id: str | None = None,
    ) -> Outcome:
        """Send one dead-letter record and wait for its acknowledgement."""
        record = DeadLetter.build(
            stage="ingest",
            reason=reason,
            error=error,
            payload=payload,
            limit=self.excerpt_limit,
            source=source,
            article_id=article_id,
        )
        future = self.producer.send(
            self.names.dead_letter_topic,
            key=article_id.encode() if article_id else None,
            value=record.to_json(),
            headers=[("stage", b"ingest"), ("reason", reason.encode())],
        )
        try:
            future.get(timeout=self.ack_timeout_s)
        except Exception as exc:
            raise PublishError(f"Kafka did not acknowledge a dead letter: {exc!r}") from exc
        self.metrics.dead_letters.labels("ingest", reason).inc()
        log.warning("dead-lettered reason=%s source=%s error=%s", reason, source, error[:300])
        return Outcome("dead-lettered", article_id, reason=reason, error=error)

    def close(self, timeout_s: float = 30.0) -> None:
        """Flush what Kafka has not taken yet, then release the producer and the dedup store."""
        try:
            self.producer.flush(timeout=timeout_s)
            self.producer.close(timeout=timeout_s)
        finally:
            self.dedup.close()
