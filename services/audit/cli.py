"""`newswire audit`, `newswire articles show`, `newswire dead-letters`, `newswire replay`.

Exit codes (the README's one table, ``shared.errors.ExitCode``):

- audit: 0 balanced; 1 imbalance (the ids are listed); 2 bad usage or settings; 3 Kafka or
  Elasticsearch unreachable;
- articles show: 0 shown; 1 the id is nowhere (no record, no copy in the index, no dead
  letter); 2 neither an article id nor an http(s) URL, or bad settings; 3 Kafka or
  Elasticsearch unreachable;
- dead-letters: 0 listed or re-published; 2 bad usage (``--republish`` without ``--stage enrich``
  or ``indexer``); 3 Kafka unreachable, or it did not acknowledge some re-published payloads
  (named);
- replay: 0 offsets reset; 1 the group still has live members; 2 bad usage (stage, ``--since``,
  no such topic); 3 Kafka unreachable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer
from kafka import KafkaConsumer
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from services.audit.errors import UNREACHABLE
from services.audit.lookup import ArticleTrace, trace
from services.audit.reconcile import AuditReport, audit
from shared.deadletter import DeadLetter
from shared.elasticsearch import make_client
from shared.errors import ExitCode, NewswireError, UnavailableError, UsageError
from shared.kafka import make_consumer, reachable
from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings, NamespaceSettings

console = Console(stderr=True)
STAGES = ("ingest", "enrich", "indexer")
articles_app = typer.Typer(help="Follow one article through the pipeline.")
AUDIT_RECHECK_S = 2.0


@contextmanager
def _ending(what: str) -> Iterator[None]:
    """What ends a command early becomes its message and its exit code (``shared.errors``)."""
    try:
        yield
    except NewswireError as exc:
        code, message = exc.exit_code, str(exc)
    except ValidationError as exc:
        code, message = ExitCode.USAGE, f"invalid settings: {exc}"
    except UNREACHABLE as exc:
        code, message = ExitCode.UNAVAILABLE, f"{type(exc).__name__}: {exc}"
    else:
        return
    console.print(f"[red]{what}:[/red] {message}", highlight=False)
    raise typer.Exit(int(code))


def _consumer(kafka: KafkaSettings, purpose: str) -> KafkaConsumer:
    # Opened before any other client, and given up after one request timeout: a broker that is
    # not there is said in seconds (kafka-python's own bootstrap wait is 30 s, the admin's too).
    if not reachable(kafka, kafka.request_timeout_ms / 1000):
        raise UnavailableError(f"cannot reach Kafka at {kafka.bootstrap_servers}")
    return make_consumer(
        kafka,
        None,
        client_id=f"{kafka.client_id}-{purpose}",
        bootstrap_timeout_ms=kafka.request_timeout_ms,
    )


def _run(names: Names, kafka: KafkaSettings, es_settings: ElasticsearchSettings) -> AuditReport:
    consumer = _consumer(kafka, "audit")
    es = make_client(es_settings)
    try:
        return audit(consumer, es, names)
    finally:
        consumer.close()
        es.close()


def _print_report(report: AuditReport) -> None:
    table = Table(title="newswire audit")
    table.add_column("stage")
    table.add_column("articles", justify="right", no_wrap=True)
    table.add_row(
        "incoming (entered)", f"{report.incoming_ids} ({report.incoming_records} records)"
    )
    table.add_row("raw (new, changed)", f"{report.raw_ids} ({report.raw_records} records)")
    table.add_row("enriched", str(report.enriched_ids))
    table.add_row("indexed", str(report.indexed_ids))
    for stage, count in sorted(report.dead_letters.items()):
        table.add_row(f"dead letters: {stage}", str(count))
    table.add_row("inputs rejected at ingest", str(report.inputs_rejected_at_ingest))
    Console().print(table)
    for label, ids in (
        ("not deduplicated (on incoming, not on raw)", report.not_deduplicated),
        ("missing (neither indexed nor dead-lettered)", report.missing),
        ("indexed more than once", report.duplicated),
        ("indexed at an older version", report.stale),
        ("indexed text is not the newest published (lost edit)", report.lost_edits),
        ("published twice under one version with different texts", report.conflicting),
    ):
        if ids:
            console.print(f"[red]{label}: {len(ids)}[/red]")
            for article_id in ids[:50]:
                console.print(f"  {article_id}")
    if report.not_deduplicated:
        console.print(
            "is `newswire dedup` running? `newswire lag` shows how far behind its group is; "
            "`newswire articles show ID` follows one id"
        )
    console.print("[green]balanced[/green]" if report.balanced else "[red]NOT balanced[/red]")


def audit_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    wait: Annotated[
        float,
        typer.Option(min=0, help="Seconds to keep re-checking while in-flight articles land."),
    ] = 0.0,
) -> None:
    """Reconcile raw, enriched, dead-letter topics and the index by article id."""
    deadline = time.monotonic() + wait
    with _ending("audit failed"):
        names, kafka, es = NamespaceSettings().names, KafkaSettings(), ElasticsearchSettings()
        report = _run(names, kafka, es)
        while not report.balanced and time.monotonic() < deadline:
            time.sleep(AUDIT_RECHECK_S)
            report = _run(names, kafka, es)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        _print_report(report)
    if not report.balanced:
        raise typer.Exit(int(ExitCode.FAILED))


def _print_letters(found: list[DeadLetter], shown: list[DeadLetter]) -> None:
    """One heading line per letter and its error below, so that nothing is cut at 80 columns."""
    out = Console()
    out.print(f"dead letters ({len(found)} matching, last {len(shown)} shown)", style="bold")
    for letter in shown:
        where = letter.source or ""
        if letter.topic is not None:
            where += f" {letter.topic}[{letter.partition}]@{letter.offset}"
        heading = Text.assemble(
            f"{letter.failed_at:%Y-%m-%d %H:%M:%S}  ",
            (letter.stage, "bold"),
            "  ",
            (letter.reason, "yellow"),
            f"  {where.strip()}",
        )
        out.print(heading)
        out.print(Padding(Text(letter.error[:200], style="dim"), (0, 0, 0, 2)))


def _republish(names: Names, kafka: KafkaSettings, stage: str | None, reason: str | None) -> None:
    from services.audit import deadletters
    from shared.kafka import make_producer

    if stage not in ("enrich", "indexer"):
        raise UsageError("--republish needs --stage enrich or --stage indexer")
    consumer = _consumer(kafka, "dead-letters")
    producer = make_producer(kafka)
    try:
        sent, skipped = deadletters.republish(consumer, producer, names, stage, reason)
    finally:
        producer.close()
        consumer.close()
    console.print(f"re-published {sent}; skipped {skipped} (payload truncated)")


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

    with _ending("dead letters"):
        if stage is not None and stage not in STAGES:
            raise UsageError(f"--stage must be one of {', '.join(STAGES)}")
        names, kafka = NamespaceSettings().names, KafkaSettings()
        if republish_:
            _republish(names, kafka, stage, reason)
            return
        consumer = _consumer(kafka, "dead-letters")
        try:
            found = [letter for _r, letter in deadletters.letters(consumer, names, stage, reason)]
        finally:
            consumer.close()
    shown = found[-limit:]
    if as_json:
        typer.echo(json.dumps([letter.model_dump(mode="json") for letter in shown], indent=2))
        return
    _print_letters(found, shown)


def _since(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError as exc:
        raise UsageError(f"--since: not an ISO date-time: {value!r}") from exc


def replay_command(
    stage: Annotated[str, typer.Argument(help="indexer (re-index) or enrich (re-enrich).")],
    since: Annotated[
        str | None, typer.Option(help="ISO date-time: replay from there, not from the start.")
    ] = None,
) -> None:
    """Re-process a topic: reset the (stopped) group's offsets; restart the service after."""
    from services.audit.replay import reset_offsets
    from shared.kafka import make_admin

    with _ending("replay"):
        names = NamespaceSettings().names
        groups = {
            "indexer": (names.indexer_group, names.enriched_topic),
            "enrich": (names.enrich_group, names.raw_topic),
        }
        if stage not in groups:
            raise UsageError("stage must be indexer or enrich")
        group, topic = groups[stage]
        start = _since(since)
        kafka = KafkaSettings()
        consumer = _consumer(kafka, "replay")
        try:
            admin = make_admin(kafka)  # a broker answered the consumer: no 30 s wait here
            try:
                targets = reset_offsets(admin, consumer, group, topic, start)
            finally:
                admin.close()
        finally:
            consumer.close()
    for tp, offset in sorted(targets.items()):
        console.print(f"{group}: {tp.topic}[{tp.partition}] -> {offset}")
    console.print(f"start `newswire {'index' if stage == 'indexer' else 'enrich'}` to replay")


