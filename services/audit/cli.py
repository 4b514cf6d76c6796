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
