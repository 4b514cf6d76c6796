"""The enrich stage on faust-streaming: raw topic -> enriched topic (+ dead letters).

Delivery: events are taken in batches (``noack_take``: faust acks nothing by itself) and this
stage acks a batch only once every output of it (enriched article or dead letter) is
acknowledged by Kafka, so an offset is committed only after its outputs exist (at-least-once;
the indexer is idempotent). Batch N's outputs are delivered while batch N+1 is enriched: the
NLP does not wait for the broker. Deliveries run one at a time, in batch order, and a batch's
events are acked together, in offset order. The order matters: faust commits the end of the
first run of consecutive acked offsets of a partition, and checks only loosely that the run
starts where the committed offset is, so an event acked before an earlier unacked one can carry
the commit past it. That is why a record that is no article is dead-lettered with its batch
rather than acked on its own.

When Kafka keeps refusing an output (``send_attempts`` tries, backing off up to
``send_retry_max_s``), the stage asks the lifecycle to stop with ``ExitCode.UNAVAILABLE``
(``life.fail``) and acks nothing more: the worker stops, commits only what was acked before, and
the process exits 3; the refused batch is redelivered to whichever worker takes its partitions
next. An unexpected error in the agent stops the worker the same way, with exit 1 (faust would
restart the agent and go on past a batch never acked). A stop or a rebalance in the middle of a
batch leaves it unacked too: redelivered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import faust
from prometheus_client import generate_latest
from pydantic import ValidationError

from services.enrich.enricher import Enricher, Failure
from services.enrich.metrics import EnrichMetrics
from services.enrich.settings import EnrichSettings
from shared import streams
from shared.deadletter import DeadLetterSink, Reason
from shared.errors import ExitCode, NotAcknowledgedError
from shared.kafka import RECORD_OVERHEAD, article_headers
from shared.lifecycle import Lifecycle
from shared.models import EnrichedArticle, RawArticle

log = logging.getLogger(__name__)

Headers = list[tuple[str, bytes]]
# (topic, key, value, headers) -> done once Kafka acknowledged the record, raises otherwise
Send = Callable[[str, bytes | None, bytes, Headers], Awaitable[object]]
Output = EnrichedArticle | Failure

_FIRST_RETRY_S = 0.5


def faust_app(settings: EnrichSettings, replication_factor: int = 1) -> faust.App:
    """The faust app of one worker: its group, its own data dir, its web port."""
    app: faust.App = streams.faust_app(
        settings.names.enrich_group,
        settings.kafka,
        host=settings.host,
        port=settings.port,
        data_dir=settings.worker_dir,
        replication_factor=replication_factor,
        session_timeout_s=settings.session_timeout_s,
        store="memory://",
    )
    return app


class EnrichStage:
    """The faust app with its topics, the dead-letter sink, the agent and ``/metrics``.

    ``enricher`` carries the loaded models (loaded once, before the worker starts).
    ``value_limit``: the largest value the enriched topic takes (``topic_value_limit``); an
    enriched article over it is dead-lettered, not retried until the worker gives up.
    ``send`` stands in for the faust producer (tests): topic, key, value, headers, done once
    acknowledged.
    """

    def __init__(
        self,
        settings: EnrichSettings,
        enricher: Enricher,
        metrics: EnrichMetrics,
        life: Lifecycle,
        *,
        value_limit: int | None = None,
        send: Send | None = None,
        replication_factor: int = 1,
    ) -> None:
        self.settings = settings
        self.enricher = enricher
        self.metrics = metrics
        self.life = life
        self.names = settings.names
        if value_limit is None:
            value_limit = settings.kafka.max_request_bytes - RECORD_OVERHEAD
        self.value_limit = value_limit
        self.app = faust_app(settings, replication_factor)
        topic_names = (
            self.names.raw_topic,
            self.names.enriched_topic,
            self.names.dead_letter_topic,
        )
        self.topics = {
            name: self.app.topic(name, key_serializer="raw", value_serializer="raw")
            for name in topic_names
        }
        self.dead_letters = DeadLetterSink(
            "enrich",
            self.names.dead_letter_topic,
            excerpt_bytes=settings.dead_letter_excerpt_bytes,
            counter=metrics.dead_letters,
        )
        self._send_once: Send = send or self._faust_send
        self.agent = self.app.agent(self.topics[self.names.raw_topic], name="enrich")(self.consume)
        self._serve_metrics()

    # -- the agent ------------------------------------------------------------------------

    async def consume(self, stream: Any) -> AsyncIterator[None]:
        """Batches in; each batch's outputs delivered in the background, one batch at a time."""
        delivering: asyncio.Future[None] | None = None
        try:
            async for events in stream.noack_take(
                self.settings.batch_size, within=self.settings.batch_within_s
            ):
                started = time.perf_counter()
                outputs = await self.enrich(events)
                if delivering is not None:
                    await delivering
                delivering = asyncio.ensure_future(self.deliver(stream, events, outputs))
                self.metrics.batch_seconds.observe(time.perf_counter() - started)
                yield None
            if delivering is not None:
                await delivering
        except NotAcknowledgedError:
            return  # ``send`` asked the lifecycle to stop the worker: nothing more is acked
        except Exception as exc:  # a bug: stop rather than go on with a batch never acked
            log.exception("the enrich agent failed")
            self.life.fail(ExitCode.FAILED, f"the enrich agent failed: {exc!r}")
        finally:
            # Stopping or rebalancing: an unfinished delivery is dropped unacked (redelivered).
            if delivering is not None and not delivering.done():
                delivering.cancel()

    async def enrich(self, events: Sequence[Any]) -> list[Output]:
        """One output per event, in order: the enriched article, or why it is a dead letter."""
        parsed = [_parse(event) for event in events]
        articles = [item for item in parsed if isinstance(item, RawArticle)]
        enriched = iter(await self._enrich_articles(articles))
        return [next(enriched) if isinstance(item, RawArticle) else item for item in parsed]

    async def _enrich_articles(self, articles: list[RawArticle]) -> list[Output]:
        if not articles:
            return []
        try:
            # CPU-bound NLP off the event loop, so heartbeats and fetches go on.
            loop = asyncio.get_running_loop()
            results = await loop.run_in_executor(None, self.enricher.enrich_batch, articles)
            if len(results) != len(articles):
                raise RuntimeError("enricher returned a wrong result count")
        except Exception as exc:  # a bug must not stall the stream: dead-letter the batch
            log.exception("enrichment of a batch failed")
            error = f"{type(exc).__name__}: {exc}"
            return [Failure(article.id, Reason.ENRICH_ERROR, error) for article in articles]
        return list(results)

    # -- outputs --------------------------------------------------------------------------

    async def deliver(self, stream: Any, events: Sequence[Any], outputs: list[Output]) -> None:
        """Send every output of a batch at once, await them together (one round trip, not one
        per article), and only then ack the batch's events, in order."""
        await asyncio.gather(
            *(self._deliver_one(e, output) for e, output in zip(events, outputs, strict=True))
        )
        for event in events:
            await stream.ack(event)

    async def _deliver_one(self, event: Any, output: Output) -> None:
        if isinstance(output, Failure):
            await self.dead_letter(event, output.reason, output.error, output.article_id)
        else:
            await self.publish(event, output)

    async def publish(self, event: Any, article: EnrichedArticle) -> None:
        value = article.to_json()
        if len(value) > self.value_limit:  # Kafka would refuse it on every retry
            error = (
                f"the enriched article is {len(value)} bytes as JSON; the enriched topic takes "
                f"{self.value_limit} bytes at most per article"
            )
            await self.dead_letter(event, Reason.TOO_LARGE, error, article.id)
            return
        topic = self.names.enriched_topic
        await self.send(topic, article.id.encode(), value, article_headers(article))
        self.metrics.enriched.labels(article.language).inc()
        if article.ner_truncated:
            self.metrics.truncated.inc()

    async def dead_letter(
        self, event: Any, reason: Reason, error: str, article_id: str | None
    ) -> None:
        message = event.message
        await self.dead_letters.send_async(
            partial(self.send, self.names.dead_letter_topic),
            reason,
            error,
            message.value or b"",
            article_id=article_id,
            key=message.key,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            source=self.names.raw_topic,
        )

    async def send(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> None:
        """One record, acknowledged when this returns; retried with a growing pause. When Kafka
        keeps refusing it, the lifecycle is asked to stop (exit 3) and this raises."""
        attempts = self.settings.send_attempts
        delay = min(_FIRST_RETRY_S, self.settings.send_retry_max_s)
        for attempt in range(1, attempts + 1):
            try:
                await self._send_once(topic, key, value, headers)
                return
            except Exception as exc:  # retried; then the worker stops without acking
                log.warning("send failed topic=%s attempt=%d error=%r", topic, attempt, exc)
            if attempt < attempts:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.send_retry_max_s)
        why = f"Kafka refused an output {attempts} times (topic {topic}): the batch is not acked"
        log.critical(why)
        self.life.fail(ExitCode.UNAVAILABLE, why)
        raise NotAcknowledgedError(why)

    async def _faust_send(
        self, topic: str, key: bytes | None, value: bytes, headers: Headers
    ) -> None:
        pending = await self.topics[topic].send(key=key, value=value, headers=headers, force=True)
        await pending

    # -- web ------------------------------------------------------------------------------

    def _serve_metrics(self) -> None:
        registry = self.metrics.registry

        @self.app.page("/metrics")
        async def metrics_page(web: Any, _request: Any) -> Any:
            return web.bytes(generate_latest(registry), content_type="text/plain")


def _parse(event: Any) -> RawArticle | Failure:
    try:
        return RawArticle.from_json(event.message.value)
    except (ValidationError, ValueError, TypeError) as exc:
        return Failure(None, Reason.INVALID_ARTICLE, str(exc))
