"""Against the real local broker: keyed produce/consume with the shared client factories."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from shared.kafka import (
    ensure_topics,
    make_admin,
    make_consumer,
    make_producer,
    murmur2,
    topic_record_limit,
)
from shared.names import Names
from shared.settings import KafkaSettings


# Test vectors of the Java client's Utils.murmur2 (signed 32-bit results there).
@pytest.mark.parametrize(
    ("key", "java"),
    [
        (b"21", -973932308),
        (b"foobar", -790332482),
        (b"a-little-bit-long-string", -985981536),
        (b"a-little-bit-longer-string", -1486304829),
        (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        (b"abc", 479470107),
    ],
)
def test_murmur2_matches_the_java_client(key: bytes, java: int) -> None:
    assert murmur2(key) == java & 0xFFFFFFFF


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=100))
def test_murmur2_matches_kafka_python(key: bytes) -> None:
    assert murmur2(key) == kafka_python_murmur2(key)


@pytest.mark.integration
def test_ensure_topics_is_idempotent(kafka_settings: KafkaSettings, names: Names) -> None:
    assert sorted(ensure_topics(kafka_settings, names.topics())) == sorted(names.topics())
    assert ensure_topics(kafka_settings, names.topics()) == []
    admin = make_admin(kafka_settings)
    try:
        described = admin.describe_topics([names.raw_topic])
    finally:
        admin.close()
    assert len(described[0]["partitions"]) == kafka_settings.partitions
    assert topic_record_limit(kafka_settings, names.raw_topic) == kafka_settings.max_request_bytes


@pytest.mark.integration
def test_created_topics_take_what_the_producers_send(
    kafka_settings: KafkaSettings, names: Names
) -> None:
    smaller = kafka_settings.model_copy(update={"max_request_bytes": 2 * 1024 * 1024})
    ensure_topics(smaller, [names.raw_topic])
    # The topic's own max.message.bytes, not the broker default (8 MiB here).
    assert topic_record_limit(kafka_settings, names.raw_topic) == 2 * 1024 * 1024


@pytest.mark.integration
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


@pytest.mark.integration
def test_keyed_records_land_where_the_default_partitioner_puts_them(
    kafka_settings: KafkaSettings, names: Names
) -> None:
    topic = names.raw_topic
    ensure_topics(kafka_settings, [topic], partitions=5)
    producer = make_producer(kafka_settings)
    keys = [f"{i:064x}".encode() for i in range(200)]
    futures = [producer.send(topic, key=key, value=b"x") for key in keys]
    producer.flush()
    landed = [future.get(timeout=30).partition for future in futures]
    producer.close()
    assert landed == [(kafka_python_murmur2(key) & 0x7FFFFFFF) % 5 for key in keys]
    assert len(set(landed)) == 5


@pytest.mark.integration
def test_topics_get_replication_and_min_isr_from_the_cluster(
    kafka_settings: KafkaSettings, names: Names
) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType

    from shared.kafka import make_admin, replication_shortfalls

    ensure_topics(kafka_settings, [names.feeds_topic], compacted=True)
    admin = make_admin(kafka_settings)
    try:
        described = admin.describe_topics([names.feeds_topic])[0]
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, names.feeds_topic, None)],
            config_filter="all",
        )["topic"][names.feeds_topic]
    finally:
        admin.close()
    # One broker here: RF min(3, 1) = 1, min ISR max(1, RF - 1) = 1.
    assert {len(p["replica_nodes"]) for p in described["partitions"]} == {1}
    assert configs["min.insync.replicas"]["value"] == "1"
    assert configs["cleanup.policy"]["value"] == "compact"
    assert replication_shortfalls(kafka_settings, [names.feeds_topic]) == []
    wanting_more = kafka_settings.model_copy(update={"replication_factor": 3})
    (problem,) = replication_shortfalls(wanting_more, [names.feeds_topic])
    assert problem.startswith(f"{names.feeds_topic}: replication factor 1 (wanted 3)")


def test_replication_defaults_follow_the_cluster_size() -> None:
    settings = KafkaSettings()
    assert settings.replication_for(1) == (1, 1)
    assert settings.replication_for(2) == (2, 1)
    assert settings.replication_for(3) == (3, 2)
    assert settings.replication_for(5) == (3, 2)
    assert KafkaSettings(replication_factor=2, min_insync_replicas=5).replication_for(3) == (2, 2)
