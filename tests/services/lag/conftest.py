"""Fixtures of the lag tests: topics that are removed afterwards, producing records with chosen
timestamps, committing chosen offsets, and settings for a short status window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from services.lag.settings import LagSettings
from shared.kafka import ensure_topics, make_admin, make_consumer, make_producer
from shared.names import Names
from shared.settings import KafkaSettings

MakeTopic = Callable[[str, int], str]
Produce = Callable[..., None]
Commit = Callable[[str, str, dict[int, int]], None]
MakeSettings = Callable[..., LagSettings]


@pytest.fixture
def make_topic(kafka_settings: KafkaSettings, names: Names) -> Iterator[MakeTopic]:
    created: list[str] = []

    def make(name: str, partitions: int) -> str:
        ensure_topics(kafka_settings, [name], partitions=partitions)
        created.append(name)
        return name

    yield make
    admin = make_admin(kafka_settings)
    try:
        if created:
            admin.delete_topics(created, raise_errors=False)
        groups = [g["group_id"] for g in admin.list_groups()]
        mine = [g for g in groups if g.startswith(names.namespace + ".")]
        if mine:
            admin.delete_groups(mine)
    finally:
        admin.close()


@pytest.fixture
def produce(kafka_settings: KafkaSettings) -> Iterator[Produce]:
    producer = make_producer(kafka_settings, linger_ms=0)

    def send(topic: str, partition: int, count: int, timestamp_ms: int | None = None) -> None:
        """``count`` records to one partition, all with ``timestamp_ms`` when given."""
        for i in range(count):
            producer.send(topic, value=b"%d" % i, partition=partition, timestamp_ms=timestamp_ms)
        producer.flush()

    yield send
    producer.close()


@pytest.fixture
def commit(kafka_settings: KafkaSettings) -> Iterator[Commit]:
    """Commits offsets for a group without joining it, as a scripted consumer would."""
    consumers: dict[str, Any] = {}

    def commit_offsets(group: str, topic: str, offsets: dict[int, int]) -> None:
        consumer = consumers.get(group)
        if consumer is None:
            consumer = consumers[group] = make_consumer(kafka_settings, group)
        consumer.commit(
            {TopicPartition(topic, p): OffsetAndMetadata(o, "", -1) for p, o in offsets.items()}
        )

    yield commit_offsets
    for consumer in consumers.values():
        consumer.close()


@pytest.fixture
def lag_settings(kafka_settings: KafkaSettings, names: Names) -> MakeSettings:
    def build(**overrides: Any) -> LagSettings:
        options: dict[str, Any] = {
            "namespace": names.namespace,
            "kafka": kafka_settings,
            "connect_timeout_s": 10.0,
            "fetch_timeout_s": 2.0,
            **overrides,
        }
        return LagSettings(**options)

    return build
