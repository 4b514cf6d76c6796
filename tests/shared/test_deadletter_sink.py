"""The dead-letter sink: one record per call, keyed by article id, acknowledged on flush."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from kafka.errors import KafkaTimeoutError
from prometheus_client import CollectorRegistry

from shared.deadletter import DeadLetterSink, Reason
from shared.errors import NotAcknowledgedError
from shared.metrics import dead_letters_counter
from tests.fakes import FakeProducer

README = Path(__file__).resolve().parents[2] / "README.md"


def test_send_then_flush_writes_keyed_records_with_headers_and_counts() -> None:
    producer = FakeProducer()
    registry = CollectorRegistry()
    sink = DeadLetterSink(
        "indexer", "ns.dead-letter", producer=producer, counter=dead_letters_counter(registry)
    )
    sink.send(Reason.ES_REJECTED, "mapping", b"{}", article_id="abc", topic="t", partition=1)
    sink.send(Reason.INVALID_ARTICLE, "bad", b"x" * 10, key=b"k", offset=4)
    assert sink.flush() == 2
    first, second = producer.on("ns.dead-letter")
    assert first.key == b"abc"
    assert second.key == b"k"
    assert dict(first.headers) == {"stage": b"indexer", "reason": b"es-rejected"}
    letter = json.loads(first.value or b"")
    assert letter["reason"] == "es-rejected"
    assert letter["partition"] == 1
    sample = registry.get_sample_value(
        "newswire_dead_letters_total", {"stage": "indexer", "reason": "invalid-article"}
    )
    assert sample == 1
    assert sink.flush() == 0


def test_excerpt_is_truncated_to_the_setting() -> None:
    producer = FakeProducer()
    sink = DeadLetterSink("ingest", "dl", producer=producer, excerpt_bytes=256)
    sink.send_and_wait(Reason.INVALID_JSON, "no", b"y" * 1000)
    letter = json.loads(producer.sent[0].value or b"")
    assert letter["payload_bytes"] == 1000
    assert letter["payload_truncated"] is True
    assert len(letter["payload"]) == 256


def test_unacknowledged_dead_letters_raise() -> None:
    producer = FakeProducer()
    producer.refuse = KafkaTimeoutError("broker away")
    sink = DeadLetterSink("ingest", "dl", producer=producer)
    sink.send(Reason.INVALID_JSON, "no", b"{")
    with pytest.raises(NotAcknowledgedError):
        sink.flush()
    producer.refuse_on_send = KafkaTimeoutError("buffer full")
    with pytest.raises(NotAcknowledgedError):
        sink.send(Reason.INVALID_JSON, "no", b"{")


def test_send_async_goes_through_the_given_send() -> None:
    sent: list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]] = []

    async def send(key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        sent.append((key, value, headers))

    sink = DeadLetterSink("enrich", "dl")
    asyncio.run(sink.send_async(send, Reason.NER_FAILED, "boom", b"{}", article_id="id1"))
    assert sent[0][0] == b"id1"
    assert dict(sent[0][2])["stage"] == b"enrich"


def test_readme_lists_every_reason_and_no_other() -> None:
    section = README.read_text().split("| reason | stage | what happened |", 1)[1]
    table = section.strip().split("\n\n", 1)[0].splitlines()[1:]
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", "\n".join(table), re.MULTILINE)
    assert sorted(listed) == sorted(r.value for r in Reason)


def test_a_flush_waits_for_letters_another_flush_is_waiting_for() -> None:
    """Two threads share one sink: the second flush must not return while the first one is
    still waiting for the acknowledgement of a letter the second thread sent."""
    import threading

    from tests.fakes import FakeFuture

    release = threading.Event()

    class SlowFuture(FakeFuture):
        def get(self, timeout: float | None = None) -> object:
            assert release.wait(5)
            return super().get(timeout)

    class SlowProducer(FakeProducer):
        def send(self, *args: object, **kwargs: object) -> FakeFuture:
            super().send(*args, **kwargs)  # type: ignore[arg-type]
            return SlowFuture()

    sink = DeadLetterSink("indexer", "dl", producer=SlowProducer())
    sink.send(Reason.ES_REJECTED, "x", b"{}")
    first = threading.Thread(target=sink.flush)
    first.start()
    second_done = threading.Event()

    def second() -> None:
        sink.flush()
        second_done.set()

    threading.Thread(target=second).start()
    assert not second_done.wait(0.3)  # still waiting: the letter is not acknowledged yet
    release.set()
    assert second_done.wait(5)
    first.join(5)
    assert sink.flush() == 0
