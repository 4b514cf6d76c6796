"""Dead letters: the record, every reason code, and the one sink every stage writes them with.

Nothing is dropped: an input that cannot become a valid article, cannot be enriched or is
rejected by Elasticsearch becomes a ``DeadLetter``, keyed by the article id when known, on the
namespace's dead-letter topic. ``DeadLetterSink`` is the only writer: it builds the record,
sends it with its headers, counts it (``newswire_dead_letters_total{stage, reason}``) and logs
it, synchronously (kafka-python: ``send`` then ``flush``) or through an async send function
(faust: ``send_async``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import NotAcknowledgedError

log = logging.getLogger(__name__)

Stage = Literal["ingest", "enrich", "indexer"]
DEFAULT_EXCERPT_BYTES = 64 * 1024


class Reason(StrEnum):
    """Every reason a dead letter can give (the README's list is checked against this one)."""

    # ingest: the input never became an article
    INVALID_JSON = "invalid-json"  # not JSON (a file line, a push body)
    INVALID_UTF8 = "invalid-utf8"  # bytes that are not UTF-8
    INVALID_FIELD = "invalid-field"  # a field of the wrong type or out of its bounds
    FIELD_TOO_LONG = "field-too-long"  # a URL, GUID, source... longer than the index can take
    NOT_AN_OBJECT = "not-an-object"  # a JSON value where an article (an object) was expected
    INVALID_URL = "invalid-url"  # a URL that is not an http(s) URL
    INVALID_ENTRY = "invalid-entry"  # a feed entry that cannot become an article
    EMPTY_ARTICLE = "empty-article"  # neither title nor text
    NO_IDENTITY = "no-identity"  # no URL, GUID or content to derive an id from
    NO_ARTICLES = "no-articles"  # a JSON document with no article in it
    EMPTY_FILE = "empty-file"  # an input file with nothing in it
    UNREADABLE_FILE = "unreadable-file"  # a file that cannot be opened or read
    PARSE_ERROR = "parse-error"  # a file whose parsing failed unexpectedly
    EMPTY_FEED = "empty-feed"  # a feed document with no content
    MALFORMED_FEED = "malformed-feed"  # not well-formed XML, or not RSS/Atom/JSON Feed
    XML_ENTITIES = "xml-entities"  # a DTD or entity declaration (XML bombs) refused
    FEED_TOO_DEEP = "feed-too-deep"  # elements nested deeper than a feed ever needs
    # any stage
    INVALID_ARTICLE = "invalid-article"  # a record that does not match the stage's contract
    TOO_LARGE = "too-large"  # bigger than the next topic's max.message.bytes allows
    # enrich
    NER_FAILED = "ner-failed"  # entity extraction of one article failed
    ENRICH_ERROR = "enrich-error"  # enrichment of a batch failed
    # indexer
    ES_REJECTED = "es-rejected"  # Elasticsearch refused the document (mapping, term size...)


class DeadLetter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: Stage
    reason: str = Field(description="Short machine-friendly cause: a ``Reason`` value.")
    error: str = Field(description="Human-readable detail (validation errors, ES error...).")
    source: str | None = None
    article_id: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    payload: str = Field(description="The original input, decoded leniently, truncated.")
    payload_bytes: int = Field(ge=0, description="Size of the original input.")
    payload_truncated: bool
    failed_at: datetime

    @classmethod
    def build(
        cls,
        *,
        stage: Stage,
        reason: str,
        error: str,
        payload: bytes | str,
        limit: int = DEFAULT_EXCERPT_BYTES,
        **where: object,
    ) -> Self:
        raw = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else payload
        return cls.model_validate(
            {
                "stage": stage,
                "reason": str(reason),
                "error": error,
                # Invalid UTF-8 is kept visible (U+FFFD) rather than failing the dead-letter itself.
                "payload": raw[:limit].decode("utf-8", "replace"),
                "payload_bytes": len(raw),
                "payload_truncated": len(raw) > limit,
                "failed_at": datetime.now(UTC),
                **where,
            }
        )

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()


def dead_letter_headers(stage: Stage, reason: str) -> list[tuple[str, bytes]]:
    return [("stage", stage.encode()), ("reason", str(reason).encode())]


AsyncSend = Callable[[bytes | None, bytes, list[tuple[str, bytes]]], Awaitable[object]]


class DeadLetterSink:
    """The one writer of dead letters for one stage.

    ``send`` hands a record to the producer and returns at once; ``flush`` waits until Kafka
    acknowledged every record sent so far (raising ``NotAcknowledgedError`` otherwise), so a
    caller sends a batch's dead letters together and waits once, before it reports or commits
    anything. ``send_async`` is the same for an asyncio stage that passes its own send function.
    ``counter`` is the stage's ``newswire_dead_letters_total`` (``shared.metrics``).
    """

    def __init__(
        self,
        stage: Stage,
        topic: str,
        *,
        producer: Any = None,
        excerpt_bytes: int = DEFAULT_EXCERPT_BYTES,
        counter: Any = None,
        ack_timeout_s: float = 60.0,
    ) -> None:
        self.stage: Stage = stage
        self.topic = topic
        self.producer = producer
        self.excerpt_bytes = excerpt_bytes
        self.counter = counter
        self.ack_timeout_s = ack_timeout_s
        self._futures: list[Any] = []
        self._lock = threading.Lock()  # several writer threads may dead-letter at once

    def record(
        self,
        reason: str,
        error: str,
        payload: bytes | str,
        *,
        article_id: str | None = None,
        key: bytes | None = None,
        **where: object,
    ) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
        """Key, value and headers of one dead letter (counted and logged here)."""
        letter = DeadLetter.build(
            stage=self.stage,
            reason=reason,
            error=error,
            payload=payload,
            limit=self.excerpt_bytes,
            article_id=article_id,
            **where,
        )
        if self.counter is not None:
            self.counter.labels(self.stage, str(reason)).inc()
        log.warning(
            "dead-lettered stage=%s reason=%s id=%s source=%s partition=%s offset=%s error=%s",
            self.stage,
            reason,
            article_id,
            letter.source,
            letter.partition,
            letter.offset,
            error[:300],
        )
        record_key = article_id.encode() if article_id else key
        return record_key, letter.to_json(), dead_letter_headers(self.stage, reason)

    def send(
        self,
        reason: str,
        error: str,
        payload: bytes | str,
        *,
        article_id: str | None = None,
        key: bytes | None = None,
        **where: object,
    ) -> Any:
        """Send one dead letter without waiting; ``flush`` must follow before it counts."""
        if self.producer is None:
            raise RuntimeError("this sink has no producer: use send_async")
        record_key, value, headers = self.record(
            reason, error, payload, article_id=article_id, key=key, **where
        )
        try:
            future = self.producer.send(self.topic, key=record_key, value=value, headers=headers)
        except Exception as exc:  # buffer full, producer closed: not in Kafka
            raise NotAcknowledgedError(f"Kafka did not take a dead letter: {exc!r}") from exc
        with self._lock:
            self._futures.append(future)
        return future

    def flush(self, timeout_s: float | None = None) -> int:
        """Wait until every dead letter sent so far (by any thread) is acknowledged; return how
        many were waited for.

        The futures stay listed until they are confirmed, so a flush that runs while another
        thread's flush is waiting still waits for those letters too, instead of returning early.
        """
        timeout = self.ack_timeout_s if timeout_s is None else timeout_s
        with self._lock:
            futures = list(self._futures)
        if not futures:
            return 0
        try:
            self.producer.flush(timeout=timeout)
            for future in futures:
                future.get(timeout=timeout)
        except Exception as exc:
            raise NotAcknowledgedError(
                f"Kafka did not acknowledge {len(futures)} dead letter(s): {exc!r}"
            ) from exc
        confirmed = {id(f) for f in futures}
        with self._lock:
            self._futures = [f for f in self._futures if id(f) not in confirmed]
        return len(futures)

    def send_and_wait(
        self,
        reason: str,
        error: str,
        payload: bytes | str,
        *,
        article_id: str | None = None,
        key: bytes | None = None,
        **where: object,
    ) -> None:
        """One dead letter, acknowledged (with those sent before it) when this returns."""
        self.send(reason, error, payload, article_id=article_id, key=key, **where)
        self.flush()

    async def send_async(
        self,
        send: AsyncSend,
        reason: str,
        error: str,
        payload: bytes | str,
        *,
        article_id: str | None = None,
        key: bytes | None = None,
        **where: object,
    ) -> None:
        """One dead letter through ``send(key, value, headers)``, which waits for Kafka."""
        record_key, value, headers = self.record(
            reason, error, payload, article_id=article_id, key=key, **where
        )
        await send(record_key, value, headers)
