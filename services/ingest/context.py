"""Opening ingest's resources (topics, producer) as one publisher."""

from __future__ import annotations

from kafka.errors import KafkaError

from services.ingest.errors import KafkaUnavailableError
from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import Publisher
from services.ingest.settings import IngestSettings
from shared.kafka import ensure_topics, make_producer, topic_value_limit


def open_publisher(settings: IngestSettings, metrics: IngestMetrics) -> Publisher:
    """The publisher, its topics created; ``KafkaUnavailableError`` when no broker answers."""
    names = settings.names
    try:
        ensure_topics(
            settings.kafka, [names.incoming_topic, names.raw_topic, names.dead_letter_topic]
        )
        producer = make_producer(settings.kafka, client_id=f"{settings.kafka.client_id}-ingest")
    except KafkaError as exc:
        raise KafkaUnavailableError(
            f"Kafka is unreachable at {settings.kafka.bootstrap_servers}: {exc!r}"
        ) from exc
    # The dedup stage forwards each article to the raw topic as it is (plus its version): an
    # article either topic would refuse is dead-lettered here, before it is sent, rather than
    # stopping the dedup stage on a record it can never write.
    limit = min(
        topic_value_limit(settings.kafka, names.incoming_topic),
        topic_value_limit(settings.kafka, names.raw_topic),
    )
    return Publisher(
        producer,
        names,
        metrics,
        excerpt_limit=settings.dead_letter_excerpt_bytes,
        value_limit=limit,
    )
