"""`newswire ingest file|serve|poll` and `newswire feeds add|list|remove|enable`.

Exit codes (``shared.errors.ExitCode``):
- `ingest file`: 0 every input accepted or dead-lettered with its reason (the summary counts
  them); 2 bad usage (no such path, bad settings); 3 Kafka unreachable or not acknowledging
  (nothing acknowledged is lost: run the same command again; the dedup stage drops what
  arrives twice).
- `ingest serve`: 0 stopped by SIGTERM/SIGINT; 1 the port cannot be bound; 2 no API key or bad
  settings; 3 Kafka unreachable at start-up.
- `ingest poll`: 0 stopped by SIGTERM/SIGINT (`--once`: every feed polled); 1 `--once` and some
  feed failed, or /metrics cannot be bound; 2 no feed to poll, bad feed list or settings;
  3 Kafka unreachable (`--once`: or it did not acknowledge what a feed brought).
- `feeds add|list|remove|enable`: 0 done; 2 bad usage (duplicate id, bad URL, unknown id, bad
  feed list or settings).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from services.ingest import feedlist
from services.ingest.context import open_publisher
from services.ingest.errors import FeedListError
from services.ingest.feedstate import FeedStateStore
from services.ingest.files import import_paths, input_files
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import PollResult
from services.ingest.settings import IngestSettings, PollSettings
from shared.errors import ExitCode, NewswireError, NotAcknowledgedError
from shared.lifecycle import Lifecycle

log = logging.getLogger(__name__)
console = Console(stderr=True)

ingest_app = typer.Typer(help="Take articles from files, the push endpoint and feeds.")
feeds_app = typer.Typer(help="Manage the feeds `newswire ingest poll` polls.")


def _settings() -> IngestSettings:
    try:
        return IngestSettings()
    except ValidationError as exc:
        console.print(f"[red]bad settings:[/red] {escape(str(exc))}")
        raise typer.Exit(int(ExitCode.USAGE)) from exc


@contextlib.contextmanager
def _exit_on_error() -> Iterator[None]:
    """A short command's errors: the message, then the exit code ``shared.errors`` gives."""
    try:
        yield
    except NewswireError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]", soft_wrap=True)
        raise typer.Exit(int(exc.exit_code)) from exc


@ingest_app.command("file")
def ingest_file(
    paths: Annotated[list[Path], typer.Argument(exists=True, help="Files or folders.")],
    batch_size: Annotated[int, typer.Option(min=1)] = 500,
) -> None:
    """Import JSON (array or object), NDJSON and feed files (RSS, Atom, JSON Feed)."""
    from services.ingest.views import import_summary_view

    settings = _settings()
    files = input_files(paths)
    total = sum(p.stat().st_size for p in files)
    progress = Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with _exit_on_error():
        publisher = open_publisher(settings, IngestMetrics())
        try:
            with progress:
                task = progress.add_task("import", total=total)
                summary = import_paths(
                    paths,
                    Intake(publisher),
                    batch_size=batch_size,
                    advance=lambda n: progress.advance(task, n),
                )
        except NotAcknowledgedError:
            console.print("Nothing acknowledged was lost; run the same command again to resume.")
            raise
        finally:
            publisher.close(settings.shutdown_timeout_s)
    Console().print(import_summary_view(summary, settings.names.dead_letter_topic))


@ingest_app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Default: NEWSWIRE_INGEST_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: NEWSWIRE_INGEST_PORT.")] = None,
) -> None:
    """Run the push endpoint: POST /articles (X-API-Key), /healthz, /metrics, /docs."""
    from services.ingest.api import api_key, create_app
    from shared.lifecycle import serve_asgi

    settings = _settings()
    metrics = IngestMetrics()
    with Lifecycle("ingest-api", shutdown_timeout_s=settings.shutdown_timeout_s) as life:
        api_key(settings)  # before anything is opened
        publisher = life.resource(
            open_publisher(settings, metrics), lambda p: p.close(settings.shutdown_timeout_s)
        )
        app = create_app(settings, metrics, Intake(publisher))
        serve_asgi(life, app, host=host or settings.host, port=port or settings.port)
    raise typer.Exit(int(life.exit_code))


