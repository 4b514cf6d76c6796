"""`newswire enrich`: one enrich worker (run several: they share the raw topic's partitions).

The worker runs under ``shared.lifecycle.Lifecycle`` (``shared.streams.run_worker``): SIGTERM or
SIGINT stops it gracefully (acked offsets committed, clients closed), a second one at once.
Start-up checks the cheap things first: the spaCy pipelines installed, Kafka reachable (topics
created, the enriched topic's record limit read); then the models load, once, before the worker
joins its group.

Exit codes (``shared.errors.ExitCode``): 0 stopped by SIGTERM/SIGINT; 1 the worker crashed;
2 bad usage or settings, or a model the settings name is not installed (installing it helps,
restarting does not); 3 Kafka unreachable at start, or Kafka kept refusing outputs (that batch
is not acked: it is redelivered).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from services.enrich.enricher import Enricher
from services.enrich.settings import EnrichSettings
from shared.errors import ExitCode, UnavailableError
from shared.lifecycle import Lifecycle

log = logging.getLogger(__name__)
console = Console(stderr=True)


def enrich(
    port: Annotated[
        int | None, typer.Option(help="Port of /metrics (default NEWSWIRE_ENRICH_PORT, 6066).")
    ] = None,
    host: Annotated[
        str | None, typer.Option(help="Address of /metrics (default NEWSWIRE_ENRICH_HOST).")
    ] = None,
    web_port: Annotated[
        int | None, typer.Option("--web-port", hidden=True, help="Old name of --port.")
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Log level: debug, info, warning...")] = "info",
) -> None:
    """Tag raw articles with language and entities; publish them to the enriched topic."""
    level = loglevel.upper()
    if level not in logging.getLevelNamesMapping():
        console.print(f"[red]unknown log level:[/red] {loglevel}")
        raise typer.Exit(int(ExitCode.USAGE))
    logging.getLogger().setLevel(level)  # handlers are the entry point's (shared.logging)
    overrides: dict[str, Any] = {"port": port if port is not None else web_port, "host": host}
    try:
        settings = EnrichSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        console.print(f"[red]bad settings:[/red] {exc}")
        raise typer.Exit(int(ExitCode.USAGE)) from exc
    raise typer.Exit(int(run(settings)))


def load_enricher(settings: EnrichSettings) -> Enricher:
    """The models: lingua + fastText, the spaCy pipelines, natasha, the gazetteer."""
    from services.enrich.entities import EntityExtractor
    from services.enrich.language import LanguageDetector

    return Enricher(settings, LanguageDetector(settings), EntityExtractor(settings))


def run(
    settings: EnrichSettings, load: Callable[[EnrichSettings], Enricher] | None = None
) -> ExitCode:
    """Check, load (``load_enricher`` unless told), serve until stopped, close; how it ended."""
    from services.enrich.app import EnrichStage
    from services.enrich.entities import require_pipelines
    from services.enrich.metrics import EnrichMetrics
    from shared.kafka import resolved_replication
    from shared.streams import run_worker

    with Lifecycle("enrich", shutdown_timeout_s=settings.shutdown_timeout_s) as life:
        require_pipelines(settings.pipelines)
        value_limit = prepare_kafka(settings)
        enricher = (load or load_enricher)(settings)
        settings.worker_dir.mkdir(parents=True, exist_ok=True)
        factor, _min_isr = resolved_replication(settings.kafka)
        stage = EnrichStage(
            settings,
            enricher,
            EnrichMetrics(),
            life,
            value_limit=value_limit,
            replication_factor=factor,
        )
        run_worker(life, stage.app)
    return life.exit_code


def prepare_kafka(settings: EnrichSettings) -> int:
    """Create the topics that are missing; the largest value the enriched topic takes."""
    from kafka.errors import KafkaError

    from shared.kafka import ensure_topics, reachable, topic_value_limit

    servers = settings.kafka.bootstrap_servers
    if not reachable(settings.kafka, settings.kafka.request_timeout_ms / 1000):
        raise UnavailableError(f"Kafka is unreachable at {servers}: no broker accepts connections")
    try:
        ensure_topics(settings.kafka, settings.names.topics())
    except KafkaError as exc:
        raise UnavailableError(f"Kafka is unreachable at {servers}: {exc}") from exc
    return topic_value_limit(settings.kafka, settings.names.enriched_topic)
