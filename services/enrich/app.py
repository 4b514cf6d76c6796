"""The faust-streaming app: raw topic -> enriched topic (+ dead letters).

Delivery: events are taken in batches (``take_events``); faust acks them only after the batch is
handed back, and this agent hands a batch back only once every output of it (enriched article or
dead letter) is acknowledged by Kafka. So an offset is committed only after its outputs exist
(at-least-once; the indexer is idempotent). If Kafka keeps refusing outputs, the process exits
without acking (a supervisor restarts it and the batch is redelivered): acking a batch whose
outputs were not written would lose it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import faust
from prometheus_client import generate_latest
from pydantic import ValidationError

from services.enrich.enricher import Enricher, Failure
from services.enrich.metrics import EnrichMetrics
from services.enrich.settings import EnrichSettings
from shared.deadletter import DeadLetter
from shared.kafka import RECORD_OVERHEAD
from shared.models import SCHEMA_VERSION, EnrichedArticle, RawArticle

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 8
EXIT_OUTPUT_UNWRITABLE = 70


def create_app(
    settings: EnrichSettings,
    enricher: Enricher,
    metrics: EnrichMetrics,
    *,
    value_limit: int | None = None,
) -> faust.App:
    """The app; ``enricher`` carries the loaded models (loaded once, before the worker starts).

    ``value_limit``: the largest value the enriched topic takes (``topic_value_limit``); an
    enriched article over it is dead-lettered, not retried until the worker gives up.
    """
    names = settings.names
    if value_limit is None:
        value_limit = settings.kafka.max_request_bytes - RECORD_OVERHEAD
    app = faust.App(
        names.enrich_group,
        broker=[f"kafka://{server}" for server in settings.kafka.servers],
        store="memory://",
        datadir=str(settings.data_dir / names.enrich_group),
        web_port=settings.web_port,
        web_bind="127.0.0.1",
        topic_partitions=settings.kafka.partitions,
        producer_acks=-1,
        producer_compression_type=(
            None if settings.kafka.compression_type == "none" else settings.kafka.compression_type
        ),
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        broker_session_timeout=settings.session_timeout_s,
        producer_max_request_size=settings.kafka.max_request_bytes,
        broker_heartbeat_interval=max(1.0, settings.session_timeout_s / 5),
    )
    raw_topic = app.topic(names.raw_topic, key_serializer="raw", value_serializer="raw")
    enriched_topic = app.topic(names.enriched_topic, key_serializer="raw", value_serializer="raw")
    dead_topic = app.topic(names.dead_letter_topic, key_serializer="raw", value_serializer="raw")

    async def send(topic: Any, key: bytes | None, value: bytes, headers: list[Any]) -> None:
        delay = 0.5
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                fut = await topic.send(key=key, value=value, headers=headers, force=True)
                await fut
                return
            except Exception as exc:  # retried; then the process stops without acking
                log.warning("send failed topic=%s attempt=%d error=%r", topic, attempt, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
        log.critical("Kafka refuses outputs: exiting without acking the batch")
        os._exit(EXIT_OUTPUT_UNWRITABLE)

    async def dead_letter(event: Any, reason: str, error: str, article_id: str | None) -> None:
        message = event.message
        letter = DeadLetter.build(
            stage="enrich",
            reason=reason,
            error=error,
            payload=message.value or b"",
            limit=settings.dead_letter_excerpt_bytes,
            article_id=article_id,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            source=names.raw_topic,
        )
        key = article_id.encode() if article_id else message.key
        headers = [("stage", b"enrich"), ("reason", reason.encode())]
        await send(dead_topic, key, letter.to_json(), headers)
        metrics.dead_letters.labels("enrich", reason).inc()
        log.warning(
            "dead-lettered reason=%s partition=%s offset=%s id=%s error=%s",
            reason,
            message.partition,
            message.offset,
            article_id,
            error[:300],
        )

    async def deliver(stream: Any, sources: list[Any], results: list[Any]) -> None:
        """Send every output of a batch at once, await them together (one round trip, not one
        per article), and only then ack the batch's events."""
        await asyncio.gather(
            *(
                dead_letter(event, result.reason, result.error, result.article_id)
                if isinstance(result, Failure)
                else publish(event, result)
                for event, result in zip(sources, results, strict=True)
            )
        )
        for event in sources:
            await stream.ack(event)

    @app.agent(raw_topic)
    async def enrich(stream: Any) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        # Batch N's outputs are delivered while batch N+1 is enriched: the NLP does not wait
        # for the broker's acknowledgements. One delivery at a time, in batch order.
        delivering: asyncio.Future[None] | None = None
        try:
            # noack_take: events are acked in ``deliver``, only once their output is in Kafka.
            # A cancellation (stop, rebalance) or a crash mid-batch leaves them unacked:
            # redelivered.
            async for events in stream.noack_take(
                settings.batch_size, within=settings.batch_within_s
            ):
                started = time.perf_counter()
                articles: list[RawArticle] = []
                sources: list[Any] = []
                for event in events:
                    try:
                        articles.append(RawArticle.from_json(event.message.value))
                        sources.append(event)
                    except (ValidationError, ValueError, TypeError) as exc:
                        await dead_letter(event, "invalid-article", str(exc), None)
                        await stream.ack(event)
                results: list[Any] = []
                if articles:
                    try:
                        # CPU-bound NLP off the event loop, so heartbeats and fetches go on.
                        results = await loop.run_in_executor(None, enricher.enrich_batch, articles)
                        if len(results) != len(articles):
                            raise RuntimeError("enricher returned a wrong result count")
                    except Exception as exc:  # a bug must not stall the stream: dead-letter
                        log.exception("enrichment of a batch failed")
                        error = f"{type(exc).__name__}: {exc}"
                        results = [Failure(a.id, "enrich-error", error) for a in articles]
                if delivering is not None:
                    await delivering
                    delivering = None
                if sources:
                    delivering = asyncio.ensure_future(deliver(stream, sources, results))
                metrics.batch_seconds.observe(time.perf_counter() - started)
                yield None
            if delivering is not None:
                await delivering
        finally:
            # Stopping or rebalancing: an unfinished delivery is dropped unacked (redelivered;
            # the indexer is idempotent).
            if delivering is not None and not delivering.done():
                delivering.cancel()

    async def publish(event: Any, article: EnrichedArticle) -> None:
        value = article.to_json()
        if len(value) > value_limit:  # Kafka would refuse it on every retry
            error = (
                f"the enriched article is {len(value)} bytes as JSON; the enriched topic takes "
                f"{value_limit} bytes at most per article"
            )
            await dead_letter(event, "too-large", error, article.id)
            return
        headers = [
            ("schema-version", str(SCHEMA_VERSION).encode()),
            ("source", article.source.encode()),
            ("language", article.language.encode()),
        ]
        await send(enriched_topic, article.id.encode(), value, headers)
        metrics.enriched.labels(article.language).inc()
        if article.ner_truncated:
            metrics.truncated.inc()

    @app.page("/metrics")
    async def metrics_page(web: Any, _request: Any) -> Any:
        return web.bytes(generate_latest(metrics.registry), content_type="text/plain")

    return app
