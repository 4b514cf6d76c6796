"""The one intake (and the publisher and dedup store under it) on an in-memory producer:
outcomes per item, batched dead letters, versions, in-flight claims, Kafka refusing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from kafka.errors import KafkaTimeoutError
from pydantic import SecretStr

from services.ingest.api import create_app
from services.ingest.article_input import Origin
from services.ingest.dedup import DedupStore
from services.ingest.errors import InvalidInputError, PublishError
from services.ingest.intake import Intake, IntakeItem
from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import Publisher
from services.ingest.settings import IngestSettings
from shared.errors import ExitCode
from shared.names import Names
from tests.fakes import FakeFuture, FakeProducer

NAMES = Names("unit")
ORIGIN = Origin("push", "push:test", datetime(2026, 11, 25, tzinfo=UTC))


class RecordingProducer(FakeProducer):
    """Logs sends, flushes and waits for acknowledgements, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def send(self, topic: str, *args: Any, **kwargs: Any) -> FakeFuture:
        self.events.append("send")
        future = super().send(topic, *args, **kwargs)
        events = self.events

        class Recorded(FakeFuture):
            def get(self, timeout: float | None = None) -> Any:
                events.append("wait")
                return future.get(timeout)

        return Recorded(future.error, future.value)

    def flush(self, timeout: float | None = None) -> None:
        self.events.append("flush")
        super().flush(timeout)


@pytest.fixture
def producer() -> RecordingProducer:
    return RecordingProducer()


@pytest.fixture
def dedup(tmp_path: Path) -> Iterator[DedupStore]:
    store = DedupStore(tmp_path / "dedup.sqlite3")
    yield store
    store.close()


@pytest.fixture
def metrics() -> IngestMetrics:
    return IngestMetrics()


@pytest.fixture
def intake(producer: FakeProducer, dedup: DedupStore, metrics: IngestMetrics) -> Intake:
    return Intake(Publisher(producer, NAMES, dedup, metrics, value_limit=4096, ack_timeout_s=1))


def line(record: object) -> bytes:
    return json.dumps(record).encode()


def items(*lines: bytes) -> list[IntakeItem]:
    return [IntakeItem.decoded(f"push:test[{i}]", raw, ORIGIN) for i, raw in enumerate(lines)]


def article(n: int, body: str = "Texte.") -> bytes:
    return line({"url": f"https://news.example.fr/{n}", "title": f"Titre {n}", "body": body})


def test_one_outcome_per_item_in_order(intake: Intake, producer: FakeProducer) -> None:
    outcomes = intake.take(
        items(article(1), b"{broken", line({"title": 5}), article(1), b"[1]", article(2))
    )
    assert [(o.status, o.reason) for o in outcomes] == [
        ("published", None),
        ("dead-lettered", "invalid-json"),
        ("dead-lettered", "invalid-field"),
        ("duplicate", None),
        ("dead-lettered", "not-an-object"),
        ("published", None),
    ]
    assert outcomes[0].article_id == outcomes[3].article_id
    assert len(producer.on(NAMES.raw_topic)) == 2
    letters = [json.loads(r.value or b"") for r in producer.on(NAMES.dead_letter_topic)]
    assert [(x["stage"], x["source"]) for x in letters] == [
        ("ingest", "push:test[1]"),
        ("ingest", "push:test[2]"),
        ("ingest", "push:test[4]"),
    ]
    assert letters[0]["payload"] == "{broken"


def test_a_batch_of_dead_letters_is_sent_then_flushed_once(
    intake: Intake, producer: RecordingProducer, metrics: IngestMetrics
) -> None:
    outcomes = intake.take(items(*(b'{"title": "broken %d' % i for i in range(2000))))
    assert {o.status for o in outcomes} == {"dead-lettered"}
    assert len(producer.on(NAMES.dead_letter_topic)) == 2000
    # Not one wait for Kafka per dead letter: all sent, one flush, then their answers read.
    assert producer.events == ["send"] * 2000 + ["flush"] + ["wait"] * 2000
    counted = metrics.registry.get_sample_value(
        "newswire_dead_letters_total", {"stage": "ingest", "reason": "invalid-json"}
    )
    assert counted == 2000


