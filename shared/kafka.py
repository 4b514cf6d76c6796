"""kafka-python client factories and topic set-up, configured from ``KafkaSettings``.

Producers are durable by default (acks=all, idempotence, retries) because every stage promises
at-least-once delivery; consumers never auto-commit, so offsets move only after a sink wrote.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import TopicAlreadyExistsError
from kafka.partitioner import DefaultPartitioner

from shared.models import SCHEMA_VERSION, EnrichedArticle, RawArticle
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)


_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's key hash (Java's ``Utils.murmur2``), the same value as kafka-python's, in half
    its time: words unpacked at once, masks only where a product can overflow 32 bits."""
    length = len(data)
    h = 0x9747B28C ^ length
    whole = length & ~3
    for k in struct.unpack_from(f"<{length >> 2}I", data):
        k = (k * _M) & _MASK
        h = ((h * _M) & _MASK) ^ (((k ^ (k >> 24)) * _M) & _MASK)
    rest = length & 3
    if rest:
        if rest == 3:
            h ^= data[whole + 2] << 16
        if rest >= 2:
            h ^= data[whole + 1] << 8
        h = ((h ^ data[whole]) * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    return h ^ (h >> 15)


class KeyHashPartitioner(DefaultPartitioner):  # type: ignore[misc]
    """Kafka's default partitioning (keyed records: murmur2 of the key modulo the partition
    count, as the Java client and kafka-python do), with the faster hash above."""

    def partition(
        self,
        topic: str,
        key: object,
        serialized_key: bytes | None,
        value: object,
        serialized_value: bytes | None,
        cluster: Any,
    ) -> int:
        partitions = cluster.partitions_for_topic(topic)
        if serialized_key is None or not partitions:  # random partition, or the unknown-topic error
            result: int = super().partition(
                topic, key, serialized_key, value, serialized_value, cluster
            )
            return result
        index = (murmur2(serialized_key) & 0x7FFFFFFF) % len(partitions)
        return int(sorted(partitions)[index])


def make_producer(settings: KafkaSettings, **overrides: Any) -> KafkaProducer:
    config: dict[str, Any] = {
        "bootstrap_servers": settings.servers,
        "client_id": settings.client_id,
        "acks": "all",
        "enable_idempotence": True,
        "compression_type": None
        if settings.compression_type == "none"
        else settings.compression_type,
        "linger_ms": 20,
        "batch_size": 256 * 1024,
        "request_timeout_ms": settings.request_timeout_ms,
        "max_request_size": settings.max_request_bytes,
        "partitioner": KeyHashPartitioner(),
    }
    config.update(overrides)
    return KafkaProducer(**config)


def make_consumer(settings: KafkaSettings, group_id: str | None, **overrides: Any) -> KafkaConsumer:
    config: dict[str, Any] = {
        "bootstrap_servers": settings.servers,
        "client_id": settings.client_id,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "request_timeout_ms": max(settings.request_timeout_ms, 30_001),
    }
    config.update(overrides)
    return KafkaConsumer(**config)


def make_admin(settings: KafkaSettings) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=settings.servers,
        client_id=f"{settings.client_id}-admin",
        request_timeout_ms=settings.request_timeout_ms,
    )


def reachable(settings: KafkaSettings) -> bool:
    """Whether a bootstrap server accepts TCP connections (within ``request_timeout_ms``).

    Worth asking before opening a client that may not bootstrap: kafka-python 3.0 leaves an IO
    thread and an unclosed socket behind each client whose bootstrap fails.
    """
    timeout_s = settings.request_timeout_ms / 1000
    for server in settings.servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False


def ensure_topics(
    settings: KafkaSettings, topics: Iterable[str], partitions: int | None = None
) -> list[str]:
    """Create the topics that do not exist yet; return the ones created. Safe to run twice."""
    admin = make_admin(settings)
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(
                name=t,
                num_partitions=partitions or settings.partitions,
                replication_factor=settings.replication_factor,
                # Takes whatever our producers may send, whatever the broker's default.
                topic_configs={"max.message.bytes": str(settings.max_request_bytes)},
            )
            for t in dict.fromkeys(topics)
            if t not in existing
        ]
        created: list[str] = []
        for topic in wanted:
            try:
                admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass  # created concurrently by another process: that is what we wanted
        if created:
            log.info("created topics topics=%s", ",".join(created))
        return created
    finally:
        admin.close()


def article_headers(article: RawArticle | EnrichedArticle) -> list[tuple[str, bytes]]:
    """The headers of an article record, raw or enriched (consumers may route on them without
    decoding the value)."""
    headers = [
        ("schema-version", str(SCHEMA_VERSION).encode()),
        ("source", article.source.encode()),
        ("source-kind", article.source_kind.encode()),
        ("content-type", b"application/json"),
    ]
    if isinstance(article, EnrichedArticle):
        headers.append(("language", article.language.encode()))
    return headers


# Room a record needs besides its value: key, headers and batch framing.
RECORD_OVERHEAD = 1024


def topic_value_limit(settings: KafkaSettings, topic: str) -> int:
    """The largest value a record to ``topic`` may carry (``topic_record_limit`` less the
    room for key, headers and framing)."""
    return topic_record_limit(settings, topic) - RECORD_OVERHEAD


def topic_record_limit(settings: KafkaSettings, topic: str) -> int:
    """The largest record ``topic`` takes: its ``max.message.bytes``, capped by what our
    producers send (``max_request_bytes``).

    Worth checking before sending: with idempotence on, a record the broker refuses as too
    large leaves a kafka-python producer failing every later send too.
    """
    admin = make_admin(settings)
    try:
        described = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, {"max.message.bytes": None})],
            config_filter="all",
        )
        value = described.get("topic", {}).get(topic, {}).get("max.message.bytes", {})["value"]
        return min(settings.max_request_bytes, int(value))
    except Exception as exc:  # no right to describe configs, old broker: the producer's limit
        log.warning("topic limit unknown topic=%s error=%r", topic, exc)
        return settings.max_request_bytes
    finally:
        admin.close()
