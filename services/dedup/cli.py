"""`newswire dedup`: one dedup worker (run several: they share the incoming topic's partitions).

Exit codes (``shared.errors.ExitCode``): 0 stopped by SIGTERM/SIGINT; 3 Kafka unreachable at
start, or it kept refusing outputs (nothing of the batch was acked: it is redelivered).
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console

from services.dedup.settings import DedupSettings
from shared.errors import ExitCode
from shared.lifecycle import Lifecycle

log = logging.getLogger(__name__)
console = Console(stderr=True)


def dedup(
    host: Annotated[str | None, typer.Option(help="Default: NEWSWIRE_DEDUP_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: NEWSWIRE_DEDUP_PORT.")] = None,
) -> None:
    """Decide new / changed / duplicate per article id and publish versioned raw articles."""
    from services.dedup.metrics import DedupMetrics
    from services.dedup.stage import DedupStage
    from shared.kafka import ensure_topics, resolved_replication
    from shared.streams import run_worker

    settings = DedupSettings()
    update = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    if update:
        settings = settings.model_copy(update=update)
    names = settings.names
    try:
        ensure_topics(settings.kafka, [names.incoming_topic, names.raw_topic])
        ensure_topics(settings.kafka, [names.dead_letter_topic])
        replication = resolved_replication(settings.kafka)
    except Exception as exc:  # report any start-up failure plainly
        console.print(f"[red]cannot reach Kafka:[/red] {exc}")
        raise typer.Exit(int(ExitCode.UNAVAILABLE)) from exc
    with Lifecycle("dedup", shutdown_timeout_s=settings.shutdown_timeout_s) as life:
        stage = DedupStage(settings, DedupMetrics(), on_fatal=life.fail, replication=replication)
        run_worker(life, stage.app)
    raise typer.Exit(int(life.exit_code))


def main() -> None:
    from shared.logging import configure_logging

    configure_logging()
    typer.run(dedup)
