"""`newswire audit`: do the stages balance? Exit codes: 0 balanced; 1 imbalance (ids listed);
2 cannot reach Kafka or Elasticsearch."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.audit.reconcile import AuditReport, audit
from shared.elasticsearch import make_client
from shared.kafka import make_consumer
from shared.settings import ElasticsearchSettings, KafkaSettings, NamespaceSettings

console = Console(stderr=True)


def _run() -> AuditReport:
    names = NamespaceSettings().names
    kafka = KafkaSettings()
    es = make_client(ElasticsearchSettings())
    consumer = make_consumer(kafka, None, client_id=f"{kafka.client_id}-audit")
    try:
        return audit(consumer, es, names)
    finally:
        consumer.close()
        es.close()


def audit_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to keep re-checking while in-flight articles land.")
    ] = 0.0,
) -> None:
    """Reconcile raw, enriched, dead-letter topics and the index by article id."""
    deadline = time.monotonic() + wait
    try:
        report = _run()
        while not report.balanced and time.monotonic() < deadline:
            time.sleep(2)
            report = _run()
    except Exception as exc:  # any connection failure: say so, exit 2
        console.print(f"[red]audit failed:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        table = Table(title="newswire audit")
        table.add_column("stage")
        table.add_column("articles", justify="right")
        table.add_row("raw (entered)", f"{report.raw_ids} ({report.raw_records} records)")
        table.add_row("enriched", str(report.enriched_ids))
        table.add_row("indexed", str(report.indexed_ids))
        for stage, count in sorted(report.dead_letters.items()):
            table.add_row(f"dead letters: {stage}", str(count))
        table.add_row("inputs rejected at ingest", str(report.inputs_rejected_at_ingest))
        Console().print(table)
        for label, ids in (
            ("missing (neither indexed nor dead-lettered)", report.missing),
            ("indexed more than once", report.duplicated),
            ("indexed at an older version", report.stale),
        ):
            if ids:
                console.print(f"[red]{label}: {len(ids)}[/red]")
                for article_id in ids[:50]:
                    console.print(f"  {article_id}")
        console.print("[green]balanced[/green]" if report.balanced else "[red]NOT balanced[/red]")
    if not report.balanced:
        raise typer.Exit(1)


def dead_letters_command(
    stage: Annotated[str | None, typer.Option(help="ingest, enrich or indexer.")] = None,
    reason: Annotated[str | None, typer.Option(help="e.g. invalid-json, es-rejected.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    republish_: Annotated[
        bool,
        typer.Option("--republish", help="Send enrich/indexer payloads back to their topic."),
    ] = False,
) -> None:
    """List dead letters (newest last), or re-publish them once the cause is fixed."""
    from services.audit import deadletters

    names = NamespaceSettings().names
    kafka = KafkaSettings()
    consumer = make_consumer(kafka, None, client_id=f"{kafka.client_id}-dead-letters")
    try:
        if republish_:
            from shared.kafka import make_producer

            if stage is None:
                console.print("[red]--republish needs --stage enrich or --stage indexer[/red]")
                raise typer.Exit(2)
            producer = make_producer(kafka)
            try:
                sent, skipped = deadletters.republish(consumer, producer, names, stage, reason)
            except deadletters.RepublishError as exc:
                console.print(
                    f"[red]{exc}[/red] (the dead letters are kept: running again sends every "
                    "matching one again, harmless as the services are idempotent)"
                )
                raise typer.Exit(1) from exc
            finally:
                producer.close()
            console.print(f"re-published {sent}; skipped {skipped} (payload truncated)")
            return
        found = [letter for _r, letter in deadletters.letters(consumer, names, stage, reason)]
    finally:
        consumer.close()
    shown = found[-limit:]
    if as_json:
        typer.echo(json.dumps([letter.model_dump(mode="json") for letter in shown], indent=2))
        return
    table = Table(title=f"dead letters ({len(found)} matching, last {len(shown)} shown)")
    for column in ("time", "stage", "reason", "source / where", "error"):
        table.add_column(column, overflow="fold")
    for letter in shown:
        where = letter.source or ""
        if letter.topic is not None:
            where += f" {letter.topic}[{letter.partition}]@{letter.offset}"
        table.add_row(
            f"{letter.failed_at:%Y-%m-%d %H:%M:%S}",
            letter.stage,
            letter.reason,
            where,
            letter.error[:200],
        )
    Console().print(table)


def replay_command(
    stage: Annotated[str, typer.Argument(help="indexer (re-index) or enrich (re-enrich).")],
    since: Annotated[
        str | None, typer.Option(help="ISO date-time: replay from there, not from the start.")
    ] = None,
) -> None:
    """Re-process a topic: reset the (stopped) group's offsets; restart the service after."""
    from datetime import datetime

    from services.audit.replay import GroupActiveError, reset_offsets
    from shared.kafka import make_admin

    names = NamespaceSettings().names
    groups = {
        "indexer": (names.indexer_group, names.enriched_topic),
        "enrich": (names.enrich_group, names.raw_topic),
    }
    if stage not in groups:
        console.print("[red]stage must be indexer or enrich[/red]")
        raise typer.Exit(2)
    group, topic = groups[stage]
    start = datetime.fromisoformat(since) if since else None
    kafka = KafkaSettings()
    admin = make_admin(kafka)
    consumer = make_consumer(kafka, None)
    try:
        targets = reset_offsets(admin, consumer, group, topic, start)
    except (GroupActiveError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        consumer.close()
        admin.close()
    for tp, offset in sorted(targets.items()):
        console.print(f"{group}: {tp.topic}[{tp.partition}] -> {offset}")
    console.print(f"start `newswire {'index' if stage == 'indexer' else 'enrich'}` to replay")
