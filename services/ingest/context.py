"""Opening ingest's resources (topics, producer, dedup store) as one publisher."""

from __future__ import annotations

from kafka.errors import KafkaError

from services.ingest.dedup import DedupStore
from services.ingest.errors import KafkaUnavailableError
from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import Publisher
from services.ingest.settings import IngestSettings
from shared.kafka import ensure_topics, make_producer, topic_value_limit


def open_publisher(settings: IngestSettings, metrics: IngestMetrics) -> Publisher:
    """The publisher, its topics created; ``KafkaUnavailableError`` when no broker answers."""
    names = settings.names
    try:
        ensure_topics(settings.kafka, names.topics())
        producer = make_producer(settings.kafka, client_id=f"{settings.kafka.client_id}-ingest")
    except KafkaError as exc:
        raise KafkaUnavailableError(
            f"Kafka is unreachable at {settings.kafka.bootstrap_servers}: {exc!r}"
        ) from exc
    return Publisher(
        producer,
        names,
        DedupStore(settings.dedup_db),
        metrics,
        excerpt_limit=settings.dead_letter_excerpt_bytes,
        value_limit=topic_value_limit(settings.kafka, names.raw_topic),
    )
