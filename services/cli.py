"""The `newswire` command: a thin dispatcher to each app's own CLI.

Exit codes: 0 success; 1 failure (the message says why); 2 bad usage.
"""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from shared.logging import configure_logging


def setup() -> None:
    """Create the topics and the index template, monthly index and aliases (idempotent)."""
    from shared.elasticsearch import make_client
    from shared.index import ensure_index
    from shared.kafka import ensure_topics
    from shared.settings import ElasticsearchSettings, KafkaSettings, NamespaceSettings

    names = NamespaceSettings().names
    kafka = KafkaSettings()
    created = ensure_topics(kafka, names.topics())
    typer.echo(f"topics: {', '.join(names.topics())} ({len(created)} created)")
    client = make_client(ElasticsearchSettings())
    try:
        index = ensure_index(client, names, datetime.now(UTC))
    finally:
        client.close()
    typer.echo(f"index: {index} (write alias {names.write_alias}, read alias {names.read_alias})")


def build() -> typer.Typer:
    from services.audit.cli import audit_command, dead_letters_command, replay_command
    from services.dedup.cli import dedup
    from services.enrich.cli import enrich
    from services.indexer.cli import index
    from services.infra.cli import app as infra
    from services.infra.cli import stack_down, stack_status, stack_up
    from services.ingest.cli import feeds_app, ingest_app
    from services.lag.cli import app as lag
    from services.search.cli import search_app

    root = typer.Typer(
        help="newswire: news ingestion, enrichment and search on Kafka + Elasticsearch.",
        no_args_is_help=True,
    )
    root.add_typer(infra, name="infra")
    root.command("up")(stack_up)
    root.command("down")(stack_down)
    root.command("status")(stack_status)
    root.add_typer(ingest_app, name="ingest")
    root.add_typer(feeds_app, name="feeds")
    root.add_typer(lag, name="lag")
    root.add_typer(search_app, name="search")
    root.command("setup")(setup)
    root.command("dedup")(dedup)
    root.command("enrich")(enrich)
    root.command("index")(index)
    root.command("audit")(audit_command)
    root.command("dead-letters")(dead_letters_command)
    root.command("replay")(replay_command)
    return root


def main() -> None:
    configure_logging()
    build()()
