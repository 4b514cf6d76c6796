"""kafka-python client factories and topic set-up, configured from ``KafkaSettings``.

Producers are durable by default (acks=all, idempotence, retries) because every stage promises
at-least-once delivery; consumers never auto-commit, so offsets move only after a sink wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from shared.settings import KafkaSettings

log = logging.getLogger(__name__)


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