def test_versions_follow_content_changes(intake: Intake, producer: FakeProducer) -> None:
    first = intake.take(items(article(1)))
    changed = intake.take(items(article(1, "Autre texte."), article(1, "Autre texte.")))
    assert [(o.status, o.version) for o in first + changed] == [
        ("published", 1),
        ("published", 2),
        ("duplicate", 2),
    ]
    versions = [json.loads(r.value or b"")["version"] for r in producer.on(NAMES.raw_topic)]
    assert versions == [1, 2]
    headers = dict(producer.on(NAMES.raw_topic)[0].headers)
    assert headers["source-kind"] == b"push"


def test_a_batch_in_flight_is_seen_by_the_next_one(intake: Intake) -> None:
    # File import sends batch N+1 before batch N is acknowledged.
    first = intake.submit(items(article(1)))
    second = intake.submit(items(article(1), article(1, "Changé.")))
    assert [o.status for o in intake.settle(first, flush=False)] == ["published"]
    assert [(o.status, o.version) for o in intake.settle(second)] == [
        ("duplicate", 1),
        ("published", 2),
    ]


def test_what_kafka_refused_is_not_remembered(intake: Intake, producer: FakeProducer) -> None:
    producer.refuse = KafkaTimeoutError("broker away")
    with pytest.raises(PublishError) as caught:
        intake.take(items(article(1), b"{broken"))
    assert caught.value.exit_code == ExitCode.UNAVAILABLE
    producer.refuse = None
    # Neither stored nor left in flight: the retry publishes it.
    assert [o.status for o in intake.take(items(article(1)))] == ["published"]


def test_a_dead_letter_kafka_refuses_fails_the_batch(
    intake: Intake, producer: FakeProducer
) -> None:
    producer.refuse_on_send = KafkaTimeoutError("buffer full")
    with pytest.raises(PublishError, match="dead letter"):
        intake.take(items(b"{broken"))


def test_copies_of_a_too_large_article_are_all_dead_lettered(
    intake: Intake, producer: FakeProducer
) -> None:
    huge = article(1, "mot " * 2000)
    outcomes = intake.take(items(huge, huge))
    assert [(o.status, o.reason) for o in outcomes] == [("dead-lettered", "too-large")] * 2
    assert producer.on(NAMES.raw_topic) == []
    # Not in flight either: a later, smaller version is new.
    assert [(o.status, o.version) for o in intake.take(items(article(1)))] == [("published", 1)]


def test_dedup_claims_end_when_acknowledged_or_released(tmp_path: Path) -> None:
    store = DedupStore(tmp_path / "d.sqlite3")
    try:
        intake_items = items(article(1), article(2))
        a, b = (item.article() for item in intake_items)
        assert [d.verdict for d in store.claim([a, b, a])] == ["new", "new", "duplicate"]
        store.acknowledged([a])
        store.release([(b.id, 1)])
        assert store.count() == 1
        assert [(d.verdict, d.version) for d in store.claim([a, b])] == [
            ("duplicate", 1),
            ("new", 1),
        ]
    finally:
        store.close()
    reopened = DedupStore(tmp_path / "d.sqlite3")  # what was acknowledged survives a restart
    try:
        assert [d.verdict for d in reopened.claim([a, b])] == ["duplicate", "new"]
    finally:
        reopened.close()


def test_invalid_input_takes_reason_codes_only() -> None:
    assert InvalidInputError("invalid-json", "x").reason == "invalid-json"
    with pytest.raises(ValueError, match="not-a-reason"):
        InvalidInputError("not-a-reason", "x")


def test_the_push_api_answers_503_while_kafka_does_not_acknowledge(
    intake: Intake, producer: FakeProducer, metrics: IngestMetrics, tmp_path: Path
) -> None:
    settings = IngestSettings(state_dir=tmp_path, api_key=SecretStr("k"))
    client = TestClient(create_app(settings, metrics, intake))
    key = {"X-API-Key": "k"}
    producer.refuse = KafkaTimeoutError("broker away")
    refused = client.post("/articles", content=article(1), headers=key)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
    broken = client.post("/articles", content=b"{nope", headers=key)  # its dead letter too
    assert broken.status_code == 503
    producer.refuse = None
    accepted = client.post("/articles", content=article(1), headers=key)
    assert accepted.status_code == 200
    assert accepted.json()["articles"][0]["status"] == "published"
    assert client.post("/articles", content=b"{nope", headers=key).status_code == 400
