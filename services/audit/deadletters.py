"""Inspecting and re-publishing dead letters.

Listing reads the dead-letter topic from the start (optionally filtered by stage and reason).
Re-publishing sends the original payload of enrich/indexer dead letters back to the topic the
record came from (raw or enriched), so a fixed service processes it again; ingest dead letters
are inputs that never became articles: fix the input and send it again instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from services.audit.reconcile import read_topic
from shared.deadletter import DeadLetter
from shared.names import Names


def letters(
    consumer: KafkaConsumer, names: Names, stage: str | None = None, reason: str | None = None
) -> Iterator[tuple[Any, DeadLetter]]:
    for record in read_topic(consumer, names.dead_letter_topic):
        try:
            letter = DeadLetter.model_validate(json.loads(record.value))
        except ValueError:
            continue
        if (stage is None or letter.stage == stage) and (reason is None or letter.reason == reason):
            yield record, letter


def republish(
    consumer: KafkaConsumer,
    producer: KafkaProducer,
    names: Names,
    stage: str,
    reason: str | None = None,
) -> tuple[int, int]:
    """Send the payloads back to their source topic; return (re-published, skipped).

    Truncated payloads cannot be re-published whole and are skipped (and counted).
    """
    if stage not in ("enrich", "indexer"):
        raise ValueError("only enrich and indexer dead letters carry an article to re-publish")
    sent = skipped = 0
    for _record, letter in letters(consumer, names, stage, reason):
        if letter.payload_truncated or not letter.topic:
            skipped += 1
            continue
        producer.send(
            letter.topic,
            key=letter.article_id.encode() if letter.article_id else None,
            value=letter.payload.encode(),
            headers=[("replayed-from", names.dead_letter_topic.encode())],
        )
        sent += 1
    producer.flush()
    return sent, skipped
