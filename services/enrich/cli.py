"""`newswire enrich`: one enrich worker (run several: they share the raw topic's partitions).

Exit codes: 0 stopped cleanly (SIGTERM/SIGINT); 1 cannot start (a model is missing, Kafka
unreachable); 70 Kafka kept refusing outputs (nothing acked: the batch is redelivered).
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console

from services.enrich.settings import EnrichSettings

log = logging.getLogger(__name__)
console = Console(stderr=True)


def enrich(
    web_port: Annotated[
        int | None, typer.Option(help="/metrics port (default NEWSWIRE_ENRICH_WEB_PORT).")
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Worker log level.")] = "info",
) -> None:
    """Tag raw articles with language and entities; publish them to the enriched topic."""
    import faust

    from services.enrich.app import create_app
    from services.enrich.enricher import Enricher
    from services.enrich.entities import EntityExtractor
    from services.enrich.language import LanguageDetector
    from services.enrich.metrics import EnrichMetrics
    from shared.kafka import ensure_topics, topic_value_limit

    settings = EnrichSettings()
    if web_port is not None:
        settings = settings.model_copy(update={"web_port": web_port})
    try:
        ensure_topics(settings.kafka, settings.names.topics())
        value_limit = topic_value_limit(settings.kafka, settings.names.enriched_topic)
        # Models load here, once, before the worker joins its group.
        enricher = Enricher(settings, LanguageDetector(settings), EntityExtractor(settings))
    except Exception as exc:  # report any start-up failure plainly
        console.print(f"[red]cannot start:[/red] {exc}")
        raise typer.Exit(1) from exc
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings, enricher, EnrichMetrics(), value_limit=value_limit)
    worker = faust.Worker(app, loglevel=loglevel, redirect_stdouts=False)
    worker.execute_from_commandline()
