"""The enrich stage's agent without a broker: faust's agent test harness feeds the events, a
recording function stands in for the producer, the models are stand-ins."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.enrich.app import EnrichStage
from services.enrich.enricher import Enricher
from services.enrich.metrics import EnrichMetrics
from services.enrich.settings import EnrichSettings
from shared.errors import ExitCode
from shared.kafka import article_headers
from shared.lifecycle import Lifecycle
from shared.models import EnrichedArticle, Entity, RawArticle
from tests.services.enrich.articles import article


class EnglishDetector:
    def detect(self, title: str, text: str, hint: str | None = None) -> tuple[str, float]:
        return ("en", 0.99)


class Extractor:
    """No entities; ``on_call`` runs at each call (in the executor thread); ``broken`` makes
    extraction fail on the texts that contain it, whether alone or in a batch."""

    def __init__(self, broken: str | None = None) -> None:
        self.broken = broken
        self.on_call: Callable[[], None] = lambda: None

    def extract_many(self, items: list[tuple[str, str]]) -> list[list[Entity]]:
        self.on_call()
        if self.broken and any(self.broken in text for _lang, text in items):
            raise RuntimeError("model crashed")
        return [[] for _ in items]


class BrokenEnricher(Enricher):
    def __init__(self, settings: EnrichSettings, detector: EnglishDetector) -> None:
        super().__init__(settings, detector, Extractor())

    def enrich_batch(self, articles: list[RawArticle]) -> list[EnrichedArticle | Any]:
        raise MemoryError("out of memory")


@dataclass
class Sent:
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    acked: list[bool]  # which events were acked when this record was sent

    def json(self) -> Any:
        return json.loads(self.value)


@dataclass
class Producer:
    """The stage's ``send``: records each record with the events' ack state at that moment."""

    events: list[Any] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    attempts: int = 0
    refuse: bool = False
    hold: asyncio.Event | None = None  # the first send waits for it

    async def __call__(
        self, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        self.attempts += 1
        if self.refuse:
            raise ConnectionError("broker refused the record")
        if self.hold is not None:
            hold, self.hold = self.hold, None
            await asyncio.wait_for(hold.wait(), timeout=10)
        self.sent.append(Sent(topic, key, value, headers, acked=[acked(e) for e in self.events]))

    def on(self, topic: str) -> list[Sent]:
        return [s for s in self.sent if s.topic == topic]


def acked(event: Any) -> bool:
    return bool(event.message.acked)


def stage_for(
    producer: Producer,
    *,
    enricher: Callable[[EnrichSettings], Enricher] | None = None,
    value_limit: int | None = None,
    **settings: Any,
) -> EnrichStage:
    config = EnrichSettings(
        **{"batch_within_s": 0.05, "send_attempts": 3, "send_retry_max_s": 0.01, **settings}
    )
    chosen = enricher(config) if enricher else Enricher(config, EnglishDetector(), Extractor())
    life = Lifecycle("enrich", shutdown_timeout_s=1, handle_signals=False)
    return EnrichStage(
        config, chosen, EnrichMetrics(), life, value_limit=value_limit, send=producer
    )


def feed(
    build: Callable[[], EnrichStage],
    producer: Producer,
    items: Sequence[tuple[bytes, bytes]],
    before: Callable[[asyncio.AbstractEventLoop], object] = lambda _loop: None,
) -> EnrichStage:
    """Build the stage (on the test's event loop, which faust's app then uses), put the records
    on its agent and wait until each is acked or the stage gave up."""

    async def run() -> EnrichStage:
        stage = build()
        before(asyncio.get_running_loop())
        try:
            async with stage.agent.test_context() as agent:
                for key, value in items:
                    producer.events.append(await agent.put(key=key, value=value, wait=False))
                for _ in range(500):
                    if all(acked(e) for e in producer.events) or stage.life.stop.is_set():
                        break
                    await asyncio.sleep(0.01)
        finally:
            # The harness builds the app's consumer, whose thread has an event loop of its own,
            # and never starts it: close that loop as the consumer's stop would have.
            consumer: Any = stage.app.consumer
            consumer._thread.thread_loop.close()
        return stage

    return asyncio.run(run())


def records(*articles: RawArticle) -> list[tuple[bytes, bytes]]:
    return [(a.id.encode(), a.to_json()) for a in articles]


def test_outputs_are_acknowledged_before_their_batch_is_acked() -> None:
    producer = Producer()
    batch = [article(1), article(2), article(3)]
    stage = feed(lambda: stage_for(producer), producer, records(*batch))
    enriched = producer.on(stage.names.enriched_topic)
    assert [s.key for s in enriched] == [a.id.encode() for a in batch]
    assert all(s.acked == [False, False, False] for s in enriched)  # sent, then acked
    assert [acked(e) for e in producer.events] == [True, True, True]
    first = EnrichedArticle.from_json(enriched[0].value)
    assert (first.language, first.body) == ("en", batch[0].body)
    assert enriched[0].headers == article_headers(first)
    assert stage.metrics.enriched.labels("en")._value.get() == 3
    assert producer.on(stage.names.dead_letter_topic) == []


def test_a_record_that_is_no_article_is_dead_lettered_with_its_batch() -> None:
    producer = Producer()
    good = article(1)
    stage = feed(
        lambda: stage_for(producer), producer, [*records(good), (b"junk-key", b"{not json")]
    )
    (letter,) = producer.on(stage.names.dead_letter_topic)
    record = letter.json()
    assert letter.key == b"junk-key"
    assert (record["stage"], record["reason"], record["article_id"]) == (
        "enrich",
        "invalid-article",
        None,
    )
    assert (record["payload"], record["offset"]) == ("{not json", 1)
    assert dict(letter.headers) == {"stage": b"enrich", "reason": b"invalid-article"}
    assert letter.acked == [False, False]  # the invalid one is acked with its batch
    assert [s.key for s in producer.on(stage.names.enriched_topic)] == [good.id.encode()]
    assert [acked(e) for e in producer.events] == [True, True]
    counter = stage.metrics.dead_letters.labels("enrich", "invalid-article")
    assert counter._value.get() == 1


def test_an_enriched_article_over_the_topic_limit_is_dead_lettered_as_too_large() -> None:
    producer = Producer()
    small, big = article(1), article(2, body="word " * 1_000)
    stage = feed(lambda: stage_for(producer, value_limit=2_000), producer, records(small, big))
    (letter,) = producer.on(stage.names.dead_letter_topic)
    record = letter.json()
    assert (record["reason"], record["article_id"], letter.key) == (
        "too-large",
        big.id,
        big.id.encode(),
    )
    assert "the enriched topic takes 2000 bytes at most per article" in record["error"]
    assert [s.key for s in producer.on(stage.names.enriched_topic)] == [small.id.encode()]
    assert [acked(e) for e in producer.events] == [True, True]


def test_a_failing_batch_dead_letters_every_article_of_it() -> None:
    producer = Producer()
    batch = [article(1), article(2)]
    stage = feed(
        lambda: stage_for(producer, enricher=lambda s: BrokenEnricher(s, EnglishDetector())),
        producer,
        records(*batch),
    )
    letters = [s.json() for s in producer.on(stage.names.dead_letter_topic)]
    assert [(r["reason"], r["article_id"]) for r in letters] == [
        ("enrich-error", batch[0].id),
        ("enrich-error", batch[1].id),
    ]
    assert letters[0]["error"] == "MemoryError: out of memory"
    assert producer.on(stage.names.enriched_topic) == []
    assert [acked(e) for e in producer.events] == [True, True]


def test_an_article_whose_entities_fail_is_dead_lettered_and_the_others_go_through() -> None:
    producer = Producer()
    good, bad = article(1), article(2, body="POISON text")
    broken = Extractor(broken="POISON")
    stage = feed(
        lambda: stage_for(producer, enricher=lambda s: Enricher(s, EnglishDetector(), broken)),
        producer,
        records(good, bad),
    )
    (letter,) = [s.json() for s in producer.on(stage.names.dead_letter_topic)]
    assert (letter["reason"], letter["article_id"]) == ("ner-failed", bad.id)
    assert [s.key for s in producer.on(stage.names.enriched_topic)] == [good.id.encode()]


def test_outputs_kafka_keeps_refusing_leave_the_batch_unacked_and_stop_with_3() -> None:
    producer = Producer(refuse=True)
    stage = feed(lambda: stage_for(producer), producer, records(article(1), article(2)))
    assert stage.life.stop.is_set()
    assert stage.life.exit_code == ExitCode.UNAVAILABLE
    assert producer.attempts == 2 * 3  # every output, send_attempts times
    assert [acked(e) for e in producer.events] == [False, False]


class WrongEnricher(Enricher):
    """A bug: results that are neither enriched articles nor failures."""

    def __init__(self, settings: EnrichSettings, detector: EnglishDetector) -> None:
        super().__init__(settings, detector, Extractor())

    def enrich_batch(self, articles: list[RawArticle]) -> list[EnrichedArticle | Any]:
        return [None for _ in articles]


def test_an_unexpected_error_stops_the_stage_with_1_and_acks_nothing() -> None:
    producer = Producer()
    stage = feed(
        lambda: stage_for(producer, enricher=lambda s: WrongEnricher(s, EnglishDetector())),
        producer,
        records(article(1)),
    )
    assert stage.life.stop.is_set()
    assert stage.life.exit_code == ExitCode.FAILED
    assert [acked(e) for e in producer.events] == [False]


def test_a_batch_is_delivered_while_the_next_one_is_enriched_and_acked_before_it() -> None:
    # The first output waits until the second batch is being enriched: without the overlap,
    # the stage would wait for its own delivery until the hold times out.
    producer = Producer(hold=asyncio.Event())
    extractor = Extractor()
    calls: list[int] = []
    second_enriched = threading.Event()

    def count() -> None:
        calls.append(1)
        if len(calls) == 2:
            second_enriched.set()

    extractor.on_call = count

    def release_on_second_batch(loop: asyncio.AbstractEventLoop) -> None:
        hold = producer.hold
        assert hold is not None
        waiter = loop.run_in_executor(None, second_enriched.wait, 10)
        waiter.add_done_callback(lambda _f: hold.set())

    stage = feed(
        lambda: stage_for(
            producer, enricher=lambda s: Enricher(s, EnglishDetector(), extractor), batch_size=1
        ),
        producer,
        records(article(1), article(2)),
        before=release_on_second_batch,
    )
    first, second = producer.on(stage.names.enriched_topic)
    assert second_enriched.is_set()
    assert first.acked == [False, False]
    assert second.acked == [True, False]  # one delivery at a time, in batch order
    assert [acked(e) for e in producer.events] == [True, True]


def test_a_record_that_is_no_article_waits_for_the_batches_before_it() -> None:
    producer = Producer(hold=asyncio.Event())
    hold = producer.hold
    assert hold is not None
    stage = feed(
        lambda: stage_for(producer, batch_size=1),
        producer,
        [*records(article(1)), (b"junk-key", b"[]")],
        before=lambda loop: loop.call_later(0.3, hold.set),  # a slow acknowledgement
    )
    (letter,) = producer.on(stage.names.dead_letter_topic)
    assert letter.acked == [True, False]  # not acked ahead of the earlier, slower one
    assert [acked(e) for e in producer.events] == [True, True]
