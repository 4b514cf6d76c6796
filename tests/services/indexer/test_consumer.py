"""The indexer loop without servers (``tests.fakes`` for Kafka, a scripted writer for
Elasticsearch): commit order with several writes in flight, verdicts and dead letters,
backpressure."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from kafka import TopicPartition
from kafka.errors import KafkaTimeoutError

from services.indexer.consumer import Indexer
from services.indexer.metrics import IndexerMetrics
from services.indexer.settings import IndexerSettings
from shared.deadletter import DeadLetter
from shared.errors import NotAcknowledgedError
from shared.names import Names
from tests.fakes import FakeConsumer, FakeProducer, Record
from tests.services.indexer.conftest import ScriptedWriter, enriched

NAMES = Names("unit")
TOPIC = NAMES.enriched_topic
P0, P1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)


def record(n: int, offset: int, partition: int = 0) -> Record:
    article = enriched(n)
    return Record(TOPIC, partition, offset, article.id.encode(), article.to_json())


def doc_id(n: int) -> str:
    return enriched(n).id


def make(
    records: list[Record], **settings: Any
) -> tuple[Indexer, FakeConsumer, FakeProducer, ScriptedWriter]:
    consumer, producer, writer = FakeConsumer(records), FakeProducer(), ScriptedWriter()
    fast = {"retry_initial_s": 0.01, "retry_max_s": 0.02, "poll_timeout_ms": 10}
    config = IndexerSettings.model_validate(
        {"namespace": NAMES.namespace, "port": 0, **fast, **settings}
    )
    indexer = Indexer(config, consumer, producer, None, IndexerMetrics(), writer=writer)
    indexer.pause_after_s = 0.02
    return indexer, consumer, producer, writer


@pytest.fixture
def run_in_thread() -> Iterator[Callable[[Indexer, bool], threading.Thread]]:
    started: list[tuple[Indexer, threading.Thread]] = []

    def start(indexer: Indexer, burst: bool = False) -> threading.Thread:
        thread = threading.Thread(target=indexer.run, kwargs={"burst": burst}, daemon=True)
        thread.start()
        started.append((indexer, thread))
        return thread

    yield start
    for indexer, thread in started:
        indexer.stop_event.set()
        thread.join(timeout=10)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


# -- commit order ----------------------------------------------------------------------------
def test_a_later_batch_is_never_committed_before_an_earlier_one(
    run_in_thread: Callable[[Indexer, bool], threading.Thread],
) -> None:
    records = [record(n, n) for n in range(6)]
    indexer, consumer, _, writer = make(records, batch_size=2, max_in_flight=3)
    first = threading.Event()
    writer.gates[doc_id(0)] = first  # the first batch's write is the slow one
    thread = run_in_thread(indexer, True)
    wait_for(lambda: len(writer.done) == 2)  # the second and third batches are written...
    time.sleep(0.1)
    assert consumer.commits == []  # ...and wait for the first
    first.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert writer.done[-1] == [doc_id(0), doc_id(1)]
    assert consumer.commits == [{P0: 2}, {P0: 4}, {P0: 6}]


def test_an_unwritten_batch_stops_every_commit_after_it(
    run_in_thread: Callable[[Indexer, bool], threading.Thread],
) -> None:
    records = [record(n, n) for n in range(6)]
    indexer, consumer, _, writer = make(records, batch_size=2, max_in_flight=3)
    writer.verdicts[doc_id(1)] = ["retry"]  # Elasticsearch keeps refusing one document
    thread = run_in_thread(indexer, False)
    wait_for(lambda: writer.attempts.get(doc_id(1), 0) >= 3 and len(writer.done) >= 5)
    assert {doc_id(n) for n in range(2, 6)} <= {i for ids in writer.done for i in ids}
    indexer.stop_event.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    # Batches two and three are in Elasticsearch, yet nothing moved past the first batch.
    assert consumer.commits == []


def test_commits_per_partition_follow_the_records() -> None:
    records = [record(0, 10, 0), record(1, 11, 0), record(2, 4, 1)]
    indexer, consumer, _, _ = make(records)
    indexer.run(burst=True)
    assert consumer.committed == {P0: 12, P1: 5}


# -- verdicts and dead letters ---------------------------------------------------------------
def test_verdicts_and_dead_letters() -> None:
    junk = Record(TOPIC, 0, 1, b"junk-key", b'{"not": "an article"}')
    records = [record(0, 0), junk, record(1, 2), record(2, 3), record(3, 4)]
    indexer, consumer, producer, writer = make(records)
    writer.verdicts[doc_id(1)] = ["unchanged"]
    writer.verdicts[doc_id(2)] = ["rejected"]
    writer.verdicts[doc_id(3)] = ["retry", "retry", "indexed"]
    consumer.subscribe([TOPIC])
    report = indexer.process(consumer.poll()[P0])
    assert (report.records, report.indexed, report.unchanged, report.dead_lettered) == (5, 2, 1, 2)
    assert report.written
    assert report.committed
    assert writer.attempts[doc_id(3)] == 3
    assert indexer.metrics.retried._value.get() == 2
    letters = producer.on(NAMES.dead_letter_topic)
    by_reason = {DeadLetter.model_validate_json(r.value or b"").reason: r for r in letters}
    assert set(by_reason) == {"invalid-article", "es-rejected"}
    invalid, rejected = by_reason["invalid-article"], by_reason["es-rejected"]
    assert invalid.key == b"junk-key"  # no article id: the record's own key
    assert rejected.key == doc_id(2).encode()
    assert ("stage", b"indexer") in rejected.headers
    assert ("reason", b"es-rejected") in rejected.headers
    letter = DeadLetter.model_validate_json(rejected.value or b"")
    assert (letter.stage, letter.topic, letter.partition, letter.offset) == ("indexer", TOPIC, 0, 3)
    assert "mapper_parsing_exception" in letter.error
    assert orjson.loads(letter.payload)["id"] == doc_id(2)
    counted = indexer.metrics.dead_letters.labels("indexer", "es-rejected")._value.get()
    assert counted == 1
    assert consumer.committed == {P0: 5}


def test_dead_letters_are_acknowledged_before_the_commit() -> None:
    indexer, consumer, producer, writer = make([record(0, 0), record(1, 1)])
    writer.verdicts[doc_id(1)] = ["rejected"]
    flushes_at_commit: list[int] = []
    commit = consumer.commit

    def recording_commit(offsets: object = None) -> None:
        flushes_at_commit.append(producer.flushes)
        commit(offsets)  # type: ignore[arg-type]

    consumer.commit = recording_commit  # type: ignore[method-assign]
    indexer.run(burst=True)
    assert flushes_at_commit == [1]


def test_a_dead_letter_kafka_does_not_acknowledge_stops_the_commit() -> None:
    indexer, consumer, producer, writer = make([record(0, 0), record(1, 1)])
    writer.verdicts[doc_id(0)] = ["rejected"]
    producer.refuse = KafkaTimeoutError("no broker")
    with pytest.raises(NotAcknowledgedError):
        indexer.run(burst=True)
    assert consumer.commits == []


# -- backpressure ----------------------------------------------------------------------------
def test_partitions_paused_while_a_write_is_slow_then_resumed(
    run_in_thread: Callable[[Indexer, bool], threading.Thread],
) -> None:
    indexer, consumer, _, writer = make([record(0, 0), record(1, 1)])
    slow = threading.Event()
    writer.gates[doc_id(0)] = slow
    thread = run_in_thread(indexer, True)
    wait_for(lambda: consumer.paused_partitions == {P0})
    assert indexer.metrics.paused._value.get() == 1
    # A rebalance hands over another partition meanwhile: its records are put back, and it is
    # paused too.
    consumer.add(record(2, 0, partition=1))
    wait_for(lambda: consumer.paused_partitions == {P0, P1})
    assert consumer.position(P1) == 0
    assert indexer.health()[0]  # still polling: alive
    slow.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert consumer.paused_partitions == set()
    assert consumer.committed == {P0: 2, P1: 1}  # nothing dropped
    assert indexer.metrics.paused._value.get() == 1


def test_a_fast_write_does_not_pause() -> None:
    indexer, consumer, _, _ = make([record(0, 0)])
    indexer.pause_after_s = 5
    indexer.run(burst=True)
    assert consumer.pause_calls == 0
    assert consumer.committed == {P0: 1}


def test_health_reports_a_stalled_or_stopping_loop() -> None:
    indexer, *_ = make([])
    assert indexer.health() == (True, {"status": "ok", "last_poll_s": pytest.approx(0, abs=1)})
    indexer.last_poll -= 120
    ok, details = indexer.health()
    assert (ok, details["status"]) == (False, "stalled")
    indexer.stop_event.set()
    assert indexer.health()[1]["status"] == "stopping"
