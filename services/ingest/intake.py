"""The one intake of every input: file import, feed entries and the push API alike.

Each path turns its input into ``IntakeItem``s (where it came from, its bytes, the decoded
record or the error decoding it) and hands them over. For each item, in order, the intake
builds the article or dead-letters the item with its reason, publishes the articles to the
incoming topic (the dedup stage versions them) and returns one ``IntakeOutcome``. A batch's
dead letters are sent together and awaited once, with its articles.

``take`` waits for Kafka; ``submit`` then ``settle`` split it in two, so that a caller may
submit batch N+1 before settling batch N (file import keeps the producer busy this way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from services.ingest.article_input import ArticleInput, Origin, decode_json, from_input
from services.ingest.errors import InvalidInputError
from services.ingest.publisher import IntakeOutcome, Publisher, Rejection, Sending
from shared.models import RawArticle


@dataclass(frozen=True, slots=True)
class IntakeItem:
    """One input: where it came from (``file:<path>:<line>``, ``push:<host>[<index>]``,
    ``feed:<id>[<index>]``...), its own bytes when the source had them, and its record: a
    decoded JSON value, a feed entry, or the ``InvalidInputError`` that decoding raised."""

    source: str
    raw: bytes | None
    record: object
    origin: Origin

    @property
    def payload(self) -> bytes:
        """What a dead letter keeps of the item: its bytes, else its record as JSON. Built on
        demand: most items never need it."""
        if self.raw is not None:
            return self.raw
        if isinstance(self.record, InvalidInputError):
            return b""
        if isinstance(self.record, ArticleInput):  # a feed entry
            return self.record.model_dump_json(exclude_none=True).encode()
        return orjson.dumps(self.record)

    @classmethod
    def decoded(cls, source: str, raw: bytes, origin: Origin, what: str = "line") -> IntakeItem:
        """An item of JSON bytes, decoded now; bytes that are not JSON keep the error as their
        record (dead-lettered with its reason when the batch goes through)."""
        try:
            record = decode_json(raw, what)
        except InvalidInputError as exc:
            record = exc
        return cls(source, raw, record, origin)

    def article(self) -> RawArticle:
        """The item's article; ``InvalidInputError`` when it has none."""
        if isinstance(self.record, InvalidInputError):
            raise self.record
        return from_input(self.record, self.origin)


@dataclass(slots=True)
class Submitted:
    """A batch handed to Kafka by ``Intake.submit``, awaiting ``Intake.settle``."""

    outcomes: list[IntakeOutcome | None]  # by item; the articles' come with the settlement
    positions: list[int]  # the item of each article sent
    sending: Sending


class Intake:
    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher

    def take(self, items: Sequence[IntakeItem]) -> list[IntakeOutcome]:
        """One outcome per item, in order, once Kafka acknowledged all of them; raise
        ``PublishError`` otherwise (a retry sends the batch again: the copies that did arrive
        are duplicates to the dedup stage)."""
        return self.settle(self.submit(items))

    def submit(self, items: Sequence[IntakeItem]) -> Submitted:
        """Build the items' articles and send them and the dead letters, without waiting."""
        outcomes: list[IntakeOutcome | None] = [None] * len(items)
        rejected: list[tuple[int, Rejection]] = []
        articles: list[RawArticle] = []
        positions: list[int] = []
        for index, item in enumerate(items):
            try:
                articles.append(item.article())
            except InvalidInputError as exc:
                rejection = Rejection(exc.reason, str(exc), item.payload, source=item.source)
                rejected.append((index, rejection))
                continue
            positions.append(index)
        sending = self.publisher.send(articles, [items[i].source for i in positions])
        for index, rejection in rejected:
            outcomes[index] = sending.reject(rejection)
        return Submitted(outcomes, positions, sending)

    def settle(self, submitted: Submitted, *, flush: bool = True) -> list[IntakeOutcome]:
        """Wait for Kafka's acknowledgements of a ``submit``; its outcomes, in item order.

        ``flush`` sends at once what the producer still holds; without it, the records go
        within the producer's linger time (while the caller prepares the next batch).
        """
        outcomes = submitted.outcomes
        published = self.publisher.confirm(submitted.sending, flush=flush)
        for index, outcome in zip(submitted.positions, published, strict=True):
            outcomes[index] = outcome
        return [o for o in outcomes if o is not None]
