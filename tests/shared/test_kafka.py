"""Against the real local broker: keyed produce/consume with the shared client factories."""

from __future__ import annotations

import pytest

from shared.kafka import ensure_topics, make_admin, make_consumer, make_producer
from shared.names import Names
from shared.settings import KafkaSettings

pytestmark = pytest.mark.integration


def test_ensure_topics_is_idempotent(kafka_settings: KafkaSettings, names: Names) -> None:
    assert sorted(ensure_topics(kafka_settings, names.topics())) == sorted(names.topics())
    assert ensure_topics(kafka_settings, names.topics()) == []
    admin = make_admin(kafka_settings)
    try:
        described = admin.describe_topics([names.raw_topic])
    finally:
        admin.close()
    assert len(described[0]["partitions"]) == kafka_settings.partitions


def test_keyed_messages_round_trip_in_order(kafka_settings: KafkaSettings, names: Names) -> None:
    topic = names.raw_topic
    ensure_topics(kafka_settings, [topic])
    producer = make_producer(kafka_settings)
    sent: dict[bytes, list[bytes]] = {}
    partition_of: dict[bytes, set[int]] = {}
    for i in range(60):
        key = f"article-{i % 7}".encode()
        value = f"{i}".encode()
        sent.setdefault(key, []).append(value)
        producer.send(topic, key=key, value=value, headers=[("schema-version", b"1")])
    producer.flush()
    producer.close()

    consumer = make_consumer(kafka_settings, names.indexer_group, consumer_timeout_ms=10_000)
    consumer.subscribe([topic])
    received: dict[bytes, list[bytes]] = {}
    for count, message in enumerate(consumer, start=1):
        received.setdefault(message.key, []).append(message.value)
        partition_of.setdefault(message.key, set()).add(message.partition)
        assert dict(message.headers) == {"schema-version": b"1"}
        if count == 60:
            break
    consumer.commit()
    consumer.close()
    # Same key -> same partition -> per-key order preserved.
    assert received == sent
    assert all(len(parts) == 1 for parts in partition_of.values())
