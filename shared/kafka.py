"""kafka-python client factories and topic set-up, configured from ``KafkaSettings``.

Producers are durable by default (acks=all, idempotence, retries) because every stage promises
at-least-once delivery; consumers never auto-commit, so offsets move only after a sink wrote.
"""

from __future__ import annotations

import logging
import socket
import struct
import time
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
        # An unreachable broker fails within the request timeout (its default: 30 s, as before).
        bootstrap_timeout_ms=settings.request_timeout_ms,
    )


def reachable(settings: KafkaSettings, timeout_s: float) -> bool:
    """Whether a bootstrap server accepts a TCP connection within ``timeout_s``.

    Worth asking before building a client: kafka-python leaves an IO thread and an open socket
    behind each client whose bootstrap fails, and waits 30 s before it does.
    """
    for server in settings.servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False


def cluster_replication(settings: KafkaSettings, admin: KafkaAdminClient) -> tuple[int, int]:
    """(replication factor, min.insync.replicas) for topics newswire creates on this cluster."""
    brokers = len(admin.describe_cluster().get("brokers", [])) or 1
    return settings.replication_for(brokers)


def resolved_replication(settings: KafkaSettings) -> tuple[int, int]:
    """``cluster_replication`` with an admin client of its own (faust apps need it at start)."""
    admin = make_admin(settings)
    try:
        return cluster_replication(settings, admin)
    finally:
        admin.close()


def ensure_topics(
    settings: KafkaSettings,
    topics: Iterable[str],
    partitions: int | None = None,
    *,
    compacted: bool = False,
) -> list[str]:
    """Create the topics that do not exist yet; return the ones created. Safe to run twice.

    ``compacted``: keep the newest record per key forever (feed list, poll state), instead of
    the broker's time-based retention.
    """
    admin = make_admin(settings)
    try:
        existing = set(admin.list_topics())
        factor, min_isr = cluster_replication(settings, admin)
        configs = {
            # Takes whatever our producers may send, whatever the broker's default.
            "max.message.bytes": str(settings.max_request_bytes),
            "min.insync.replicas": str(min_isr),
        }
        if compacted:
            configs["cleanup.policy"] = "compact"
        wanted = [
            NewTopic(
                name=t,
                num_partitions=partitions or settings.partitions,
                replication_factor=factor,
                topic_configs=configs,
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
            log.info(
                "created topics topics=%s replication=%d min_isr=%d",
                ",".join(created),
                factor,
                min_isr,
            )
        return created
    finally:
        admin.close()


def replication_shortfalls(settings: KafkaSettings, topics: Iterable[str]) -> list[str]:
    """Existing topics replicated less than the settings ask, one line each (for ``setup``)."""
    admin = make_admin(settings)
    try:
        factor, min_isr = cluster_replication(settings, admin)
        names = [t for t in dict.fromkeys(topics) if t in set(admin.list_topics())]
        if not names:
            return []
        described = admin.describe_topics(names)
        resources = [
            ConfigResource(ConfigResourceType.TOPIC, t, {"min.insync.replicas": None})
            for t in names
        ]
        configs = admin.describe_configs(resources, config_filter="all").get("topic", {})
        problems = []
        for topic in described:
            name = topic["name"]
            replicas = min((len(p["replica_nodes"]) for p in topic["partitions"]), default=0)
            isr_value = configs.get(name, {}).get("min.insync.replicas", {}).get("value")
            isr = int(isr_value) if isr_value is not None else 1
            if replicas < factor or isr < min_isr:
                problems.append(
                    f"{name}: replication factor {replicas} (wanted {factor}), "
                    f"min.insync.replicas {isr} (wanted {min_isr})"
                )
        return sorted(problems)
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
        # A topic created a moment ago may not have its configs on every broker yet.
        deadline = time.monotonic() + 5
        while True:
            described = admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, topic, {"max.message.bytes": None})],
                config_filter="all",
            )
            entry = described.get("topic", {}).get(topic, {}).get("max.message.bytes")
            if entry is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        value = (entry or {})["value"]
        return min(settings.max_request_bytes, int(value))
    except Exception as exc:  # no right to describe configs, old broker: the producer's limit
        log.warning("topic limit unknown topic=%s error=%r", topic, exc)
        return settings.max_request_bytes
    finally:
        admin.close()
