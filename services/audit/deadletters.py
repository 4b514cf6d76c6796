"""Inspecting and re-publishing dead letters.

Listing reads the dead-letter topic from the start (optionally filtered by stage and reason).
Re-publishing sends the original payload of enrich/indexer dead letters back to the topic the
record came from (raw or enriched), so a fixed service processes it again; ingest dead letters
are inputs that never became articles: fix the input and send it again instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from services.audit.errors import RepublishError
from services.audit.reconcile import read_topic
from shared.deadletter import DeadLetter
from shared.errors import UsageError
from shared.names import Names

log = logging.getLogger(__name__)


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
    *,
    timeout_s: float = 60.0,
) -> tuple[int, int]:
    """Send the payloads back to their source topic; return (re-published, skipped).

    Truncated payloads cannot be re-published whole and are skipped (and counted). Returns
    only once Kafka acknowledged every payload; raise ``RepublishError`` naming the ones it
    did not take (the dead letters stay where they are, so running again retries them).
    """
    if stage not in ("enrich", "indexer"):
        raise UsageError("only enrich and indexer dead letters carry an article to re-publish")
    skipped = 0
    sent: list[tuple[DeadLetter, Any]] = []
    failed: list[str] = []
    for _record, letter in letters(consumer, names, stage, reason):
        if letter.payload_truncated or not letter.topic:
            skipped += 1
            continue
        try:
            future = producer.send(
                letter.topic,
                key=letter.article_id.encode() if letter.article_id else None,
                value=letter.payload.encode(),
                headers=[("replayed-from", names.dead_letter_topic.encode())],
            )
        except Exception as exc:  # e.g. a payload over the producer's size limit
            failed.append(f"{letter.article_id or '?'}: {exc!r}")
            continue
        sent.append((letter, future))
    wait_s = timeout_s
    try:
        producer.flush(timeout=timeout_s)
    except Exception as exc:  # broker slow or away: what is not acknowledged now is reported
        log.warning("flush failed while re-publishing error=%r", exc)
        wait_s = 0
    acknowledged = 0
    for letter, future in sent:
        try:
            future.get(timeout=wait_s)
        except Exception as exc:
            failed.append(f"{letter.article_id or '?'}: {exc!r}")
        else:
            acknowledged += 1
    if failed:
        raise RepublishError(
            f"{acknowledged} re-published, but Kafka did not take {len(failed)} payload(s): "
            + "; ".join(failed[:20])
            + (f"; and {len(failed) - 20} more" if len(failed) > 20 else "")
            + " (the dead letters are kept: running again sends every matching one again, "
            "harmless as the services are idempotent)"
        )
    return acknowledged, skipped