@ingest_app.command("poll")
def poll(
    once: Annotated[
        bool, typer.Option("--once", "--burst", help="Poll every enabled feed once, then exit.")
    ] = False,
) -> None:
    """Poll the configured feeds on their schedules until SIGTERM/SIGINT (/metrics on
    NEWSWIRE_POLL_HOST:NEWSWIRE_POLL_PORT, not with --once)."""
    from services.ingest.feedhandler import FeedHandler
    from services.ingest.fetcher import Fetcher
    from services.ingest.politeness import HostLimiter
    from services.ingest.poller import Poller

    settings = _settings()
    with Lifecycle("ingest-poll", shutdown_timeout_s=settings.shutdown_timeout_s) as life:
        feeds = feedlist.load(settings.feeds_file)
        if not any(feed.enabled for feed in feeds):
            raise FeedListError(
                f"no feed to poll in {settings.feeds_file}: add one with `newswire feeds add URL`"
            )
        metrics = IngestMetrics()
        publisher = life.resource(
            open_publisher(settings, metrics), lambda p: p.close(settings.shutdown_timeout_s)
        )
        if not once:
            _serve_metrics(life, settings.poll, metrics)
        limiter = HostLimiter(settings.fetch.per_host_delay_s, settings.fetch.per_host_concurrency)
        fetcher = life.resource(Fetcher(settings.fetch, limiter), Fetcher.close)
        store = life.resource(FeedStateStore(settings.feed_state_db), FeedStateStore.close)
        handler = FeedHandler(Intake(publisher), fetcher)
        poller = Poller(settings, feeds, fetcher, store, handler, metrics)
        if once:
            _report(life, poller.run_once())
        else:
            poller.run(life.stop)
    raise typer.Exit(int(life.exit_code))


def _serve_metrics(life: Lifecycle, settings: PollSettings, metrics: IngestMetrics) -> None:
    from prometheus_client import start_http_server

    try:
        server, _thread = start_http_server(
            settings.port, addr=settings.host, registry=metrics.registry
        )
    except OSError as exc:
        raise NewswireError(
            f"cannot serve /metrics on {settings.host}:{settings.port}: {exc}"
        ) from exc
    life.resource(server, lambda s: s.shutdown(), name="metrics server")


def _report(life: Lifecycle, results: list[PollResult]) -> None:
    """Print each feed's result; a failed feed fails the run (Kafka's failures first)."""
    for result in results:
        detail = f" ({result.error_kind})" if result.error_kind else ""
        console.print(f"{result.feed_id}: {result.outcome}{detail}")
    failed = [r for r in results if r.outcome in ("error", "disabled")]
    if any(r.error_kind == "publish" for r in failed):
        life.fail(ExitCode.UNAVAILABLE, "Kafka did not acknowledge what some feed brought")
    elif failed:
        life.fail(ExitCode.FAILED, f"{len(failed)} of {len(results)} feed(s) failed")


@feeds_app.command("add")
def feeds_add(
    url: str,
    feed_id: Annotated[str | None, typer.Option("--id")] = None,
    interval: Annotated[float | None, typer.Option(help="Seconds between polls.")] = None,
    full_text: Annotated[bool, typer.Option(help="Fetch linked pages for full text.")] = False,
    language: Annotated[str | None, typer.Option(help="Language hint.")] = None,
) -> None:
    """Add a feed to the list."""
    settings = _settings()
    with _exit_on_error():
        feed = feedlist.new_feed(
            url, feed_id, interval_s=interval, full_text=full_text, language=language
        )
        feedlist.add(settings.feeds_file, feed)
    console.print(f"added {feed.id} ({settings.feeds_file})")


@feeds_app.command("remove")
def feeds_remove(feed_id: str) -> None:
    """Remove a feed from the list."""
    settings = _settings()
    with _exit_on_error():
        feedlist.remove(settings.feeds_file, feed_id)
    console.print(f"removed {feed_id}")


@feeds_app.command("enable")
def feeds_enable(feed_id: str) -> None:
    """Re-enable a feed disabled after repeated failures (resets its failure count)."""
    settings = _settings()
    with _exit_on_error(), contextlib.closing(FeedStateStore(settings.feed_state_db)) as store:
        feedlist.find(settings.feeds_file, feed_id)
        enabled = store.enable(feed_id)
    console.print(f"enabled {feed_id}" if enabled else f"{feed_id} was not disabled")


@feeds_app.command("list")
def feeds_list() -> None:
    """The feeds, with their polling state (failures, disabled feeds and why)."""
    from services.ingest.views import feeds_view

    settings = _settings()
    with _exit_on_error(), contextlib.closing(FeedStateStore(settings.feed_state_db)) as store:
        feeds = feedlist.load(settings.feeds_file)
        states = store.all()
    out = Console()
    view = feeds_view(
        feeds,
        states,
        default_interval_s=settings.poll.default_interval_s,
        now=time.time(),
        title=f"feeds ({settings.feeds_file})",
        width=out.width,
    )
    out.print(view)
