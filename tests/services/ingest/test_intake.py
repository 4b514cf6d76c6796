"""The one intake (and the publisher under it) on an in-memory producer: outcomes per item,
batched dead letters, every article to the incoming topic at version 1, batches in flight,
Kafka refusing. Duplicates and versions are the dedup stage's (tests/services/dedup)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from kafka.errors import KafkaTimeoutError
from pydantic import SecretStr

from services.ingest.api import create_app
from services.ingest.article_input import Origin
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
def metrics() -> IngestMetrics:
    return IngestMetrics()


@pytest.fixture
def intake(producer: FakeProducer, metrics: IngestMetrics) -> Intake:
    return Intake(Publisher(producer, NAMES, metrics, value_limit=4096, ack_timeout_s=1))


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
        ("accepted", None),
        ("dead-lettered", "invalid-json"),
        ("dead-lettered", "invalid-field"),
        ("accepted", None),  # a repeat: the dedup stage tells it is a duplicate
        ("dead-lettered", "not-an-object"),
        ("accepted", None),
    ]
    assert outcomes[0].article_id == outcomes[3].article_id
    assert len(producer.on(NAMES.incoming_topic)) == 3
    assert producer.on(NAMES.raw_topic) == []
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


def test_edits_and_repeats_all_go_to_incoming_at_version_1(
    intake: Intake, producer: FakeProducer
) -> None:
    first = intake.take(items(article(1)))
    changed = intake.take(items(article(1, "Autre texte."), article(1, "Autre texte.")))
    assert [o.status for o in first + changed] == ["accepted"] * 3
    records = producer.on(NAMES.incoming_topic)
    assert [r.key for r in records] == [first[0].article_id.encode()] * 3  # type: ignore[union-attr]
    assert [json.loads(r.value or b"")["version"] for r in records] == [1, 1, 1]
    assert [json.loads(r.value or b"")["body"] for r in records] == ["Texte."] + [
        "Autre texte."
    ] * 2
    headers = dict(records[0].headers)
    assert headers["source-kind"] == b"push"
    assert headers["schema-version"] == b"1"


def test_batches_in_flight_settle_in_order(intake: Intake, producer: RecordingProducer) -> None:
    # File import sends batch N+1 before batch N is acknowledged, without a flush between.
    first = intake.submit(items(article(1)))
    second = intake.submit(items(article(2), b"{broken"))
    assert producer.events == ["send", "send", "send"]
    assert [o.status for o in intake.settle(first, flush=False)] == ["accepted"]
    assert "flush" not in producer.events
    assert [(o.status, o.reason) for o in intake.settle(second)] == [
        ("accepted", None),
        ("dead-lettered", "invalid-json"),
    ]
    assert producer.events.count("flush") == 1


def test_what_kafka_refused_is_sent_again_on_retry(intake: Intake, producer: FakeProducer) -> None:
    producer.refuse = KafkaTimeoutError("broker away")
    with pytest.raises(PublishError) as caught:
        intake.take(items(article(1), b"{broken"))
    assert caught.value.exit_code == ExitCode.UNAVAILABLE
    producer.refuse = None
    assert [o.status for o in intake.take(items(article(1)))] == ["accepted"]
    assert len(producer.on(NAMES.incoming_topic)) == 1


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
    assert producer.on(NAMES.incoming_topic) == []
    # A later, smaller version of it goes through.
    assert [o.status for o in intake.take(items(article(1)))] == ["accepted"]


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
    assert accepted.json()["articles"][0]["status"] == "accepted"
    assert client.post("/articles", content=b"{nope", headers=key).status_code == 400
