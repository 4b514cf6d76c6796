"""Opening ingest's resources (topics, producer, dedup store) as one publisher."""

from __future__ import annotations

from services.ingest.dedup import DedupStore
from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import Publisher
from services.ingest.settings import IngestSettings
from shared.kafka import ensure_topics, make_producer, topic_value_limit


def open_publisher(settings: IngestSettings, metrics: IngestMetrics) -> Publisher:
    names = settings.names
    ensure_topics(settings.kafka, names.topics())
    producer = make_producer(settings.kafka, client_id=f"{settings.kafka.client_id}-ingest")
    return Publisher(
        producer,
        names,
        DedupStore(settings.dedup_db),
        metrics,
        excerpt_limit=settings.dead_letter_excerpt_bytes,
        value_limit=topic_value_limit(settings.kafka, names.raw_topic),
    )
