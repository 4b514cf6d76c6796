"""Dead-letter listing/re-publishing and replay, against the real broker."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from kafka.admin import NewTopic

from services.audit.deadletters import letters, republish
from services.audit.errors import GroupActiveError, RepublishError
from services.audit.replay import reset_offsets
from shared.deadletter import DeadLetter
from shared.errors import UsageError
from shared.kafka import ensure_topics, make_admin, make_consumer, make_producer
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all

pytestmark = pytest.mark.integration


def test_dead_letters_filtered_and_republished(kafka_settings: KafkaSettings, names: Names) -> None:
    ensure_topics(kafka_settings, names.topics())
    producer = make_producer(kafka_settings)
    records = [
        DeadLetter.build(
            stage="enrich",
            reason="ner-failed",
            error="boom",
            payload=b'{"a": 1}',
            article_id="a" * 64,
            topic=names.raw_topic,
            partition=0,
            offset=3,
        ),
        DeadLetter.build(
            stage="enrich",
            reason="ner-failed",
            error="big",
            payload=b"x" * 100,
            limit=10,
            article_id="b" * 64,
            topic=names.raw_topic,
        ),
        DeadLetter.build(stage="ingest", reason="invalid-json", error="bad", payload=b"{"),
    ]
    for record in records:
        producer.send(names.dead_letter_topic, value=record.to_json())
    producer.flush()
    consumer = make_consumer(kafka_settings, None)
    try:
        assert len(list(letters(consumer, names))) == 3
        assert [x.reason for _r, x in letters(consumer, names, stage="ingest")] == ["invalid-json"]
        assert republish(consumer, producer, names, "enrich") == (1, 1)  # truncated one skipped
        with pytest.raises(UsageError, match="only enrich and indexer"):
            republish(consumer, producer, names, "ingest")
    finally:
        consumer.close()
        producer.close()
    (replayed,) = read_all(kafka_settings, names.raw_topic)
    assert replayed.value == b'{"a": 1}'
    assert replayed.key == b"a" * 64


def test_republish_reports_payloads_kafka_refused(
    kafka_settings: KafkaSettings, names: Names
) -> None:
    ensure_topics(kafka_settings, [names.dead_letter_topic, names.raw_topic])
    strict = f"{names.raw_topic}-strict"
    admin = make_admin(kafka_settings)
    try:  # a topic taking records of 2 KB at most
        admin.create_topics([NewTopic(strict, 1, 1, topic_configs={"max.message.bytes": "2048"})])
    finally:
        admin.close()
    big = os.urandom(4000).hex().encode()  # incompressible: stays over the limit
    letter = DeadLetter.build(
        stage="indexer",
        reason="es-rejected",
        error="x",
        payload=big,
        article_id="a" * 64,
        topic=strict,
        partition=0,
        offset=0,
    )
    producer = make_producer(kafka_settings)
    producer.send(names.dead_letter_topic, value=letter.to_json()).get(timeout=30)
    consumer = make_consumer(kafka_settings, None)
    try:
        with pytest.raises(
            RepublishError, match="0 re-published, but Kafka did not take 1"
        ) as info:
            republish(consumer, producer, names, "indexer")
    finally:
        consumer.close()
        producer.close()
    assert "a" * 64 in str(info.value)
    assert "MessageSizeTooLarge" in str(info.value)


def test_replay_resets_a_stopped_group(kafka_settings: KafkaSettings, names: Names) -> None:
    ensure_topics(kafka_settings, [names.enriched_topic])
    producer = make_producer(kafka_settings)
    for i in range(9):
        producer.send(names.enriched_topic, key=f"k{i}".encode(), value=b"{}")
    producer.flush()
    producer.close()
    member = make_consumer(kafka_settings, names.indexer_group)
    member.subscribe([names.enriched_topic])
    seen = 0
    while seen < 9:
        seen += sum(len(batch) for batch in member.poll(timeout_ms=1000).values())
    member.commit()
    admin = make_admin(kafka_settings)
    consumer = make_consumer(kafka_settings, None)
    try:
        with pytest.raises(GroupActiveError):
            reset_offsets(admin, consumer, names.indexer_group, names.enriched_topic)
        member.close()
        targets = reset_offsets(admin, consumer, names.indexer_group, names.enriched_topic)
        assert set(targets.values()) == {0}
        committed = admin.list_group_offsets(names.indexer_group)[names.indexer_group]
        assert {meta.offset for meta in committed.values()} == {0}
        future = reset_offsets(
            admin,
            consumer,
            names.indexer_group,
            names.enriched_topic,
            since=datetime.now(UTC) + timedelta(hours=1),
        )
        end = consumer.end_offsets(list(future))
        assert future == end  # nothing after that time: positioned at the end
        assert sum(end.values()) == 9
    finally:
        consumer.close()
        admin.close()
