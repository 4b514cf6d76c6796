"""`newswire index`: run the indexer.

Exit codes: 0 stopped cleanly (SIGTERM/SIGINT, or caught up with --burst); 1 cannot start
(Kafka or Elasticsearch unreachable: the message says which); with --check, 0 when both answer.
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from services.indexer.consumer import Indexer
from services.indexer.metrics import IndexerMetrics
from services.indexer.settings import IndexerSettings
from shared.elasticsearch import make_client
from shared.index import ensure_index
from shared.kafka import ensure_topics, make_consumer, make_producer

log = logging.getLogger(__name__)
console = Console(stderr=True)


def index(
    burst: Annotated[bool, typer.Option("--burst", help="Drain the topic, then exit.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 0 if Kafka and ES answer.")] = False,
) -> None:
    """Write enriched articles to Elasticsearch (bulk, idempotent, commit after write)."""
    settings = IndexerSettings()
    names = settings.names
    es = make_client(settings.es)
    try:
        es.cluster.health(timeout="5s")
        ensure_topics(settings.kafka, names.topics())
    except Exception as exc:  # report any start-up failure plainly
        console.print(f"[red]cannot start:[/red] {exc}")
        es.close()
        raise typer.Exit(1) from exc
    if check:
        es.close()
        console.print("ok: Kafka and Elasticsearch answer")
        return
    ensure_index(es, names, datetime.now(UTC))
    metrics = IndexerMetrics()
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, registry=metrics.registry)
    consumer = make_consumer(
        settings.kafka,
        names.indexer_group,
        client_id=f"{settings.kafka.client_id}-indexer",
        max_poll_records=settings.batch_size,
    )
    producer = make_producer(settings.kafka, client_id=f"{settings.kafka.client_id}-indexer")
    indexer = Indexer(settings, consumer, producer, es, metrics)

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal received signal=%s: finishing the current batch", signum)
        indexer.stop_event.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        indexer.run(burst=burst)
    finally:
        consumer.close(autocommit=False)
        producer.flush(timeout=settings.shutdown_timeout_s)
        producer.close(timeout=settings.shutdown_timeout_s)
        es.close()
