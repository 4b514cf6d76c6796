"""Publisher against the real broker: every article to the incoming topic (keys, headers,
version 1, no state), dead letters, the size limit of the incoming and raw topics."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka.admin import NewTopic

from services.ingest.article_input import Origin
from services.ingest.context import open_publisher
from services.ingest.intake import Intake, IntakeItem
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.deadletter import DeadLetter
from shared.kafka import make_admin, topic_record_limit
from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all

pytestmark = pytest.mark.integration


def article(url: str, body: str = "Le corps de l'article.") -> RawArticle:
    return RawArticle.create(
        title="Titre",
        body=body,
        url=url,
        source_kind="feed",
        source="news.example.fr",
        published_at=datetime(2026, 11, 24, tzinfo=UTC),
    )


@pytest.fixture
def settings(kafka_settings: KafkaSettings, names: Names, tmp_path: Path) -> IngestSettings:
    return IngestSettings(namespace=names.namespace, state_dir=tmp_path, kafka=kafka_settings)


def test_every_article_goes_to_the_incoming_topic_at_version_1(
    settings: IngestSettings, kafka_settings: KafkaSettings, names: Names, tmp_path: Path
) -> None:
    metrics = IngestMetrics()
    publisher = open_publisher(settings, metrics)
    a = article("https://news.example.fr/a?utm_source=feed1")
    same_via_other_feed = article("https://NEWS.example.fr/a?fbclid=zz#top")
    b = article("https://news.example.fr/b")
    outcomes = publisher.publish([a, same_via_other_feed, b])
    assert [(o.status, o.article_id) for o in outcomes] == [
        ("accepted", a.id),
        ("accepted", a.id),
        ("accepted", b.id),
    ]
    publisher.close()

    # A restart: ingest remembers nothing; an edit is accepted like anything else, and the
    # dedup stage (not ingest) gives it its version.
    publisher = open_publisher(settings, metrics)
    changed = article("https://news.example.fr/a", body="Le corps a changé.")
    assert [o.status for o in publisher.publish([a, changed])] == ["accepted", "accepted"]
    publisher.close()

    records = read_all(kafka_settings, names.incoming_topic)
    assert sorted(r.key.decode() for r in records) == sorted(x.id for x in (a, a, b, a, a))
    assert {RawArticle.from_json(r.value).version for r in records} == {1}
    bodies = [RawArticle.from_json(r.value).body for r in records if r.key == a.id.encode()]
    assert bodies == [a.body, a.body, a.body, "Le corps a changé."]  # one id, one partition
    headers = dict(records[0].headers)
    assert headers["schema-version"] == b"1"
    assert headers["source"] == b"news.example.fr"
    assert read_all(kafka_settings, names.raw_topic) == []  # the dedup stage writes there
    assert metrics.published.labels("feed")._value.get() == 5
    assert list(tmp_path.iterdir()) == []  # no dedup memory in the state dir


def test_dead_letter_record(
    settings: IngestSettings, kafka_settings: KafkaSettings, names: Names
) -> None:
    publisher = open_publisher(settings, IngestMetrics())
    settings_limit = settings.dead_letter_excerpt_bytes
    payload = b'{"title": ' + b"x" * (settings_limit + 10)
    origin = Origin("file", "x", datetime.now(UTC))
    (outcome,) = Intake(publisher).take([IntakeItem.decoded("file:/x:3", payload, origin)])
    publisher.close()
    assert (outcome.status, outcome.reason) == ("dead-lettered", "invalid-json")
    assert read_all(kafka_settings, names.incoming_topic) == []
    (record,) = read_all(kafka_settings, names.dead_letter_topic)
    letter = DeadLetter.model_validate(json.loads(record.value))
    assert letter.stage == "ingest"
    assert letter.reason == "invalid-json"
    assert letter.source == "file:/x:3"
    assert letter.payload_truncated
    assert letter.payload_bytes == len(payload)
    assert dict(record.headers)["reason"] == b"invalid-json"


@pytest.mark.parametrize("limited", ["incoming", "raw"])
def test_an_article_over_the_topic_limit_is_dead_lettered_and_publishing_goes_on(
    settings: IngestSettings, kafka_settings: KafkaSettings, names: Names, limited: str
) -> None:
    # One topic taking records of 8 KiB at most, as on a cluster with a low limit: ingest
    # checks against the incoming topic, and against the raw topic the dedup stage forwards to.
    topic = names.incoming_topic if limited == "incoming" else names.raw_topic
    admin = make_admin(kafka_settings)
    try:
        admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"max.message.bytes": "8192"})])
    finally:
        admin.close()
    assert topic_record_limit(kafka_settings, topic) == 8192
    metrics = IngestMetrics()
    publisher = open_publisher(settings, metrics)
    huge = article("https://news.example.fr/huge", body="mot " * 5000)
    outcomes = publisher.publish(
        [article("https://news.example.fr/1"), huge], ["file:/in.ndjson:1", "file:/in.ndjson:2"]
    )
    assert [(o.status, o.reason) for o in outcomes] == [
        ("accepted", None),
        ("dead-lettered", "too-large"),
    ]
    # Had Kafka refused it, the producer would refuse everything after it too.
    (later,) = publisher.publish([article("https://news.example.fr/2")])
    assert later.status == "accepted"
    (again,) = publisher.publish([huge])  # tried again, and dead-lettered again
    assert again.status == "dead-lettered"
    publisher.close()
    assert len(read_all(kafka_settings, names.incoming_topic)) == 2
    letters = [
        DeadLetter.model_validate_json(r.value)
        for r in read_all(kafka_settings, names.dead_letter_topic)
    ]
    assert [(x.reason, x.article_id) for x in letters] == [("too-large", huge.id)] * 2
    assert [x.source for x in letters] == ["file:/in.ndjson:2", huge.url]  # where it came from
    assert "8192" not in letters[0].error  # the value limit leaves room for key and headers
    assert "bytes as JSON" in letters[0].error
    assert metrics.dead_letters.labels("ingest", "too-large")._value.get() == 2