def _article_id(given: str) -> str:
    """An article id as given (64 hex digits), or the id of an http(s) URL."""
    from shared.ids import article_id, canonical_url

    text = given.strip()
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text.lower()):
        return text.lower()
    if text.lower().startswith(("http://", "https://")) and canonical_url(text):
        return article_id(text)
    raise UsageError(f"not an article id (64 hex digits) nor an http(s) URL: {given!r}")


def _print_trace(found: ArticleTrace, names: Names) -> None:
    out = Console()
    out.print(Text(f"article {found.article_id}", style="bold"))
    for title, records, verdicts in (
        (names.incoming_topic, found.incoming, True),
        (names.raw_topic, found.raw, False),
    ):
        table = Table(
            title=f"{title} ({len(records)} records)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
        )
        for column in ("part", "offset", "time (UTC)", "version", "content hash"):
            table.add_column(column, no_wrap=True)
        if verdicts:
            table.add_column("dedup")
        for r in records:
            cells = [str(r.partition), str(r.offset), f"{r.at:%Y-%m-%d %H:%M:%S}", str(r.version)]
            cells.append((r.content_hash or "?")[:12])
            table.add_row(*cells, *([r.verdict] if verdicts else []))
        out.print(table)
    if not found.indexed:
        out.print("indexed: no")
    for copy in found.indexed:
        newest = max((r.version for r in found.raw), default=None)
        note = "" if newest is None or copy.version >= newest else f" (newest on raw: v{newest})"
        hash_text = (copy.content_hash or "?")[:12]
        out.print(f"indexed: {copy.index} v{copy.version} content hash {hash_text}{note}")
    out.print(f"dead letters: {len(found.dead_letters)}")
    for letter in found.dead_letters:
        out.print(
            Text.assemble(
                f"  {letter.failed_at:%Y-%m-%d %H:%M:%S}  ",
                (letter.stage, "bold"),
                "  ",
                (letter.reason, "yellow"),
            )
        )
        out.print(Padding(Text(letter.error[:200], style="dim"), (0, 0, 0, 4)))


@articles_app.command("show")
def articles_show(
    article: Annotated[str, typer.Argument(help="Article id (64 hex digits) or its URL.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One article: its records on incoming and raw, what dedup made of each, its indexed
    version and its dead letters (reads only the id's partition of each topic)."""
    with _ending("articles show"):
        article_id = _article_id(article)
        names, kafka, es_settings = (
            NamespaceSettings().names,
            KafkaSettings(),
            ElasticsearchSettings(),
        )
        consumer = _consumer(kafka, "articles")
        es = make_client(es_settings)
        try:
            found = trace(consumer, es, names, article_id)
        finally:
            consumer.close()
            es.close()
    if as_json:
        typer.echo(json.dumps(found.as_dict(), indent=2))
    else:
        _print_trace(found, names)
    if not found.found:
        console.print(f"no record of {article_id} in namespace {names.namespace}")
        raise typer.Exit(int(ExitCode.FAILED))
