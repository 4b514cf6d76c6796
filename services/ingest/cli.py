"""`newswire ingest file|serve|poll` and `newswire feeds add|list|remove|enable`.

Exit codes: 0 done (every input published, a duplicate, or dead-lettered with a reason);
1 a failure that lost nothing but stopped the work (Kafka did not acknowledge, bad settings);
2 bad usage.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.ingest import feedlist
from services.ingest.context import open_publisher
from services.ingest.errors import PublishError
from services.ingest.files import import_paths, input_files
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings

log = logging.getLogger(__name__)
console = Console(stderr=True)

ingest_app = typer.Typer(help="Take articles from files, the push endpoint and feeds.")
feeds_app = typer.Typer(help="Manage the feeds `newswire ingest poll` polls.")


@ingest_app.command("file")
def ingest_file(
    paths: Annotated[list[Path], typer.Argument(exists=True, help="Files or folders.")],
    batch_size: Annotated[int, typer.Option(min=1)] = 500,
) -> None:
    """Import JSON (array or object), NDJSON and feed files (RSS, Atom, JSON Feed)."""
    settings = IngestSettings()
    files = input_files(paths)
    total = sum(p.stat().st_size for p in files)
    metrics = IngestMetrics()
    publisher = open_publisher(settings, metrics)
    progress = Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    try:
        with progress:
            task = progress.add_task("import", total=total)
            summary = import_paths(
                paths,
                publisher,
                batch_size=batch_size,
                advance=lambda n: progress.advance(task, n),
            )
    except PublishError as exc:
        console.print(f"[red]import stopped:[/red] {exc}")
        console.print("Nothing acknowledged was lost; run the same command again to resume.")
        raise typer.Exit(1) from exc
    finally:
        publisher.close()
    table = Table(title=f"{summary.files} file(s) imported")
    table.add_column("published", justify="right")
    table.add_column("duplicates", justify="right")
    table.add_column("dead-lettered", justify="right")
    table.add_row(str(summary.published), str(summary.duplicates), str(summary.dead_lettered))
    Console().print(table)
    if summary.reasons:
        reasons = ", ".join(f"{r}: {n}" for r, n in summary.reasons.most_common())
        console.print(
            f"dead-lettered by reason: {reasons} (topic {settings.names.dead_letter_topic})"
        )


@ingest_app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Default: NEWSWIRE_INGEST_API_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: NEWSWIRE_INGEST_API_PORT.")] = None,
) -> None:
    """Run the push endpoint: POST /articles (X-API-Key), /healthz, /metrics, /docs."""
    import uvicorn

    from services.ingest.api import create_app

    settings = IngestSettings()
    metrics = IngestMetrics()
    try:
        app = create_app(settings, metrics, lambda: open_publisher(settings, metrics))
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    uvicorn.run(
        app,
        host=host or settings.api_host,
        port=port or settings.api_port,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
        log_config=None,
    )


@ingest_app.command("poll")
def poll(
    once: Annotated[
        bool, typer.Option("--once", "--burst", help="Poll every enabled feed once, then exit.")
    ] = False,
) -> None:
    """Poll the configured feeds on their schedules until SIGTERM/SIGINT."""
    from prometheus_client import start_http_server

    from services.ingest.feedhandler import FeedHandler
    from services.ingest.fetcher import Fetcher
    from services.ingest.politeness import HostLimiter
    from services.ingest.poller import FeedStateStore, Poller

    settings = IngestSettings()
    feeds = feedlist.load(settings.feeds_file)
    if not feeds:
        console.print(f"no feeds in {settings.feeds_file}: add one with `newswire feeds add URL`")
        raise typer.Exit(1)
    metrics = IngestMetrics()
    if settings.metrics_port:
        start_http_server(settings.metrics_port, registry=metrics.registry)
    publisher = open_publisher(settings, metrics)
    limiter = HostLimiter(settings.fetch.per_host_delay_s, settings.fetch.per_host_concurrency)
    fetcher = Fetcher(settings.fetch, limiter)
    store = FeedStateStore(settings.feed_state_db)
    poller = Poller(settings, feeds, fetcher, store, FeedHandler(publisher, fetcher), metrics)
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal received signal=%s: finishing in-flight fetches", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if once:
            for result in poller.run_once():
                console.print(f"{result.feed_id}: {result.outcome}")
        else:
            poller.run(stop)
    finally:
        fetcher.close()
        store.close()
        publisher.close(settings.shutdown_timeout_s)


@feeds_app.command("add")
def feeds_add(
    url: str,
    feed_id: Annotated[str | None, typer.Option("--id")] = None,
    interval: Annotated[float | None, typer.Option(help="Seconds between polls.")] = None,
    full_text: Annotated[bool, typer.Option(help="Fetch linked pages for full text.")] = False,
    language: Annotated[str | None, typer.Option(help="Language hint.")] = None,
) -> None:
    """Add a feed to the list."""
    settings = IngestSettings()
    feed = feedlist.FeedConfig(
        id=feed_id or feedlist.default_feed_id(url),
        url=url,
        interval_s=interval,
        full_text=full_text,
        language=language,
    )
    try:
        feedlist.add(settings.feeds_file, feed)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"added {feed.id} ({settings.feeds_file})")


@feeds_app.command("remove")
def feeds_remove(feed_id: str) -> None:
    """Remove a feed from the list."""
    settings = IngestSettings()
    try:
        feedlist.remove(settings.feeds_file, feed_id)
    except KeyError as exc:
        console.print(f"[red]no feed with id {feed_id!r}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"removed {feed_id}")


@feeds_app.command("enable")
def feeds_enable(feed_id: str) -> None:
    """Re-enable a feed disabled after repeated failures (resets its failure count)."""
    from services.ingest.poller import FeedStateStore

    settings = IngestSettings()
    store = FeedStateStore(settings.feed_state_db)
    try:
        store.enable(feed_id)
    finally:
        store.close()
    console.print(f"enabled {feed_id}")


@feeds_app.command("list")
def feeds_list() -> None:
    """The feeds, with their polling state (failures, disabled feeds and why)."""
    from services.ingest.poller import FeedStateStore

    settings = IngestSettings()
    feeds = feedlist.load(settings.feeds_file)
    store = FeedStateStore(settings.feed_state_db)
    try:
        states = store.all()
    finally:
        store.close()
    table = Table(title=f"feeds ({settings.feeds_file})")
    for column in ("id", "url", "interval", "state", "failures", "last error"):
        table.add_column(column, overflow="fold")
    for feed in feeds:
        state = states.get(feed.id)
        status = "disabled" if state and state.disabled else "enabled"
        if not feed.enabled:
            status = "off (config)"
        table.add_row(
            feed.id,
            feed.url,
            f"{feed.interval_s or settings.poll.default_interval_s:.0f}s",
            status,
            str(state.failures if state else 0),
            (state.disabled_reason or state.last_error or "") if state else "",
        )
    Console().print(table)
