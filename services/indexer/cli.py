"""`newswire index`: run the indexer.

Exit codes (``shared.errors.ExitCode``): 0 stopped cleanly (SIGTERM/SIGINT, or caught up with
--burst), and with --check: Kafka and Elasticsearch both answer; 1 the HTTP surface cannot bind
its port, or an unexpected failure; 2 bad usage or settings; 3 Kafka or Elasticsearch cannot be
reached (the message says which), or Kafka did not acknowledge a dead letter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch
from kafka.errors import KafkaError
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from services.indexer.consumer import Indexer
from services.indexer.metrics import IndexerMetrics
from services.indexer.server import HttpSurface
from services.indexer.settings import IndexerSettings
from shared.elasticsearch import make_client
from shared.errors import ExitCode, NewswireError, UnavailableError
from shared.index import ensure_index
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.lifecycle import Lifecycle

console = Console(stderr=True)
ES_ERRORS = (TransportError, ApiError)
KAFKA_ERRORS = (KafkaError, OSError)


def index(
    burst: Annotated[bool, typer.Option("--burst", help="Drain the topic, then exit.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 0 if Kafka and ES answer.")] = False,
    host: Annotated[
        str | None, typer.Option(help="/metrics and /healthz host; default NEWSWIRE_INDEXER_HOST.")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=0, max=65535, help="Their port (0: none); default NEWSWIRE_INDEXER_PORT."),
    ] = None,
) -> None:
    """Write enriched articles to Elasticsearch (bulk, idempotent, commit after write)."""
    settings = _settings(host=host, port=port)
    with Lifecycle("indexer", shutdown_timeout_s=settings.shutdown_timeout_s) as life:
        es = life.resource(make_client(settings.es), Elasticsearch.close, "elasticsearch")
        _reach(settings, es)
        if check:
            console.print("ok: Kafka and Elasticsearch answer")
        else:
            _serve(life, settings, es, burst=burst)
    raise typer.Exit(int(life.exit_code))


def _settings(**overrides: Any) -> IndexerSettings:
    """The settings, flags first; a bad value ends the command with the usage code."""
    try:
        return IndexerSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        console.print(f"[red]bad settings:[/red] {escape(str(exc))}")
        raise typer.Exit(int(ExitCode.USAGE)) from exc


@contextmanager
def _reaching(what: str, where: str, errors: tuple[type[Exception], ...]) -> Iterator[None]:
    try:
        yield
    except errors as exc:
        raise UnavailableError(f"cannot reach {what} at {where}: {exc}") from exc


def _reach(settings: IndexerSettings, es: Elasticsearch) -> None:
    """Both servers answer (and the topics exist), or ``UnavailableError`` naming the one."""
    with _reaching("Elasticsearch", settings.es.url, ES_ERRORS):
        es.cluster.health(timeout="5s")
    with _reaching("Kafka", settings.kafka.bootstrap_servers, KAFKA_ERRORS):
        ensure_topics(settings.kafka, settings.names.topics())


def _serve(life: Lifecycle, settings: IndexerSettings, es: Elasticsearch, *, burst: bool) -> None:
    names = settings.names
    with _reaching("Elasticsearch", settings.es.url, ES_ERRORS):
        ensure_index(es, names, datetime.now(UTC))
    client_id = f"{settings.kafka.client_id}-indexer"
    timeout = settings.shutdown_timeout_s
    with _reaching("Kafka", settings.kafka.bootstrap_servers, KAFKA_ERRORS):
        producer = life.resource(
            make_producer(settings.kafka, client_id=client_id),
            lambda p: (p.flush(timeout=timeout), p.close(timeout=timeout)),
            "producer",
        )
        consumer = life.resource(
            make_consumer(
                settings.kafka,
                names.indexer_group,
                client_id=client_id,
                max_poll_records=settings.batch_size,
            ),
            lambda c: c.close(autocommit=False),
            "consumer",
        )
    metrics = IndexerMetrics()
    indexer = Indexer(settings, consumer, producer, es, metrics)
    life.on_stop(indexer.stop_event.set)
    if settings.port:
        surface = HttpSurface(metrics.registry, indexer.health)
        try:
            surface.start(settings.host, settings.port)
        except OSError as exc:
            raise NewswireError(
                f"cannot serve /metrics on {settings.host}:{settings.port}: {exc}"
                " (set NEWSWIRE_INDEXER_PORT, 0 for none)"
            ) from exc
        life.resource(surface, HttpSurface.close, "http")
    indexer.run(burst=burst)
