"""Reading a whole topic back in tests: every record up to the current end offsets."""

from __future__ import annotations

import time
from typing import Any

from kafka import TopicPartition

from shared.kafka import make_consumer
from shared.settings import KafkaSettings


def read_all(settings: KafkaSettings, topic: str, timeout_s: float = 20.0) -> list[Any]:
    consumer = make_consumer(settings, None)
    try:
        deadline = time.monotonic() + timeout_s
        partitions = consumer.partitions_for_topic(topic)
        while partitions is None and time.monotonic() < deadline:
            time.sleep(0.2)
            partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            return []
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        end = consumer.end_offsets(assigned)
        records: list[Any] = []
        while any(consumer.position(tp) < end[tp] for tp in assigned):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {timeout_s}s")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()
