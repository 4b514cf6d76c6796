"""The `newswire` command: a thin dispatcher to each app's own CLI.

Every command ends with a code of the one table in the README and ``shared.errors.ExitCode``:
0 done, 1 the answer is "no" (or some work failed), 2 bad usage or settings, 3 Kafka or
Elasticsearch unreachable. ``setup``: 0 done (also when existing topics are replicated less
than the settings ask: it warns, as it cannot change their replication), 2 bad settings, 3 a
server unreachable.
"""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from shared.errors import ExitCode
from shared.logging import configure_logging


def _setup() -> None:
    from shared.elasticsearch import make_client
    from shared.errors import UnavailableError
    from shared.index import ensure_index
    from shared.kafka import ensure_topics, reachable, replication_shortfalls
    from shared.settings import ElasticsearchSettings, KafkaSettings, NamespaceSettings

    names = NamespaceSettings().names
    kafka, es = KafkaSettings(), ElasticsearchSettings()
    if not reachable(kafka, kafka.request_timeout_ms / 1000):
        raise UnavailableError(f"cannot reach Kafka at {kafka.bootstrap_servers}")
    # The incoming topic is ingest's output and the dedup stage's input (``Names.topics()``
    # lists the topics the stages after dedup share).
    topics = (names.incoming_topic, *names.topics())
    created = ensure_topics(kafka, topics)
    typer.echo(f"topics: {', '.join(topics)} ({len(created)} created)")
    _warn_shortfalls(replication_shortfalls(kafka, topics))
    client = make_client(es)
    try:
        index = ensure_index(client, names, datetime.now(UTC))
    finally:
        client.close()
    typer.echo(f"index: {index} (write alias {names.write_alias}, read alias {names.read_alias})")


def _warn_shortfalls(shortfalls: list[str]) -> None:
    """Topics that existed with less replication than the settings ask: setup cannot change a
    topic's replication, so it says so and goes on (exit 0)."""
    if not shortfalls:
        return
    from rich.console import Console

    err = Console(stderr=True)
    err.print(
        f"[yellow]warning:[/yellow] {len(shortfalls)} existing topic(s) replicated below the "
        "settings (NEWSWIRE_KAFKA_REPLICATION_FACTOR, _MIN_INSYNC_REPLICAS); setup leaves "
        "them as they are and still exits 0:",
        highlight=False,
        soft_wrap=True,
    )
    for line in shortfalls:
        err.print(f"  {line}", highlight=False, soft_wrap=True)
    err.print(
        "  raise them with kafka-reassign-partitions and kafka-configs (min.insync.replicas)",
        highlight=False,
    )


def setup() -> None:
    """Create the topics and the index template, monthly index and aliases (idempotent)."""
    from elastic_transport import TransportError
    from kafka.errors import KafkaError
    from pydantic import ValidationError
    from rich.console import Console

    from shared.errors import NewswireError

    code, why = ExitCode.OK, ""
    try:
        _setup()
    except NewswireError as exc:
        code, why = exc.exit_code, str(exc)
    except ValidationError as exc:
        code, why = ExitCode.USAGE, f"invalid settings: {exc}"
    except (KafkaError, TransportError) as exc:
        code, why = ExitCode.UNAVAILABLE, f"{type(exc).__name__}: {exc}"
    if code is not ExitCode.OK:
        Console(stderr=True).print(f"[red]setup failed:[/red] {why}", highlight=False)
        raise typer.Exit(int(code))


def build() -> typer.Typer:
    from services.audit.cli import (
        articles_app,
        audit_command,
        dead_letters_command,
        replay_command,
    )
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
    root.add_typer(articles_app, name="articles")
    root.command("dead-letters")(dead_letters_command)
    root.command("replay")(replay_command)
    return root


def main() -> None:
    configure_logging()
    build()()
